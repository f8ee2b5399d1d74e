from django.conf import settings
from django.core.checks import Error

from accounts import roles


def require_2fa_roles(app_configs, **kwargs):
    """A misspelt role in SUPPORTDESK_REQUIRE_2FA_ROLES would silently require nothing."""
    unknown = set(settings.SUPPORTDESK_REQUIRE_2FA_ROLES) - set(roles.ROLES)
    if not unknown:
        return []
    return [
        Error(
            f"SUPPORTDESK_REQUIRE_2FA_ROLES names unknown roles: {', '.join(sorted(unknown))}",
            hint=f"Roles: {', '.join(roles.ROLES)}",
            id="accounts.E001",
        )
    ]
