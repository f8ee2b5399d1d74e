"""The roles of DESIGN §5 and every check of them (R8): the one place that says who may do what.

Roles are Django groups; a superuser is the admin. Pages (role_required), the API (permissions),
the services (require) and the declared transitions (permission=) all ask these functions.
"""

from django.core.exceptions import PermissionDenied

SUPPORT = "support"
MANAGEMENT = "management"
QMB = "qmb"
ADMIN = "admin"
ROLES = (SUPPORT, MANAGEMENT, QMB, ADMIN)
# The phone system's service account (DESIGN §5): it reports incoming calls and can do nothing else.
TELEPHONY = "telephony"
ACCOUNT_ROLES = (*ROLES, TELEPHONY)


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


def can_report_calls(user) -> bool:
    """Report an incoming call (POST /api/v1/calls/): the phone system, and anyone who logs calls."""
    return TELEPHONY in role_names(user) or can_work(user)


def can_sign(user) -> bool:
    """Sign a risk review: management only. The signature is personal, so the admin account may not."""
    return MANAGEMENT in role_names(user)


def can_read_reports(user) -> bool:
    """The process figures /reports/ for the management review: management, QMB, admin (DESIGN §8)."""
    return bool(role_names(user) & {MANAGEMENT, QMB, ADMIN})


def can_export(user) -> bool:
    """Export the audit trail."""
    return bool(role_names(user) & {MANAGEMENT, QMB, ADMIN})


def can_propose_capa(user) -> bool:
    """Raise a process CAPA proposal: everyone with a role (DESIGN §2)."""
    return can_read(user)


def can_decide_capa(user) -> bool:
    """Move a CAPA proposal through the quality meeting's decisions: management and the QMB."""
    return bool(role_names(user) & {MANAGEMENT, QMB})


def require(check, user, message) -> None:
    """A service's role check: refused with `message` (403) when `check(user)` is false."""
    if not check(user):
        raise PermissionDenied(message)
