"""R18: the lock-out after failed sign-ins (login form, admin login, API token, signature password),
the idle timeout of a session, the lifetime of an API token; the minimum password length (§11)."""

import datetime

import axes.attempts
import axes.handlers.proxy
import pytest
from django.contrib.auth import SESSION_KEY, password_validation
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.test import Client
from django.test.utils import override_settings
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts import roles
from accounts.services import user_create
from audit.models import SignInEvent
from tests.conftest import client_for
from tests.factories import PASSWORD, run, ticket_in_state
from tickets.models import RiskReview, State

pytestmark = [pytest.mark.req("R18"), pytest.mark.django_db]

WRONG = "Falsch-geraten-2026"
WINDOW = 900  # SUPPORTDESK_LOCKOUT_SECONDS


class Clock:
    """ "Now" moved forward without waiting: Django's clock and the copies axes imported of it."""

    def __init__(self):
        self.real = timezone.now
        self.offset = datetime.timedelta()

    def now(self):
        return self.real() + self.offset

    def advance(self, seconds):
        self.offset += datetime.timedelta(seconds=seconds)


@pytest.fixture
def clock(monkeypatch):
    clock = Clock()
    for module in (timezone, axes.handlers.proxy, axes.attempts):
        monkeypatch.setattr(module, "now", clock.now)
    return clock


def events():
    return list(SignInEvent.objects.order_by("pk").values_list("kind", "username"))


def log_in(client, username, password):
    return client.post("/accounts/login/", {"username": username, "password": password})


def signed_in(client) -> bool:
    return SESSION_KEY in client.session


def token_request(username, password):
    return APIClient().post(
        "/api/v1/auth/token/", {"username": username, "password": password}, format="json"
    )


# ---- the lock-out -------------------------------------------------------------------------------


def test_the_defaults_are_those_of_design():
    from django.conf import settings

    assert settings.SUPPORTDESK_LOGIN_ATTEMPTS == settings.AXES_FAILURE_LIMIT == 5
    assert settings.SUPPORTDESK_LOCKOUT_SECONDS == WINDOW
    assert settings.AXES_COOLOFF_TIME.total_seconds() == WINDOW
    assert settings.SESSION_COOKIE_AGE == settings.SUPPORTDESK_SESSION_IDLE_SECONDS == 1800
    assert settings.SUPPORTDESK_TOKEN_SECONDS == 28800


def test_the_login_form_refuses_a_locked_username_whatever_the_password_until_the_time_is_up(
    support_user, clock
):
    name = support_user.username
    for _ in range(5):
        response = log_in(Client(), name, WRONG)
        assert response.status_code == 200  # the form again: a wrong password, not yet a lock-out
        assert "gesperrt" not in response.content.decode()

    client = Client()
    response = log_in(client, name, PASSWORD)
    assert response.status_code == 429
    page = response.content.decode()
    assert "Zu viele fehlgeschlagene Anmeldungen: Der Benutzername ist noch 15 Minuten gesperrt." in page
    assert 'name="username"' in page  # the login page again
    assert not signed_in(client)

    clock.advance(WINDOW - 60)
    response = log_in(client, name, PASSWORD)
    assert response.status_code == 429  # refusals do not extend the lock, but it still holds
    assert "noch 1 Minute gesperrt" in response.content.decode()

    clock.advance(61)
    assert log_in(client, name, PASSWORD).status_code == 302
    assert signed_in(client)
    assert events() == [("login_failed", name)] * 5 + [("locked_out", name)] * 2 + [("login", name)]


def test_the_lock_is_by_username_not_by_address(support_user, management_user):
    for address in ("10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4", "10.0.0.5"):
        log_in(Client(REMOTE_ADDR=address), support_user.username, WRONG)
    assert log_in(Client(REMOTE_ADDR="10.9.9.9"), support_user.username, PASSWORD).status_code == 429
    # The same address signs in another username.
    assert log_in(Client(REMOTE_ADDR="10.0.0.1"), management_user.username, PASSWORD).status_code == 302


