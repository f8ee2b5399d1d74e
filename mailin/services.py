"""Every write on incoming mail (DESIGN §9 "E-mail in", R16, R17): receiving a raw message once per
Message-ID, routing it, and assigning a waiting one by hand from /mail/.

`mail_receive(raw=…, by=…)` stores the raw message (storage first, like attachments: a failed
transaction leaves a file no row names, never a row without its file), then in ONE transaction
inserts the IncomingEmail — the unique Message-ID makes a second fetcher of the same mail wait on
the index and fail there, so it returns None and routes nothing — and routes it (§9, in this order):

1. auto-replies, bounces and list mail (`Auto-Submitted` not "no", `Precedence: bulk|list|junk`,
   `List-Id`, `multipart/report`, MAILER-DAEMON) → `ignored_auto_reply`, never a ticket;
2. a ticket number `[2026-000123]` in the subject, or In-Reply-To/References naming one of the
   ticket's mails (out or in) → that ticket (`ticket_number`);
3. from SIC's mail domain naming a known vendor reference → a VendorContact `vendor_report`
   (channel e-mail) on each of its tickets (`vendor_report`);
4. from a known customer's or contact's address → a new ticket, channel e-mail, state intake
   (`new_ticket`);
5. anything else → waits in /mail/ (`unmatched`).

A mail that cannot be read, or whose routing fails, is kept with `route` "error" and a note, and
waits in /mail/ too: never a crash. Once tied to a ticket the raw message is also kept as an
Attachment of the ticket (`mail-<id>.eml`, SHA-256) and each of its files is extracted as one.
"""

import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import roles
from attachments import services as attachment_services
from audit import reasons
from audit.history import save_audited
from customers.models import Contact, Customer
from mailin import messages
from mailin.forms import MailAssignForm, MailNewTicketForm
from mailin.models import IncomingEmail
from outbox.models import OutgoingEmail
from supportdesk.errors import Conflict, InvalidData
from supportdesk.forms import validated
from tickets import services as ticket_services
from tickets.models import ReportChannel, Ticket
from vendor.models import SIC_NAME, ProgramRequest, Vendor, VendorContact

log = logging.getLogger(__name__)
Route = IncomingEmail.Route

REASONS = {
    "mail_received": gettext_lazy("E-Mail empfangen"),
    "mail_routed": gettext_lazy("E-Mail zugeordnet"),
    "mail_error": gettext_lazy("E-Mail nicht lesbar oder nicht zuzuordnen"),
    "mail_assigned": gettext_lazy("E-Mail von Hand einem Vorgang zugeordnet"),
    "mail_new_ticket": gettext_lazy("Vorgang aus einer E-Mail angelegt"),
}
reasons.register(REASONS)

READ_ONLY = gettext_lazy("Ihre Rolle darf eingegangene E-Mails nur ansehen.")
ALREADY_ASSIGNED = gettext_lazy("Diese E-Mail ist bereits dem Vorgang %(number)s zugeordnet.")
NOT_WAITING = gettext_lazy("Diese E-Mail wartet nicht auf eine Zuordnung.")
NO_TICKET = gettext_lazy("Es gibt keinen Vorgang mit der Nummer %(number)s.")
NO_SUBJECT = gettext_lazy("E-Mail ohne Betreff")
NO_TEXT = gettext_lazy("(E-Mail ohne Text)")
MAX_TOKENS = 500
MAX_SUMMARY = 200
MAX_TEXT = 20000


# ---- receiving --------------------------------------------------------------------------------


