"""The second factor of DESIGN §11: a TOTP app (django-otp) that each user can turn on, with recovery
codes for a lost phone, mandatory for the roles in SUPPORTDESK_REQUIRE_2FA_ROLES.

Two-factor is on once the user has a confirmed TOTP device. Signing in then takes a code as well:
the app's current one or an unused recovery code; a wrong one is a failed sign-in (R18).
"""

from base64 import b32encode

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django_otp import devices_for_user, verify_token
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import lockout, roles

# Set by a sign-in that asked for no code although two-factor is on (the admin's login form):
# TwoFactorMiddleware ends such a session.
CODE_SKIPPED = "supportdesk_2fa_skipped"

CODE_MISSING = _(
    "Die Zwei-Faktor-Anmeldung ist eingeschaltet: Geben Sie den Code aus Ihrer App "
    "oder einen Wiederherstellungscode ein."
)
CODE_WRONG = _("Der Code ist falsch oder abgelaufen.")
ENROL_FIRST = _(
    "Ihre Rolle verlangt die Zwei-Faktor-Anmeldung: Richten Sie sie zuerst im Browser ein "
    "(Menü „Zwei-Faktor-Anmeldung“, /accounts/2fa/)."
)


def is_on(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def required(user) -> bool:
    """Whether one of the user's roles makes a second factor mandatory."""
    wanted = settings.SUPPORTDESK_REQUIRE_2FA_ROLES
    return bool(wanted) and bool(roles.role_names(user) & set(wanted))


def accepting_device(user, code: str):
    """The user's device that accepts `code`, or None; a recovery code is used up by it."""
    code = "".join(code.split()).lower()
    for device in devices_for_user(user):
        if verify_token(user, device.persistent_id, code):
            return device
    return None


def sign_in_device(request, user, code: str):
    """The device that confirms this sign-in, or None when two-factor is off. A missing code is
    refused; a wrong one also counts as a failed sign-in for the lock-out."""
    if not is_on(user):
        return None
    if not code:
        raise ValidationError(CODE_MISSING, code="otp_missing")
    device = accepting_device(user, code)
    if device is None:
        lockout.count_failure(request, user.get_username())
        raise ValidationError(CODE_WRONG, code="otp_invalid")
    return device


def secret(device: TOTPDevice) -> str:
    """The key as the apps take it typed in: base32, in groups of four."""
    text = b32encode(device.bin_key).decode()
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def qr_code(device: TOTPDevice) -> str:
    """The device's otpauth:// address as an SVG QR code, made here (no image service, no script)."""
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage)
    return mark_safe(image.to_string(encoding="unicode"))  # made by qrcode from our own data