def test_failures_older_than_the_window_do_not_count(support_user, clock):
    for _ in range(4):
        log_in(Client(), support_user.username, WRONG)
    clock.advance(WINDOW + 1)
    log_in(Client(), support_user.username, WRONG)
    assert log_in(Client(), support_user.username, PASSWORD).status_code == 302


def test_the_token_endpoint_answers_429_with_retry_after_and_unlocks_after_the_time(support_user, clock):
    name = support_user.username
    for _ in range(5):
        assert token_request(name, WRONG).status_code == 400

    response = token_request(name, PASSWORD)
    assert response.status_code == 429
    assert response.json() == {
        "detail": "Zu viele fehlgeschlagene Anmeldungen: Der Benutzername ist noch 15 Minuten gesperrt."
    }
    assert response["Retry-After"] == str(WINDOW)

    clock.advance(600)
    response = token_request(name, PASSWORD)
    assert response.status_code == 429 and response["Retry-After"] == "300"

    clock.advance(300)
    response = token_request(name, PASSWORD)
    assert response.status_code == 200 and response.json()["token"]
    assert events() == [("login_failed", name)] * 5 + [("locked_out", name)] * 2 + [("login", name)]


def test_the_token_endpoint_refuses_a_name_longer_than_any_username():
    response = token_request("x" * 151, WRONG)
    assert response.status_code == 400 and list(response.json()) == ["username"]


def test_the_lock_holds_across_the_entry_points(support_user):
    for _ in range(5):
        token_request(support_user.username, WRONG)
    assert log_in(Client(), support_user.username, PASSWORD).status_code == 429


def test_the_admin_login_is_locked_out_too(admin_user, clock):
    for _ in range(5):
        response = Client().post("/admin/login/", {"username": admin_user.username, "password": WRONG})
        assert response.status_code == 200
    client = Client()
    response = client.post("/admin/login/", {"username": admin_user.username, "password": PASSWORD})
    assert "Der Benutzername ist noch 15 Minuten gesperrt." in response.content.decode()
    assert not signed_in(client)
    assert events()[-1] == ("locked_out", admin_user.username)

    clock.advance(WINDOW)
    response = client.post("/admin/login/", {"username": admin_user.username, "password": PASSWORD})
    assert response.status_code == 302 and signed_in(client)


@pytest.fixture
def risk_ticket(support_user):
    ticket = ticket_in_state(State.TRIAGE, support_user)
    return run(ticket, "flag_risk", support_user, risk_description="Falsche Kompressionsklasse.")


def sign_over_api(user, ticket, password):
    body = {"decision": "no_action", "comment": "", "password": password}
    return client_for(user).post(f"/api/v1/tickets/{ticket.pk}/risk-review/", body, format="json")


def test_a_wrong_signature_password_is_a_failed_sign_in_and_counts_for_the_lock_out(
    management_user, risk_ticket, clock
):
    name = management_user.username
    for _ in range(5):
        response = sign_over_api(management_user, risk_ticket, WRONG)
        assert response.status_code == 400
        assert response.json() == {
            "password": ["Das Passwort ist falsch; die Bewertung wurde nicht unterschrieben."]
        }
    # Recorded, although the refused signature itself wrote nothing.
    path = f"/api/v1/tickets/{risk_ticket.pk}/risk-review/"
    recorded = SignInEvent.objects.values_list("kind", "username", "path")
    assert list(recorded) == [("login_failed", name, path)] * 5

    response = sign_over_api(management_user, risk_ticket, PASSWORD)
    assert response.status_code == 429  # the API's answer to a lock-out, as for the token
    assert response["Retry-After"] == "900"
    assert response.json() == {
        "detail": "Zu viele fehlgeschlagene Anmeldungen: Der Benutzername ist noch 15 Minuten gesperrt."
    }
    assert risk_ticket.risk_reviews.get().state == RiskReview.State.PENDING
    assert events()[-1] == ("locked_out", name)
    # Guessing the signature password locks the sign-in as well.
    assert log_in(Client(), name, PASSWORD).status_code == 429

    clock.advance(WINDOW)
    assert sign_over_api(management_user, risk_ticket, PASSWORD).status_code == 201


