"""The roles of DESIGN §5. Roles are Django groups; a superuser is the admin."""

SUPPORT = "support"
MANAGEMENT = "management"
QMB = "qmb"
ADMIN = "admin"
ROLES = (SUPPORT, MANAGEMENT, QMB, ADMIN)


def role_names(user) -> set[str]:
    """The user's roles, read once per user object."""
    if not (user.is_authenticated and user.is_active):
        return set()
    if not hasattr(user, "_role_names"):
        user._role_names = set(user.groups.values_list("name", flat=True))
        if user.is_superuser:
            user._role_names.add(ADMIN)
    return user._role_names


def can_read(user) -> bool:
    """Read tickets, history, audit trail, reports: every role."""
    return bool(role_names(user) & set(ROLES))


def can_work(user) -> bool:
    """Log calls, edit customers, run ticket transitions, record notes and notifications."""
    return bool(role_names(user) & {SUPPORT, MANAGEMENT, ADMIN})


def can_sign(user) -> bool:
    """Sign a risk review: management only. The signature is personal, so the admin account may not."""
    return MANAGEMENT in role_names(user)


def can_read_reports(user) -> bool:
    """The process figures /reports/ for the management review: management, QMB, admin (DESIGN §8)."""
    return bool(role_names(user) & {MANAGEMENT, QMB, ADMIN})


def can_export(user) -> bool:
    """Export the audit trail."""
    return bool(role_names(user) & {MANAGEMENT, QMB, ADMIN})
