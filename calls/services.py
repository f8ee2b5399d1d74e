"""Writes of incoming calls: the phone system reports one; an agent logs it."""

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy

from accounts import roles
from audit.history import save_audited
from calls.forms import CallReportForm
from calls.matching import caller_matches
from calls.models import IncomingCall
from supportdesk.forms import validated

NOT_ALLOWED = gettext_lazy("Ihre Rolle darf keine Anrufe melden.")


def call_report(*, by, data) -> tuple[IncomingCall, bool]:
    """Record a call the phone system reports; (the call, whether it is new). A repeated
    external_id is the same call (the webhook was retried), not a second one."""
    roles.require(roles.can_report_calls, by, NOT_ALLOWED)
    fields = validated(CallReportForm(data))
    external_id = fields["external_id"] or None
    if external_id and (known := IncomingCall.objects.filter(external_id=external_id).first()):
        return known, False
    matches = caller_matches(fields["caller_phone"])
    first = matches[0] if matches else {"customer": None, "contact": None}
    call = IncomingCall(
        caller_phone=fields["caller_phone"],
        called_number=fields["called_number"],
        agent=fields["agent"],
        external_id=external_id,
        reported_by=by,
        customer=first["customer"],
        contact=first["contact"],
    )
    try:
        with transaction.atomic():
            save_audited(call, by=by, reason="call_reported")
    except IntegrityError:  # the same external_id reported twice at the same moment
        return IncomingCall.objects.get(external_id=external_id), False
    return call, True


def call_handled(*, call_id, by) -> None:
    """The call was logged (a ticket or a call note): it leaves every banner."""
    with transaction.atomic():
        call = IncomingCall.objects.select_for_update().filter(pk=call_id, handled_at__isnull=True).first()
        if call is not None:
            call.handled_by, call.handled_at = by, timezone.now()
            save_audited(call, by=by, reason="call_handled")
