"""How a person is named on every page, export and e-mail."""

from django.utils.translation import gettext as _


def display_name(user) -> str:
    """The full name, else the username; "System" for a write without a person (a migration)."""
    if user is None:
        return str(_("System"))
    return user.get_full_name() or user.get_username()
