"""DESIGN §11, R18: a second factor (TOTP) each person can turn on, with recovery codes; mandatory for
the roles in SUPPORTDESK_REQUIRE_2FA_ROLES; with it, signing in and POST /api/v1/auth/token/ need the
code, and a wrong code counts for the lock-out."""

import re
import time

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.test.utils import override_settings
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from accounts import services
from audit.models import SignInEvent
from tests.conftest import web_client
from tests.factories import PASSWORD

pytestmark = [pytest.mark.req("R18"), pytest.mark.django_db]

URL = "/accounts/2fa/"
CODE_MISSING = (
    "Die Zwei-Faktor-Anmeldung ist eingeschaltet: Geben Sie den Code aus Ihrer App "
    "oder einen Wiederherstellungscode ein."
)


@pytest.fixture(autouse=True)
def no_otp_back_off(settings):
    """django-otp's own back-off (1 s after a wrong code) is not under test here."""
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    settings.OTP_STATIC_THROTTLE_FACTOR = 0


def code(device) -> str:
    """What the person's app shows: the current code, or the next one once the current was used."""
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    if totp.t() <= device.last_t:
        totp.time = time.time() + (device.last_t + 1 - totp.t()) * device.step
    return f"{totp.token():0{device.digits}d}"


def wrong_code(device) -> str:
    return f"{(int(code(device)) + 1) % 10**6:06d}"


def turned_on(user) -> tuple[TOTPDevice, list[str]]:
    device = services.two_factor_enrolment(user=user)
    return device, services.two_factor_turn_on(device=device)


def log_in(client, user, otp=None):
    data = {"username": user.username, "password": PASSWORD}
    if otp is not None:
        data["otp"] = otp
    return client.post("/accounts/login/", data)


def token_request(user, **data):
    body = {"username": user.username, "password": PASSWORD, **data}
    return APIClient().post("/api/v1/auth/token/", body, format="json")


# ---- turning it on ----------------------------------------------------------------------------


def test_the_user_menu_links_to_the_enrolment_page(web):
    assert f'href="{URL}"' in web.get("/").content.decode()


def test_enrolment_shows_a_local_qr_code_and_the_key_and_confirms_with_a_code(support_user):
    web = web_client(support_user)
    page = web.get(URL)
    assert page.status_code == 200
    html = page.content.decode()
    device = TOTPDevice.objects.get(user=support_user, confirmed=False)
    assert "<svg" in html and "</svg>" in html  # the QR code, drawn here: no image from elsewhere
    assert re.sub(r"\s", "", page.context["secret"]) in html.replace(" ", "")
    # Nothing a strict Content-Security-Policy would block.
    assert "style=" not in html
    assert not re.findall(r"<script(?![^>]*\bsrc=)", html)
    assert web.get(URL).context["secret"] == page.context["secret"]  # a reload keeps the key

    response = web.post(f"{URL}confirm/", {"code": code(device)})
    assert response.status_code == 200
    codes = response.context["codes"]
    assert len(codes) == 10 and len(set(codes)) == 10
    for recovery in codes:
        assert recovery in response.content.decode()
    device.refresh_from_db()
    assert device.confirmed
    stored = StaticToken.objects.filter(device__user=support_user).values_list("token", flat=True)
    assert sorted(stored) == sorted(codes)
    assert web.session[DEVICE_ID_SESSION_KEY] == device.persistent_id  # this session counts as verified
    assert "ist eingeschaltet" in web.get(URL).content.decode()


def test_a_wrong_code_does_not_turn_it_on(support_user):
    web = web_client(support_user)
    web.get(URL)
    device = TOTPDevice.objects.get(user=support_user)
    response = web.post(f"{URL}confirm/", {"code": wrong_code(device)})
    assert response.status_code == 400
    assert "Der Code ist falsch oder abgelaufen." in response.content.decode()
    assert not TOTPDevice.objects.filter(confirmed=True).exists()
    assert not StaticDevice.objects.exists()


# ---- signing in with it -----------------------------------------------------------------------


def test_without_two_factor_the_password_is_enough(support_user):
    client = Client()
    assert log_in(client, support_user).status_code == 302


def test_signing_in_needs_the_code_and_a_wrong_one_is_a_failed_sign_in(support_user):
    device, _codes = turned_on(support_user)

    client = Client()
    response = log_in(client, support_user)
    assert response.status_code == 200
    assert CODE_MISSING in response.content.decode()
    assert SESSION_KEY not in client.session

    response = log_in(client, support_user, otp=wrong_code(device))
    assert "Der Code ist falsch oder abgelaufen." in response.content.decode()
    assert SESSION_KEY not in client.session

    assert log_in(client, support_user, otp=code(device)).status_code == 302
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    assert client.get("/").status_code == 200
    name = support_user.username
    assert list(SignInEvent.objects.order_by("pk").values_list("kind", "username")) == [
        ("login_failed", name),
        ("login", name),
    ]


def test_a_recovery_code_works_once(support_user):
    _device, codes = turned_on(support_user)
    assert log_in(Client(), support_user, otp=codes[0].upper()).status_code == 302
    response = log_in(Client(), support_user, otp=codes[0])
    assert response.status_code == 200 and "Der Code ist falsch" in response.content.decode()
    assert StaticToken.objects.count() == 9


def test_five_wrong_codes_lock_the_username_out(support_user):
    device, _codes = turned_on(support_user)
    for _ in range(5):
        log_in(Client(), support_user, otp=wrong_code(device))
    response = log_in(Client(), support_user, otp=code(device))
    assert response.status_code == 429
    assert "gesperrt" in response.content.decode()


