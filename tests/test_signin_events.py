"""R13: sign-in events (login, logout, failed login) are recorded, append-only and shown in /audit/."""

import pytest
from django.db import connection, transaction
from django.db.utils import DatabaseError
from django.test import Client
from rest_framework.test import APIClient

from audit.models import AuditExport, DeletionRefused, SignInEvent
from tests.conftest import web_client
from tests.factories import PASSWORD

BROWSER = "Mozilla/5.0 (X11; Linux x86_64) Testbrowser/1.0"

pytestmark = pytest.mark.req("R13")


def events():
    return list(
        SignInEvent.objects.order_by("pk").values_list("kind", "username", "user", "ip_address", "path")
    )


def login(client, username, password):
    return client.post(
        "/accounts/login/", {"username": username, "password": password}, HTTP_USER_AGENT=BROWSER
    )


def test_it_records_a_login_with_time_address_and_browser(support_user):
    response = login(Client(), support_user.username, PASSWORD)
    assert response.status_code == 302
    [event] = SignInEvent.objects.all()
    assert (event.kind, event.user, event.username) == ("login", support_user, support_user.username)
    assert (event.ip_address, event.user_agent, event.path) == ("127.0.0.1", BROWSER, "/accounts/login/")
    assert event.at is not None


def test_it_records_a_logout(support_user):
    client = Client()
    login(client, support_user.username, PASSWORD)
    client.post("/accounts/logout/")
    assert [e[:3] for e in events()] == [
        ("login", support_user.username, support_user.pk),
        ("logout", support_user.username, support_user.pk),
    ]


def test_it_records_a_failed_login_with_the_name_tried(support_user):
    response = login(Client(), "mallory", "geraten")
    assert response.status_code == 200  # the form again, with its error
    login(Client(), support_user.username, "falsch")
    assert events() == [
        ("login_failed", "mallory", None, "127.0.0.1", "/accounts/login/"),
        ("login_failed", support_user.username, None, "127.0.0.1", "/accounts/login/"),
    ]


def test_it_records_api_token_requests(support_user):
    api = APIClient()
    assert api.post("/api/v1/auth/token/", {"username": "mallory", "password": "x"}).status_code == 400
    response = api.post("/api/v1/auth/token/", {"username": support_user.username, "password": PASSWORD})
    assert response.status_code == 200 and response.json()["token"]
    assert events() == [
        ("login_failed", "mallory", None, "127.0.0.1", "/api/v1/auth/token/"),
        ("login", support_user.username, support_user.pk, "127.0.0.1", "/api/v1/auth/token/"),
    ]


def test_it_never_changes_or_deletes_an_event(support_user):
    login(Client(), "mallory", "geraten")
    event = SignInEvent.objects.get()
    event.username = "jemand"
    with pytest.raises(TypeError):
        event.save()
    with pytest.raises(DeletionRefused):
        event.delete()
    with pytest.raises(DeletionRefused):
        SignInEvent.objects.all().delete()
    with pytest.raises(TypeError):
        SignInEvent.objects.update(username="jemand")
    assert events()[0][1] == "mallory"


@pytest.mark.postgres_only
@pytest.mark.req("R10")
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE audit_signinevent SET username = 'x'",
        "DELETE FROM audit_signinevent",
        "DELETE FROM audit_auditexport",
    ],
)
def test_it_lets_postgresql_refuse_changing_events(support_user, sql):
    login(Client(), "mallory", "geraten")
    AuditExport.objects.create(user=support_user, format="csv")
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql)
    assert (SignInEvent.objects.count(), AuditExport.objects.count()) == (1, 1)


def test_it_shows_sign_in_events_in_the_audit_trail(support_user, qmb_user):
    client = Client()
    login(client, support_user.username, PASSWORD)
    client.post("/accounts/logout/")
    login(Client(), "mallory", "geraten")
    page = web_client(qmb_user).get("/audit/", {"kind": "signin"})
    entries = [(e.kind_label, e.who) for e in page.context["page"].entries]
    name = support_user.get_full_name()
    assert entries == [
        ("Anmeldung", qmb_user.get_full_name()),  # the QMB's own sign-in, by web_client
        ("Anmeldung fehlgeschlagen", "mallory"),
        ("Abmeldung", name),
        ("Anmeldung", name),
    ]
    failed = web_client(qmb_user).get("/audit/", {"kind": "login_failed"}).content.decode()
    assert "Benutzername: mallory" in failed and "IP-Adresse: 127.0.0.1" in failed
    assert "Anmeldung fehlgeschlagen" in failed
