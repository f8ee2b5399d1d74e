"""Sign-in events (R13): every login, logout and failed login, in the browser and for API tokens.

Django's authenticate() sends user_login_failed for a wrong password anywhere (the login forms, the
token endpoint, a signature password), accounts.lockout for a wrong second-factor code; an attempt
the lock-out refused is recorded as locked_out (R18). A token handed out is recorded by
audit.services.api_token_issue.
"""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from accounts import lockout
from audit.models import SignInEvent
from audit.services import sign_in_event_record


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
    kind = SignInEvent.Kind.LOCKED_OUT if lockout.refused(request) else SignInEvent.Kind.LOGIN_FAILED
    sign_in_event_record(kind=kind, request=request, username=username)