def test_a_sign_in_that_skipped_the_code_ends_at_the_next_page(admin_user):
    turned_on(admin_user)
    client = Client()
    response = client.post("/admin/login/", {"username": admin_user.username, "password": PASSWORD})
    assert response.status_code == 302  # the admin's form asks for no code ...
    response = client.get("/admin/")
    assert response.status_code == 302 and response["Location"] == "/accounts/login/?next=/admin/"
    assert SESSION_KEY not in client.session  # ... so that session is over


# ---- the token endpoint -----------------------------------------------------------------------


def test_the_token_endpoint_needs_the_code_with_two_factor_on(support_user):
    device, _codes = turned_on(support_user)

    response = token_request(support_user)
    assert response.status_code == 400
    assert response.json() == {"otp": [CODE_MISSING]}

    response = token_request(support_user, otp=wrong_code(device))
    assert response.status_code == 400
    assert response.json() == {"otp": ["Der Code ist falsch oder abgelaufen."]}
    assert SignInEvent.objects.get().kind == "login_failed"

    response = token_request(support_user, otp=code(device))
    assert response.status_code == 200 and response.json()["token"]


def test_the_token_endpoint_counts_wrong_codes_for_the_lock_out(support_user):
    device, _codes = turned_on(support_user)
    for _ in range(5):
        token_request(support_user, otp=wrong_code(device))
    response = token_request(support_user, otp=code(device))
    assert response.status_code == 429 and response["Retry-After"]


# ---- turning it off ---------------------------------------------------------------------------


def test_turning_it_off_needs_the_password_and_a_code(support_user):
    device, _codes = turned_on(support_user)
    web = Client()
    log_in(web, support_user, otp=code(device))

    response = web.post(f"{URL}off/", {"password": "Falsch-geraten-2026", "code": code(device)})
    assert response.status_code == 400
    assert "Das Passwort ist falsch" in response.content.decode()
    response = web.post(f"{URL}off/", {"password": PASSWORD, "code": wrong_code(device)})
    assert response.status_code == 400
    assert TOTPDevice.objects.filter(user=support_user, confirmed=True).exists()
    assert SignInEvent.objects.filter(kind="login_failed").count() == 2  # both count for the lock-out

    response = web.post(f"{URL}off/", {"password": PASSWORD, "code": code(device)})
    assert response.status_code == 302
    assert not TOTPDevice.objects.exists() and not StaticDevice.objects.exists()
    assert log_in(Client(), support_user).status_code == 302


# ---- mandatory for roles ----------------------------------------------------------------------


@override_settings(SUPPORTDESK_REQUIRE_2FA_ROLES=["management"])
def test_a_role_that_needs_it_can_use_nothing_before_enrolling(management_user, support_user):
    web = web_client(management_user)
    for page in ("/", "/tickets/", "/customers/"):
        response = web.get(page)
        assert response.status_code == 302 and response["Location"] == URL
    response = web.get("/api/v1/tickets/")
    assert response.status_code == 403
    assert "Richten Sie sie zuerst im Browser ein" in response.json()["detail"]
    enrolment = web.get(URL)
    assert enrolment.status_code == 200
    assert "Ihre Rolle verlangt die Zwei-Faktor-Anmeldung" in enrolment.content.decode()
    assert web_client(support_user).get("/").status_code == 200  # other roles as before

    device = TOTPDevice.objects.get(user=management_user)
    assert web.post(f"{URL}confirm/", {"code": code(device)}).status_code == 200
    assert web.get("/").status_code == 200
    assert web.get("/api/v1/tickets/").status_code == 200

    # Off is refused for this role.
    response = web.post(f"{URL}off/", {"password": PASSWORD, "code": code(device)}, follow=True)
    assert "kann nicht ausgeschaltet werden" in response.content.decode()
    assert TOTPDevice.objects.filter(user=management_user, confirmed=True).exists()


@override_settings(SUPPORTDESK_REQUIRE_2FA_ROLES=["management"])
def test_a_role_that_needs_it_gets_no_api_token_before_enrolling(management_user):
    response = token_request(management_user)
    assert response.status_code == 403
    assert "im Browser" in response.json()["detail"]


def test_a_token_of_a_role_that_needs_it_stops_working_until_enrolled(management_user):
    key = token_request(management_user).json()["token"]
    api = APIClient(HTTP_AUTHORIZATION=f"Token {key}")
    with override_settings(SUPPORTDESK_REQUIRE_2FA_ROLES=["management"]):
        response = api.get("/api/v1/tickets/")
        assert response.status_code == 403 and "im Browser" in response.json()["detail"]
        turned_on(management_user)
        assert api.get("/api/v1/tickets/").status_code == 200


@override_settings(SUPPORTDESK_REQUIRE_2FA_ROLES=["management"])
def test_an_enrolled_person_whose_session_skipped_the_code_signs_in_again(management_user):
    turned_on(management_user)
    web = web_client(management_user)  # a session from before the code was asked for
    response = web.get("/")
    assert response.status_code == 302 and response["Location"] == "/accounts/login/?next=/"
    assert SESSION_KEY not in web.session


def test_a_misspelt_role_is_a_configuration_error():
    from django.core.management import call_command
    from django.core.management.base import SystemCheckError

    with override_settings(SUPPORTDESK_REQUIRE_2FA_ROLES=["managment"]), pytest.raises(SystemCheckError):
        call_command("check")
