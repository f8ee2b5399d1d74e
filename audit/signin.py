"""Sign-in events (R13): every login, logout and failed login, in the browser and for API tokens.

Django's authenticate() sends user_login_failed for a wrong password anywhere, so a failed
POST /api/v1/auth/token/ is recorded here too; a token handed out is recorded by audit.views.
The address is REMOTE_ADDR, the peer of the app server: behind a reverse proxy that is the proxy's
(X-Forwarded-For is not trusted, as any client could forge it).
"""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from audit.models import SignInEvent


def request_facts(request) -> dict:
    if request is None:
        return {}
    meta = getattr(request, "META", {})
    return {
        "ip_address": meta.get("REMOTE_ADDR") or None,
        "user_agent": meta.get("HTTP_USER_AGENT", "")[:500],
        "path": getattr(request, "path", "")[:200],
    }


def sign_in_event_record(*, kind: str, request=None, user=None, username: str = "") -> SignInEvent:
    if user is not None and not username:
        username = user.get_username()
    return SignInEvent.objects.create(kind=kind, user=user, username=username[:150], **request_facts(request))


@receiver(user_logged_in, dispatch_uid="audit_sign_in")
def record_login(sender, request, user, **kwargs):
    sign_in_event_record(kind=SignInEvent.Kind.LOGIN, request=request, user=user)


@receiver(user_logged_out, dispatch_uid="audit_sign_out")
def record_logout(sender, request, user, **kwargs):
    if user is not None:  # a logout without a session is no event
        sign_in_event_record(kind=SignInEvent.Kind.LOGOUT, request=request, user=user)


@receiver(user_login_failed, dispatch_uid="audit_sign_in_failed")
def record_failed_login(sender, credentials, request=None, **kwargs):
    username = str(credentials.get("username") or "")
    sign_in_event_record(kind=SignInEvent.Kind.LOGIN_FAILED, request=request, username=username)
