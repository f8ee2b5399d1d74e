"""How a person is named on every page, export and e-mail."""

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.translation import gettext as _

from accounts import roles


def display_name(user) -> str:
    """The full name, else the username; "System" for a write without a person (a migration)."""
    if user is None:
        return str(_("System"))
    return user.get_full_name() or user.get_username()


def ticket_workers():
    """The active users who may work tickets (DESIGN §5): who a ticket can be assigned to."""
    working = Q(groups__name__in=[roles.SUPPORT, roles.MANAGEMENT]) | Q(is_superuser=True)
    return get_user_model().objects.filter(working, is_active=True).distinct()
