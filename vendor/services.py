"""Writes of SIC's records: contacts with SIC about a ticket and the program requests it files.

SIC's decision on a program request moves the linked tickets too (R5), so it is run by the layer that
knows both: tickets.services.PROGRAM_REQUESTS.
"""

from audit.history import save_audited
from vendor.models import SIC_NAME, ProgramRequest, Vendor, VendorContact


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
