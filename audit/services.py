"""Writes of the audit app: sign-in events (R13), API tokens, and the record of each export."""

import logging

from django.db import transaction
from rest_framework.authtoken.models import Token

from accounts.authentication import token_expired
from audit.chain import append_event
from audit.models import AuditExport, SignInEvent

logger = logging.getLogger("supportdesk.audit")


def request_facts(request) -> dict:
    """Where a request came from. The address is REMOTE_ADDR, the peer of the app server: behind a
    reverse proxy that is the proxy's (X-Forwarded-For is not trusted, as any client could forge it)."""
    if request is None:
        return {}
    meta = getattr(request, "META", {})
    return {
        "ip_address": meta.get("REMOTE_ADDR") or None,
        "user_agent": meta.get("HTTP_USER_AGENT", "")[:500],
        "path": getattr(request, "path", "")[:200],
    }


def sign_in_event_record(*, kind: str, request=None, user=None, username: str = "") -> SignInEvent:
    if user is not None and not username:
        username = user.get_username()
    return append_event(SignInEvent(kind=kind, user=user, username=username[:150], **request_facts(request)))


def api_token_issue(*, user, request) -> Token:
    """The API token of a user who just signed in (the password, and the code with two-factor on):
    handing it out is a sign-in (R13). An expired token is replaced by a fresh one (R18)."""
    with transaction.atomic():
        token = Token.objects.select_for_update().filter(user=user).first()
        if token is not None and token_expired(token):
            token.delete()
            token = None
        if token is None:
            token = Token.objects.create(user=user)
    sign_in_event_record(kind=SignInEvent.Kind.LOGIN, request=request, user=user)
    return token


def audit_export_record(*, by, request, format: str, audit_filter=None, ticket=None) -> AuditExport:
    """An export is itself part of the audit trail (shown on /audit/ as kind "Export") and logged."""
    filters = audit_filter.describe() if audit_filter is not None else ""
    export = append_event(
        AuditExport(
            user=by,
            format=format,
            filters=filters,
            ticket=ticket,
            ip_address=request_facts(request).get("ip_address"),
        )
    )
    logger.info(
        "audit export %s by %s (ticket %s): %s",
        format,
        by.get_username(),
        ticket.number if ticket else "-",
        filters or "-",
    )
    return export