def mail_receive(*, raw: bytes, by) -> IncomingEmail | None:
    """Keep and route one raw message; None when its Message-ID was processed before (R17)."""
    roles.require(roles.can_work, by, READ_ONLY)
    sha256 = messages.sha256_of(raw)
    try:
        parsed = messages.parse(raw)
    except Exception as error:
        parsed = messages.Parsed(message_id=f"<{sha256}@unreadable.invalid>")
        parsed.problems.append(_("nicht lesbar (%(error)s)") % {"error": f"{type(error).__name__}: {error}"})
    if IncomingEmail.objects.filter(message_id=parsed.message_id).exists():
        return None
    mail = IncomingEmail(
        message_id=parsed.message_id,
        from_header=parsed.from_header,
        from_address=parsed.from_address,
        to=parsed.to,
        cc=parsed.cc,
        subject=parsed.subject,
        date=parsed.date,
        received_at=timezone.now(),
        text=parsed.text,
        raw_sha256=sha256,
        raw_size=len(raw),
        route=Route.UNMATCHED,
    )
    mail.raw.save("mail.eml", ContentFile(raw), save=False)
    try:
        with transaction.atomic():  # a savepoint when the caller holds a transaction
            save_audited(mail, by=by, reason="mail_received")
            _route_or_keep_as_error(mail, parsed, raw, by)
    except IntegrityError:
        if not IncomingEmail.objects.filter(message_id=parsed.message_id).exists():
            raise
        mail.raw.storage.delete(mail.raw.name)  # named by no row: the other fetcher's copy is kept
        return None
    return mail


def _route_or_keep_as_error(mail, parsed, raw, by) -> None:
    try:
        with transaction.atomic():
            _route(mail, parsed, raw, by)
    except Exception as error:
        log.exception("Incoming mail %s could not be routed", mail.message_id)
        fresh = IncomingEmail.objects.get(pk=mail.pk)
        fresh.route, fresh.ticket, fresh.error = Route.ERROR, None, _error_text(error)
        save_audited(fresh, by=by, reason="mail_error")
        mail.__dict__.update(fresh.__dict__)


def _error_text(error) -> str:
    if isinstance(error, InvalidData):
        return _("Nicht zuzuordnen: %(errors)s") % {"errors": error.form.errors.as_text()}
    return _("Fehler beim Verarbeiten: %(error)s") % {"error": f"{type(error).__name__}: {error}"[:1000]}


def _route(mail, parsed, raw, by) -> None:
    if parsed.auto_reason:
        _set_route(
            mail,
            Route.IGNORED_AUTO_REPLY,
            by,
            note=_("Automatische E-Mail: %(why)s") % {"why": parsed.auto_reason},
        )
        return
    if parsed.problems:  # a malformed mail: read by a person in /mail/
        problems = "; ".join(dict.fromkeys(parsed.problems))
        _set_route(mail, Route.ERROR, by, note=_("Nicht lesbar: %(problems)s") % {"problems": problems})
        return
    ticket = ticket_of(parsed)
    if ticket is not None:
        _tie(mail, ticket, Route.TICKET_NUMBER, raw, parsed, by)
        return
    if is_vendor_mail(parsed):
        found = vendor_tickets(parsed)
        if found:
            _record_vendor_report(mail, found, raw, parsed, by)
            return
    sender = sender_of(parsed.from_address)
    if sender is not None:
        customer, contact = sender
        ticket = ticket_services.ticket_create(
            by=by, data=new_ticket_data(mail, customer, contact, parsed), assign=False
        )
        _tie(mail, ticket, Route.NEW_TICKET, raw, parsed, by)
        return
    _set_route(mail, Route.UNMATCHED, by)


def _set_route(mail, route, by, *, note="", ticket=None) -> None:
    mail.route, mail.ticket, mail.error = route, ticket, note
    save_audited(mail, by=by, reason="mail_error" if route == Route.ERROR else "mail_routed")


def _tie(mail, ticket, route, raw, parsed, by) -> None:
    notes = keep_on_ticket(mail, ticket, raw, parsed, by)
    _set_route(mail, route, by, ticket=ticket, note="\n".join(notes))


# ---- the rules --------------------------------------------------------------------------------


