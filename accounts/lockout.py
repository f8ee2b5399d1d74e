"""The lock-out of R18, with django-axes: after SUPPORTDESK_LOGIN_ATTEMPTS failed sign-ins for one
username within SUPPORTDESK_LOCKOUT_SECONDS, every further attempt for it is refused for that time,
whatever the password.

Everything that checks a password calls authenticate() with the request: the login form, the admin's,
the token endpoint and the signature password. Axes counts each failure (user_login_failed), a wrong
second-factor code too (`count_failure`), and LockoutBackend refuses a locked username. The entry
point answers the refusal itself (`refused`), and audit.signin records it as locked_out (R13).
"""

import math

from axes.backends import AxesStandaloneBackend
from axes.exceptions import AxesBackendPermissionDenied
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import ValidationError
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import ngettext


class LockoutBackend(AxesStandaloneBackend):
    """Axes' check, before the password is: marks the request it refused. (Axes' own flag is also
    set by the failure that reaches the limit, which is still answered as a wrong password.)"""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None  # no one to answer (a command, a test's client.login): nothing to count
        try:
            return super().authenticate(request, username, password, **kwargs)
        except AxesBackendPermissionDenied:
            request.signin_refused = True
            raise


def refused(request) -> bool:
    """Whether authenticate() refused this request's attempt because the username is locked out."""
    return getattr(request, "signin_refused", False)


def count_failure(request, username: str) -> None:
    """A failed sign-in that authenticate() cannot see (a wrong second-factor code): counted for the
    lock-out and recorded like a wrong password."""
    user_login_failed.send(sender=__name__, credentials={"username": username}, request=request)


def retry_after(username: str) -> int:
    """Seconds until the lock-out of `username` ends: the time counts from its last failure."""
    window = settings.AXES_COOLOFF_TIME
    last = AccessAttempt.objects.filter(username=username).aggregate(last=Max("attempt_time"))["last"]
    if last is None:
        return int(window.total_seconds())
    return max(1, math.ceil((last + window - timezone.now()).total_seconds()))


def locked_message(username: str) -> str:
    minutes = math.ceil(retry_after(username) / 60)
    return ngettext(
        "Zu viele fehlgeschlagene Anmeldungen: Der Benutzername ist noch %(minutes)d Minute gesperrt.",
        "Zu viele fehlgeschlagene Anmeldungen: Der Benutzername ist noch %(minutes)d Minuten gesperrt.",
        minutes,
    ) % {"minutes": minutes}


def confirm_password(request, user, password: str, *, wrong: str) -> None:
    """The signed-in `user`'s password re-entered (a signature, turning two-factor off), checked by
    authenticate(): a wrong one counts for the lock-out and is recorded. Refused with `wrong`."""
    signer = authenticate(request, username=user.get_username(), password=password)
    if refused(request):
        # code and params let the API answer 429 with Retry-After (supportdesk.api)
        username = user.get_username()
        raise ValidationError(
            locked_message(username), code="locked_out", params={"retry_after": retry_after(username)}
        )
    if signer is None or signer.pk != user.pk:
        raise ValidationError(wrong, code="wrong_password")


def own_answer(request, response, credentials=None):
    """AXES_LOCKOUT_CALLABLE: the entry point's own answer stays (the login page, the token
    endpoint's 429, the signature form's error); axes' would replace it, already for the failure
    that reaches the limit."""
    return response
