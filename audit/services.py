"""Writes of the audit app: the record of each export (who exported which part of the trail, when)."""

import logging

from audit.models import AuditExport
from audit.signin import request_facts

logger = logging.getLogger("supportdesk.audit")


def audit_export_record(*, by, request, format: str, audit_filter=None, ticket=None) -> AuditExport:
    """An export is itself part of the audit trail (shown on /audit/ as kind "Export") and logged."""
    filters = audit_filter.describe() if audit_filter is not None else ""
    export = AuditExport.objects.create(
        user=by,
        format=format,
        filters=filters,
        ticket=ticket,
        ip_address=request_facts(request).get("ip_address"),
    )
    logger.info(
        "audit export %s by %s (ticket %s): %s",
        format,
        by.get_username(),
        ticket.number if ticket else "-",
        filters or "-",
    )
    return export
