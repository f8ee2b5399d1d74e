from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction

from accounts import roles


def user_create(*, username, role, password, email="", first_name="", last_name=""):
    """A user with one role of DESIGN §5; raises ValidationError for an unknown role, a taken name
    or a password the validators refuse."""
    if role not in roles.ROLES:
        raise ValidationError(f"Unknown role {role!r}; choose one of: {', '.join(roles.ROLES)}")
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
