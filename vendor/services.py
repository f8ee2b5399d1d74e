"""Writes of SIC's records: contacts with SIC about a ticket and the program requests it files.

SIC's decision on a program request moves the linked tickets too (R5), so it is run by the layer that
knows both: tickets.services.PROGRAM_REQUESTS. A correction of the request's plan touches the request
alone and is made here.
"""

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accounts import roles
from audit import reasons
from audit.history import save_audited
from supportdesk.errors import Conflict
from supportdesk.forms import as_typed, validated
from vendor.forms import ProgramRequestPlanForm
from vendor.models import SIC_NAME, ProgramRequest, Vendor, VendorContact

READ_ONLY = _("Ihre Rolle darf Programmwünsche nur lesen.")
PLAN_STALE = _(
    "Der Programmwunsch wurde inzwischen von jemand anderem geändert. "
    "Bitte die neuen Angaben prüfen und erneut speichern."
)
PLAN_DECIDED = _(
    "SIC hat über diesen Programmwunsch bereits entschieden (%(state)s); "
    "sein Plan wird nicht mehr korrigiert."
)


def sic() -> Vendor:
    return Vendor.objects.get(name=SIC_NAME)


def vendor_contact_record(*, ticket, by, reason: str, kind: str, summary: str, **details) -> VendorContact:
    """One contact with SIC about `ticket` (work instruction steps 5 and 9); `details`: vendor_person,
    vendor_reference, channel."""
    contact = VendorContact(ticket=ticket, vendor=sic(), kind=kind, summary=summary, created_by=by, **details)
    save_audited(contact, by=by, reason=reason)
    return contact


def program_request_create(*, by, reason: str, **fields) -> ProgramRequest:
    """A program request SIC filed (kind, vendor_reference, title, planned_release, planned_date)."""
    program_request = ProgramRequest(vendor=sic(), created_by=by, **fields)
    save_audited(program_request, by=by, reason=reason)
    return program_request


def program_request_correct_plan(*, program_request_id, by, data, expected_version=None) -> ProgramRequest:
    """Correct the planned release and date of an open program request, with the reason stated
    (R20: the history row's reason). Refused in the order 403, 409 (decided, or based on an older
    `expected_version`, R6), 400; a refusal carries the form as typed (R14). Locked FOR NO KEY
    UPDATE, as a decision locks it (tickets.services)."""
    roles.require(roles.can_work, by, READ_ONLY)
    with transaction.atomic():
        program_request = ProgramRequest.objects.select_for_update(no_key=True).get(pk=program_request_id)
        typed = {**ProgramRequestPlanForm.current_values(program_request), **data}
        refused = None
        if program_request.state != ProgramRequest.State.OPEN:
            refused = PLAN_DECIDED % {"state": program_request.get_state_display()}
        elif expected_version is not None and expected_version != program_request.version:
            refused = PLAN_STALE
        kwargs = {"program_request": program_request}
        if refused:
            raise Conflict(refused, form=as_typed(ProgramRequestPlanForm, typed, **kwargs))
        fields = dict(validated(ProgramRequestPlanForm(typed, **kwargs)))
        stated = fields.pop("reason")
        for name, value in fields.items():
            setattr(program_request, name, value)
        save_audited(program_request, by=by, reason=reasons.correction(stated))
    return program_request
