import logging

from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import roles

log = logging.getLogger(__name__)

RECOVERY_CODES = 10


def user_create(*, username, role, password, email="", first_name="", last_name=""):
    """A user with one role of DESIGN §5; raises ValidationError for an unknown role, a taken name
    or a password the validators refuse."""
    if role not in roles.ACCOUNT_ROLES:
        raise ValidationError(f"Unknown role {role!r}; choose one of: {', '.join(roles.ACCOUNT_ROLES)}")
    User = get_user_model()
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError(f"The user name {username!r} is taken.")
    user = User(username=username, email=email, first_name=first_name, last_name=last_name)
    password_validation.validate_password(password, user)
    with transaction.atomic():
        user.set_password(password)
        user.is_staff = user.is_superuser = role == roles.ADMIN
        user.save()
        if role != roles.ADMIN:
            user.groups.add(Group.objects.get(name=role))
    return user


def user_add_role(*, user, role, password=None):
    """Give an existing user one more role of DESIGN §5 (the rights add up); the roles held stay.
    The password stays unless `password` is given (then the validators check it)."""
    if role not in roles.ACCOUNT_ROLES:
        raise ValidationError(f"Unknown role {role!r}; choose one of: {', '.join(roles.ACCOUNT_ROLES)}")
    if password is not None:
        password_validation.validate_password(password, user)
    with transaction.atomic():
        if password is not None:
            user.set_password(password)
        if role == roles.ADMIN:
            user.is_staff = user.is_superuser = True
        user.save()
        if role != roles.ADMIN:
            user.groups.add(Group.objects.get(name=role))
    return user


def two_factor_enrolment(*, user) -> TOTPDevice:
    """The TOTP device being set up on the enrolment page; it stays until confirmed, so a reload
    shows the same key."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    return device or TOTPDevice.objects.create(user=user, name="supportdesk", confirmed=False)


def two_factor_turn_on(*, device: TOTPDevice) -> list[str]:
    """Two-factor on, once the app showed a code of `device` (the form checked it): returns the new
    recovery codes, to be shown this once."""
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    with transaction.atomic():
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        StaticDevice.objects.filter(user=device.user).delete()
        recovery = StaticDevice.objects.create(user=device.user, name="recovery codes")
        StaticToken.objects.bulk_create(StaticToken(device=recovery, token=code) for code in codes)
    log.info("Two-factor sign-in turned on for %s", device.user.get_username())
    return codes


def two_factor_turn_off(*, user) -> None:
    """Two-factor off (the form checked the password and a code): the app's key and the recovery
    codes are gone."""
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
    log.info("Two-factor sign-in turned off for %s", user.get_username())