def ticket_of(parsed) -> Ticket | None:
    """The ticket named by number in the subject, else the one whose mail this answers."""
    if parsed.ticket_numbers:
        ticket = Ticket.objects.filter(number__in=parsed.ticket_numbers).order_by("pk").first()
        if ticket is not None:
            return ticket
    ids = parsed.thread_ids
    if not ids:
        return None
    out = (
        OutgoingEmail.objects.filter(message_id__in=ids, ticket__isnull=False).order_by("-created_at").first()
    )
    if out is not None:
        return out.ticket
    came_in = IncomingEmail.objects.filter(message_id__in=ids, ticket__isnull=False).order_by("-pk").first()
    return came_in.ticket if came_in is not None else None


def vendor_domain() -> str:
    if settings.SUPPORTDESK_VENDOR_MAIL_DOMAIN:
        return settings.SUPPORTDESK_VENDOR_MAIL_DOMAIN
    sic = Vendor.objects.filter(name=SIC_NAME).values_list("email", flat=True).first() or ""
    return sic.rpartition("@")[2].strip().lower()


def is_vendor_mail(parsed) -> bool:
    domain = vendor_domain()
    return bool(domain) and (parsed.from_domain == domain or parsed.from_domain.endswith("." + domain))


def reference_candidates(parsed) -> list[str]:
    found = messages.REFERENCE.findall(f"{parsed.subject}\n{parsed.text}")
    return list(dict.fromkeys(found))[:MAX_TOKENS]


def vendor_tickets(parsed) -> list[tuple[Ticket, str]]:
    """Each ticket a known vendor reference named in the mail belongs to, with that reference."""
    tokens = reference_candidates(parsed)
    if not tokens:
        return []
    found = {}
    for ticket_id, reference in VendorContact.objects.filter(vendor_reference__in=tokens).values_list(
        "ticket_id", "vendor_reference"
    ):
        found.setdefault(ticket_id, reference)
    for ticket_id, reference in Ticket.objects.filter(
        program_request__in=ProgramRequest.objects.filter(vendor_reference__in=tokens)
    ).values_list("pk", "program_request__vendor_reference"):
        found.setdefault(ticket_id, reference)
    tickets = Ticket.objects.in_bulk(list(found))
    return [(tickets[pk], found[pk]) for pk in sorted(found)]


def _record_vendor_report(mail, found, raw, parsed, by) -> None:
    notes = []
    for ticket, reference in found:
        contact = ticket_services.ticket_add_vendor_contact(
            ticket_id=ticket.pk,
            by=by,
            data={
                "kind": VendorContact.Kind.VENDOR_REPORT,
                "channel": VendorContact.Channel.EMAIL,
                "vendor_person": parsed.from_header[:200],
                "summary": f"{parsed.subject}\n\n{parsed.text}".strip()[:MAX_TEXT] or str(NO_TEXT),
                "vendor_reference": reference[:100],
            },
        )
        notes += keep_on_ticket(mail, ticket, raw, parsed, by, vendor_contact=contact)
    _set_route(mail, Route.VENDOR_REPORT, by, ticket=found[0][0], note="\n".join(notes))


def sender_of(address: str):
    """(customer, contact or None) for a known address; None when unknown or ambiguous."""
    contacts = list(
        Contact.objects.filter(email__iexact=address, active=True, customer__active=True).select_related(
            "customer"
        )
    )
    customers = {contact.customer_id: contact.customer for contact in contacts}
    if len(customers) == 1:
        return next(iter(customers.values())), contacts[0] if len(contacts) == 1 else None
    if customers:
        return None
    matching = list(Customer.objects.filter(email__iexact=address, active=True)[:2])
    return (matching[0], None) if len(matching) == 1 else None


def new_ticket_data(mail, customer, contact, parsed) -> dict:
    now = timezone.now()
    return {
        "customer": customer.pk,
        "contact": contact.pk if contact else None,
        "caller_name": (parsed.from_name or parsed.from_address)[:200],
        "summary": messages.one_line(mail.subject)[:MAX_SUMMARY] or str(NO_SUBJECT),
        "description": mail.text[:MAX_TEXT] or str(NO_TEXT),
        "channel": ReportChannel.EMAIL,
        "received_at": min(mail.date, now) if mail.date else now,
    }