def test_the_signature_page_shows_the_lock_out_as_the_password_error(management_user, risk_ticket):
    for _ in range(5):
        sign_over_api(management_user, risk_ticket, WRONG)
    page = Client()
    page.force_login(management_user)
    url = reverse("risk-review-sign", args=[risk_ticket.pk])
    response = page.post(url, {"decision": "no_action", "comment": "", "password": PASSWORD})
    assert response.status_code == 400
    assert "Der Benutzername ist noch 15 Minuten gesperrt." in response.content.decode()
    assert risk_ticket.risk_reviews.get().state == RiskReview.State.PENDING


# ---- the idle timeout -------------------------------------------------------------------------


@override_settings(SESSION_COOKIE_AGE=300)
def test_a_session_ends_after_the_idle_time_and_each_request_renews_it(support_user, clock):
    client = Client()
    assert log_in(client, support_user.username, PASSWORD).status_code == 302

    clock.advance(250)
    assert client.get("/").status_code == 200
    clock.advance(250)  # 500 s after the sign-in, 250 s after the last request
    assert client.get("/").status_code == 200

    clock.advance(301)
    response = client.get("/")
    assert response.status_code == 302 and response["Location"] == "/accounts/login/?next=/"


def test_requests_within_a_minute_do_not_save_the_session(web, clock):
    web.get("/")
    expiry = Session.objects.get().expire_date
    clock.advance(30)
    web.get("/")
    assert Session.objects.get().expire_date == expiry
    clock.advance(31)
    web.get("/")
    assert Session.objects.get().expire_date > expiry


# ---- the token lifetime -----------------------------------------------------------------------


@override_settings(SUPPORTDESK_TOKEN_SECONDS=3600)
def test_a_token_stops_working_after_its_lifetime_and_a_new_request_gets_a_fresh_one(support_user, clock):
    key = token_request(support_user.username, PASSWORD).json()["token"]
    api = APIClient(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get("/api/v1/tickets/").status_code == 200

    clock.advance(1800)
    assert token_request(support_user.username, PASSWORD).json()["token"] == key  # still valid
    clock.advance(1800)
    response = api.get("/api/v1/tickets/")
    assert response.status_code == 401
    assert response.json() == {
        "detail": "Das Token ist abgelaufen. Fordern Sie unter /api/v1/auth/token/ ein neues an."
    }

    fresh = token_request(support_user.username, PASSWORD).json()["token"]
    assert fresh != key
    assert APIClient(HTTP_AUTHORIZATION=f"Token {fresh}").get("/api/v1/tickets/").status_code == 200
    assert api.get("/api/v1/tickets/").status_code == 401


def test_an_expired_token_sent_along_does_not_block_asking_for_a_new_one(support_user, clock):
    key = token_request(support_user.username, PASSWORD).json()["token"]
    clock.advance(28800)
    api = APIClient(HTTP_AUTHORIZATION=f"Token {key}")
    response = api.post(
        "/api/v1/auth/token/", {"username": support_user.username, "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200 and response.json()["token"] != key


# ---- passwords --------------------------------------------------------------------------------


def test_a_password_needs_twelve_characters():
    with pytest.raises(ValidationError, match="mindestens 12 Zeichen"):
        password_validation.validate_password("Kx7-mqRa2z!")  # 11
    password_validation.validate_password("Kx7-mqRa2z!p")  # 12
    with pytest.raises(ValidationError):
        user_create(username="kurt", role=roles.SUPPORT, password="Kx7-mqRa2z!")
    assert user_create(username="kurt", role=roles.SUPPORT, password="Kx7-mqRa2z!p").check_password(
        "Kx7-mqRa2z!p"
    )
