"""The roles of DESIGN §5 and every check of them (R8): the one place that says who may do what.

Roles are Django groups; a superuser is the admin. A user may hold several roles: the rights add up
(every check asks whether any of the user's roles allows it). Pages (role_required), the API
(permissions), the services (require) and the declared transitions (permission=) all ask these
functions.
"""

from django.core.exceptions import PermissionDenied

SUPPORT = "support"
MANAGEMENT = "management"
QMB = "qmb"
# Owns the support process: brings process CAPAs to management, carries them out (DESIGN §1, §10.3).
PROCESS_MANAGER = "process_manager"
ADMIN = "admin"
ROLES = (SUPPORT, MANAGEMENT, QMB, PROCESS_MANAGER, ADMIN)
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


def _any(user, allowed) -> bool:
    return bool(role_names(user) & set(allowed))


def can_read(user) -> bool:
    """Read tickets and their history, known solutions, customers, CAPAs: every human role."""
    return _any(user, ROLES)


def can_work(user) -> bool:
    """Log calls, edit customers, run ticket transitions, record notes and notifications."""
    return _any(user, {SUPPORT, MANAGEMENT, ADMIN})


def can_report_calls(user) -> bool:
    """Report an incoming call (POST /api/v1/calls/): the phone system, and anyone who logs calls."""
    return TELEPHONY in role_names(user) or can_work(user)


def can_sign(user) -> bool:
    """Sign a risk review: management only. The signature is personal, so the admin account may not."""
    return MANAGEMENT in role_names(user)


def can_read_reports(user) -> bool:
    """The process figures /reports/ and the audit trail page: management, QMB, process manager, admin."""
    return _any(user, {MANAGEMENT, QMB, PROCESS_MANAGER, ADMIN})


def can_read_audit_trail(user) -> bool:
    """The audit trail page /audit/ (reading, filtering): as the reports (DESIGN §5)."""
    return can_read_reports(user)


def can_export(user) -> bool:
    """Export the audit trail (CSV, PDF), a ticket's audit report (PDF), the signed reviews:
    management, QMB, admin. Support and the process manager may not."""
    return _any(user, {MANAGEMENT, QMB, ADMIN})


def can_read_outbox(user) -> bool:
    """The outbox /outbox/ and GET /api/v1/outbox/ (every e-mail sent, waiting or failed), and
    trying a failed one again: management and admin (DESIGN §7, §9)."""
    return _any(user, {MANAGEMENT, ADMIN})


def can_propose_capa(user) -> bool:
    """Raise a process CAPA proposal: every human role (DESIGN §2, §5)."""
    return can_read(user)


def can_decide_capa(user) -> bool:
    """Accept or reject a CAPA proposal, signing with the password (R22): management only."""
    return MANAGEMENT in role_names(user)


def can_carry_out_capa(user) -> bool:
    """Record a CAPA's implementation and its effectiveness check: the process manager only."""
    return PROCESS_MANAGER in role_names(user)


def can_author_work_instruction(user) -> bool:
    """Draft a work-instruction revision and sign it as author (R21): the process manager only."""
    return PROCESS_MANAGER in role_names(user)


def can_approve_work_instruction(user) -> bool:
    """Approve a work-instruction revision (signature, meaning "approved", R21): the QMB only."""
    return QMB in role_names(user)


def require(check, user, message) -> None:
    """A service's role check: refused with `message` (403) when `check(user)` is false."""
    if not check(user):
        raise PermissionDenied(message)


# ---- the controlled work instruction (R21) and the validation record (ISO 13485 §4.1.6) ----------


def can_read_instruction(user) -> bool:
    """Read the work instruction in force and its revisions: every role (DESIGN §8)."""
    return can_read(user)


def can_draft_instruction(user) -> bool:
    """Draft a work-instruction revision and sign it as its author: the process manager."""
    return PROCESS_MANAGER in role_names(user)


def can_approve_instruction(user) -> bool:
    """Approve a work-instruction revision (signature "approved"): the QMB. The signature is
    personal, so the admin account may not."""
    return QMB in role_names(user)


def can_sign_validation(user) -> bool:
    """Sign the validation report as reviewed: the QMB."""
    return QMB in role_names(user)