# ---- keeping the mail on a ticket (R16) -------------------------------------------------------


def keep_on_ticket(mail, ticket, raw, parsed, by, *, vendor_contact=None) -> list[str]:
    """The raw message and each of its files as Attachments of the ticket; returns a note per file
    that could not be kept (too big, empty)."""
    notes = []
    data = {"vendor_contact": vendor_contact.pk} if vendor_contact else {}
    files = [SimpleUploadedFile(f"mail-{mail.pk}.eml", raw, "message/rfc822")]
    files += [SimpleUploadedFile(part.filename, part.data, part.content_type) for part in parsed.attachments]
    for upload in files:
        try:
            attachment_services.attachment_upload(
                ticket_id=ticket.pk,
                by=by,
                data={**data, "note": _("aus der E-Mail %(id)s") % {"id": mail.message_id}},
                files={"file": upload},
                email=mail,
            )
        except InvalidData as refused:
            notes.append(
                _("Anhang „%(name)s“ nicht übernommen: %(why)s")
                % {
                    "name": upload.name,
                    "why": " ".join(str(e) for errors in refused.form.errors.values() for e in errors),
                }
            )
    return notes


def raw_of(mail) -> bytes:
    with mail.raw.storage.open(mail.raw.name, "rb") as stored:
        return stored.read()


# ---- by hand, from /mail/ ----------------------------------------------------------------------


def _waiting(email_id) -> IncomingEmail:
    mail = IncomingEmail.objects.select_for_update().get(pk=email_id)
    if mail.ticket_id is not None:
        raise Conflict(ALREADY_ASSIGNED % {"number": mail.ticket.number})
    if not mail.waiting:
        raise Conflict(NOT_WAITING)
    return mail


def _assign(mail, ticket, by, reason) -> IncomingEmail:
    raw = raw_of(mail)
    try:
        parsed = messages.parse(raw)
    except Exception:
        parsed = messages.Parsed(message_id=mail.message_id)
    notes = keep_on_ticket(mail, ticket, raw, parsed, by)
    mail.ticket, mail.assigned_by, mail.assigned_at = ticket, by, timezone.now()
    mail.error = "\n".join(filter(None, [mail.error, *notes]))
    save_audited(mail, by=by, reason=reason)
    return mail


def mail_assign(*, email_id, by, data) -> IncomingEmail:
    """Tie a waiting mail to the ticket with the number `data["ticket"]` ("Zu Vorgang hinzufügen")."""
    roles.require(roles.can_work, by, READ_ONLY)
    form = MailAssignForm(data)
    fields = validated(form)
    with transaction.atomic():
        mail = _waiting(email_id)
        ticket = Ticket.objects.filter(number=fields["ticket"]).first()
        if ticket is None:
            form.add_error(
                "ticket", ValidationError(NO_TICKET % {"number": fields["ticket"]}, code="unknown")
            )
            raise InvalidData(form)
        return _assign(mail, ticket, by, "mail_assigned")


def mail_open_ticket(*, email_id, by, data) -> IncomingEmail:
    """Open a ticket (channel e-mail, state intake) for the chosen customer from a waiting mail
    ("Neuen Vorgang anlegen"): summary = subject, description = text, received = the mail's date."""
    roles.require(roles.can_work, by, READ_ONLY)
    fields = validated(MailNewTicketForm(data))
    with transaction.atomic():
        mail = _waiting(email_id)
        name, _address = messages.email.utils.parseaddr(mail.from_header)
        parsed = messages.Parsed(message_id=mail.message_id, from_name=name, from_address=mail.from_address)
        if not (parsed.from_name or parsed.from_address):
            parsed.from_name = str(_("unbekannter Absender"))
        ticket = ticket_services.ticket_create(
            by=by, data=new_ticket_data(mail, fields["customer"], fields["contact"], parsed)
        )
        return _assign(mail, ticket, by, "mail_new_ticket")
