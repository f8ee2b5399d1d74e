"""What a sign-in sets up in its session: the clock of the idle timeout (R18), and a note when the
login form asked for no code although two-factor is on (TwoFactorMiddleware then ends the session)."""

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from accounts import twofactor
from accounts.middleware import session_seen


@receiver(user_logged_in, dispatch_uid="accounts_session_started")
def session_started(sender, request, user, **kwargs):
    session_seen(request.session)
    # LoginForm set otp_device when the code was right; any other login asked for none.
    if getattr(user, "otp_device", None) is None and twofactor.is_on(user):
        request.session[twofactor.CODE_SKIPPED] = True
    else:
        request.session.pop(twofactor.CODE_SKIPPED, None)
