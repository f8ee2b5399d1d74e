"""Sessions of signed-in people: the idle timeout (R18) and the second factor (DESIGN §11)."""

from django.contrib import messages
from django.contrib.auth import SESSION_KEY, logout
from django.contrib.auth.views import redirect_to_login
from django.http import JsonResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import twofactor

SEEN = "supportdesk_seen"  # when this session's expiry was last renewed (Unix seconds)
RENEW_SECONDS = 60
BACKGROUND_POLL = "X-Supportdesk-Poll"  # sent by the pages' background requests (templates/base.html)

# Pages a session may open while its second factor is missing.
SIGN_IN_PAGES = {"login", "logout", "set_language"}
ENROLMENT_PAGES = {"two-factor", "two-factor-confirm", "two-factor-off"}

SIGN_IN_WITH_CODE = _("Melden Sie sich bitte hier an, mit dem Code Ihrer Zwei-Faktor-Anmeldung.")


def session_seen(session) -> None:
    session[SEEN] = int(timezone.now().timestamp())


class IdleSessionMiddleware:
    """A session ends SESSION_COOKIE_AGE (SUPPORTDESK_SESSION_IDLE_SECONDS) after its last request:
    each save renews its expiry. A request saves it at most once a minute, as a save costs a query,
    so the session ends up to a minute before the full idle time has passed."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = request.session
        if request.headers.get(BACKGROUND_POLL):  # the call banner's polling is no activity
            return self.get_response(request)
        if SESSION_KEY in session and timezone.now().timestamp() - session.get(SEEN, 0) >= RENEW_SECONDS:
            session_seen(session)
        return self.get_response(request)


class TwoFactorMiddleware:
    """After django-otp's OTPMiddleware. A session that skipped the code although two-factor is on
    (the admin's login) is ended; a person whose role needs two-factor (SUPPORTDESK_REQUIRE_2FA_ROLES)
    and who has none can open only the enrolment page. The API answers 403 in JSON instead. API calls
    with a token are checked by accounts.authentication."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view, args, kwargs):
        if SESSION_KEY not in request.session:
            return None
        page = request.resolver_match.url_name
        if request.session.get(twofactor.CODE_SKIPPED) and page not in SIGN_IN_PAGES:
            return self.sign_in_again(request)
        user = request.user
        if page in SIGN_IN_PAGES | ENROLMENT_PAGES or not twofactor.required(user) or user.is_verified():
            return None
        if twofactor.is_on(user):  # enrolled since this session signed in
            return self.sign_in_again(request)
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": str(twofactor.ENROL_FIRST)}, status=403)
        return redirect("two-factor")

    def sign_in_again(self, request):
        logout(request)
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": str(SIGN_IN_WITH_CODE)}, status=403)
        messages.info(request, SIGN_IN_WITH_CODE)
        return redirect_to_login(request.get_full_path())
