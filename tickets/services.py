"""Every write on tickets, for the pages, the API and the commands alike (DESIGN §4).

Order of refusals (DESIGN §7): role (403), then state and guards (409), then data (400).
Lock order: a ProgramRequest before its tickets, tickets by ascending id. A ProgramRequest is
locked FOR NO KEY UPDATE: the foreign-key checks of a linked ticket's own writes (FOR KEY SHARE)
must not wait for it, or a decision and a write on one of its tickets deadlock (R6).
"""

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.mail import EmailMessage, send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition, can_proceed

from accounts import roles
from audit.history import save_audited
from supportdesk.errors import STALE, Conflict, InvalidData
from tickets.forms import (
    TRANSITION_FORMS,
    AuthorityReportForm,
    CallNoteForm,
    CustomerEmailForm,
    NotificationForm,
    RiskReviewSignForm,
    TicketCreateForm,
    TicketEditForm,
)
from tickets.models import (
    NOTIFICATION_REQUIRED_TO_CLOSE,
    AuthorityReport,
    CallNote,
    Channel,
    CustomerNotification,
    NotificationKind,
    RiskReview,
    State,
    Ticket,
    TicketNumberCounter,
)
from vendor import services as vendor_services
from vendor.models import ProgramRequest, VendorContact

log = logging.getLogger(__name__)


class UnknownTransition(LookupError):
    pass


def require_work_role(user) -> None:
    if not roles.can_work(user):
        raise PermissionDenied(_("Ihre Rolle darf Vorgänge nur lesen."))


def validated(form):
    if not form.is_valid():
        raise InvalidData(form)
    return form.cleaned_data


def transition_named(name: str):
    """The declared transition (any of its sources: label and permission are the same for all)."""
    for t in Ticket._meta.get_field("state").get_all_transitions(Ticket):
        if t.name == name:
            return t
    raise UnknownTransition(name)


def transition_label(name: str) -> str:
    return str(transition_named(name).custom["label"])


def available_transitions(ticket: Ticket, user) -> list[str]:
    """Transitions this user may run from the ticket's state (state and role; guards are checked on run)."""
    from_here = [t for t in ticket.get_all_state_transitions() if t.source == ticket.state]
    allowed = {t.name for t in from_here if t.has_perm(ticket, user)}
    return [name for name in TRANSITION_FORMS if name in allowed]  # in the order of DESIGN §4


def next_ticket_number(now) -> str:
    """The next number of the year; the counter row stays locked until the ticket is saved (gap-free)."""
    year = timezone.localtime(now).year
    TicketNumberCounter.objects.bulk_create([TicketNumberCounter(year=year)], ignore_conflicts=True)
    counter = TicketNumberCounter.objects.select_for_update().get(year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"{year}-{counter.last:06d}"


def ticket_create(*, by, data) -> Ticket:
    require_work_role(by)
    fields = validated(TicketCreateForm(data))
    with transaction.atomic():
        now = timezone.now()
        ticket = Ticket(
            number=next_ticket_number(now),
            created_at=now,
            state_entered_at=now,
            taken_by=by,
            assignee=by,
            **fields,
        )
        save_audited(ticket, by=by, reason="intake")
    return ticket


def ticket_update(*, ticket_id, by, data, expected_version=None) -> Ticket:
    """Correct the facts of a ticket; refused with 409 when based on an old version (R6)."""
    require_work_role(by)
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().get(pk=ticket_id)
        if expected_version is not None and expected_version != ticket.version:
            raise Conflict(STALE)
        fields = validated(TicketEditForm({**TicketEditForm.current_values(ticket), **data}, ticket=ticket))
        for name, value in fields.items():
            setattr(ticket, name, value)
        save_audited(ticket, by=by, reason="edit")
    return ticket


def apply_transition(ticket: Ticket, name: str, *, by, **kwargs) -> None:
    """Run the FSM method and save with its name as the reason; the caller holds the ticket's lock."""
    before = ticket.state
    getattr(ticket, name)(**kwargs)
    if ticket.state != before:
        ticket.state_entered_at = timezone.now()
    try:
        save_audited(ticket, by=by, reason=name)
    except ConcurrentTransition as error:
        raise Conflict(STALE) from error


def check_guards(ticket: Ticket, name: str) -> None:
    """R2, R3: a condition of the transition that does not hold is refused with its reason."""
    transition = getattr(ticket, name)._django_fsm.get_transition(ticket.state)
    for condition in transition.conditions:
        if not condition(ticket):
            kind = NOTIFICATION_REQUIRED_TO_CLOSE.get(ticket.state)
            raise Conflict(
                condition.refusal
                % {
                    "kind": NotificationKind(kind).label if kind else "",
                    "state": ticket.get_state_display(),
                }
            )


def ticket_transition(*, ticket_id, name, by, data, expected_state=None) -> Ticket:
    """Run transition `name` on a ticket with the submitted data (DESIGN §4)."""
    form_class = TRANSITION_FORMS.get(name)
    if form_class is None:
        raise UnknownTransition(name)
    with transaction.atomic():
        if name in ("realize", "reject"):
            # Lock order: the shared program request first (R5).
            pr_id = Ticket.objects.filter(pk=ticket_id).values_list("program_request_id", flat=True).get()
            if pr_id:
                ProgramRequest.objects.select_for_update(no_key=True).get(pk=pr_id)
        ticket = Ticket.objects.select_related("customer").select_for_update(of=("self",)).get(pk=ticket_id)
        method = getattr(ticket, name)
        if not transition_named(name).has_perm(ticket, by):
            raise PermissionDenied(_("Ihre Rolle darf diesen Schritt nicht ausführen."))
        if expected_state and expected_state != ticket.state:
            raise Conflict(
                _("Der Vorgang ist inzwischen im Status „%(state)s“. %(stale)s")
                % {"state": ticket.get_state_display(), "stale": STALE}
            )
        if not can_proceed(method, check_conditions=False):
            raise Conflict(
                _("„%(step)s“ ist im Status „%(state)s“ nicht möglich.")
                % {"step": transition_label(name), "state": ticket.get_state_display()}
            )
        check_guards(ticket, name)
        fields = validated(form_class(data, ticket=ticket))
        EFFECTS[name](ticket, by, **fields)
    ticket.refresh_from_db()
    return ticket


def _triage(ticket, by, *, category, risk_relevant, risk_description):
    apply_transition(
        ticket,
        "triage",
        by=by,
        category=category,
        risk_relevant=risk_relevant,
        risk_description=risk_description,
    )
    if risk_relevant:
        _request_risk_review(ticket, by)


def _fix_immediately(ticket, by, *, resolution_kind, solution, known_solution):
    advised_on_the_call = ticket.state == State.TRIAGE
    apply_transition(
        ticket,
        "fix_immediately",
        by=by,
        resolution_kind=resolution_kind,
        solution=solution,
        known_solution=known_solution,
    )
    if advised_on_the_call:
        at = ticket.state_entered_at
        save_audited(
            CallNote(
                ticket=ticket,
                direction=CallNote.Direction.INBOUND,
                text=solution,
                created_by=by,
                created_at=at,
            ),
            by=by,
            reason="fix_immediately",
        )
        save_audited(
            CustomerNotification(
                ticket=ticket,
                kind=NotificationKind.SOLUTION,
                channel=Channel.PHONE,
                note=solution,
                created_by=by,
                created_at=at,
            ),
            by=by,
            reason="fix_immediately",
        )


def _escalate(ticket, by, *, problem_description, vendor_contact_summary, vendor_person, vendor_reference):
    apply_transition(ticket, "escalate", by=by, problem_description=problem_description)
    save_audited(
        VendorContact(
            ticket=ticket,
            vendor=vendor_services.sic(),
            kind=VendorContact.Kind.ESCALATION,
            vendor_person=vendor_person,
            summary=vendor_contact_summary,
            vendor_reference=vendor_reference,
            created_by=by,
        ),
        by=by,
        reason="escalate",
    )
    save_audited(
        CustomerNotification(
            ticket=ticket,
            kind=NotificationKind.CALLBACK_PROMISED,
            channel=Channel.PHONE,
            created_by=by,
            created_at=ticket.state_entered_at,
        ),
        by=by,
        reason="escalate",
    )


def _register_program_request(
    ticket, by, *, program_request, kind, vendor_reference, follow_up_date, planned_release, planned_date
):
    if program_request is None:
        program_request = ProgramRequest(
            vendor=vendor_services.sic(),
            kind=kind,
            vendor_reference=vendor_reference,
            title=ticket.summary,
            planned_release=planned_release,
            planned_date=planned_date,
            created_by=by,
        )
        save_audited(program_request, by=by, reason="register_program_request")
    else:
        program_request = ProgramRequest.objects.select_for_update(no_key=True).get(pk=program_request.pk)
        if program_request.state != ProgramRequest.State.OPEN:
            raise Conflict(_("SIC hat über diesen Programmwunsch bereits entschieden."))
    apply_transition(
        ticket,
        "register_program_request",
        by=by,
        program_request=program_request,
        follow_up_date=follow_up_date,
    )


def _follow_up(ticket, by, *, note, next_follow_up_date):
    apply_transition(ticket, "follow_up", by=by, next_follow_up_date=next_follow_up_date)
    save_audited(
        VendorContact(
            ticket=ticket,
            vendor=vendor_services.sic(),
            kind=VendorContact.Kind.INQUIRY,
            summary=note,
            created_by=by,
        ),
        by=by,
        reason="follow_up",
    )


def _decide_program_request(name):
    def effect(ticket, by, **fields):
        program_request = ProgramRequest.objects.get(pk=ticket.program_request_id)
        vendor_services.decide(program_request, name, by=by, **fields)

    return effect


def _close(ticket, by):
    apply_transition(ticket, "close", by=by)


def _flag_risk(ticket, by, *, risk_description):
    apply_transition(ticket, "flag_risk", by=by, risk_description=risk_description)
    _request_risk_review(ticket, by)


def _reopen(ticket, by, *, reason):
    apply_transition(ticket, "reopen", by=by, reason=reason)


EFFECTS = {
    "triage": _triage,
    "fix_immediately": _fix_immediately,
    "escalate": _escalate,
    "register_program_request": _register_program_request,
    "follow_up": _follow_up,
    "reject": _decide_program_request("reject"),
    "realize": _decide_program_request("realize"),
    "close": _close,
    "flag_risk": _flag_risk,
    "reopen": _reopen,
}


def _request_risk_review(ticket, by):
    review = RiskReview(ticket=ticket, risk_description=ticket.risk_description, requested_by=by)
    save_audited(review, by=by, reason="flag_risk")
    transaction.on_commit(lambda: notify_management_of_risk(review.pk))


def management_users():
    return get_user_model().objects.filter(groups__name=roles.MANAGEMENT, is_active=True).exclude(email="")


def notify_management_of_risk(review_id) -> None:
    """E-mail every management user that a risk-relevant event waits for their review."""
    review = RiskReview.objects.select_related("ticket__customer", "requested_by").get(pk=review_id)
    context = {"review": review, "ticket": review.ticket, "site_url": settings.SITE_URL}
    recipients = list(management_users().values_list("email", flat=True))
    if not recipients:
        log.warning("Risk review %s: no management user with an e-mail address to notify", review_id)
        return
    try:
        send_mail(
            subject=render_to_string("tickets/email/risk_review_requested_subject.txt", context).strip(),
            message=render_to_string("tickets/email/risk_review_requested_body.txt", context),
            from_email=None,
            recipient_list=recipients,
        )
    except OSError:
        # The review is saved and waits on the dashboard; a mail server outage must not fail the call.
        log.exception("Risk review %s: e-mail to management failed", review_id)


def ticket_add_call_note(*, ticket_id, by, data) -> CallNote:
    require_work_role(by)
    fields = validated(CallNoteForm(data))
    with transaction.atomic():
        note = CallNote(ticket=Ticket.objects.get(pk=ticket_id), created_by=by, **fields)
        save_audited(note, by=by, reason="call_note")
    return note


def ticket_add_notification(*, ticket_id, by, data) -> CustomerNotification:
    require_work_role(by)
    fields = validated(NotificationForm(data))
    with transaction.atomic():
        notification = CustomerNotification(ticket=Ticket.objects.get(pk=ticket_id), created_by=by, **fields)
        save_audited(notification, by=by, reason="customer_notification")
    return notification


def risk_review_sign(*, ticket_id, by, data) -> RiskReview:
    """R12: management signs the oldest pending review, re-entering the password."""
    if not roles.can_sign(by):
        raise PermissionDenied(_("Nur die Geschäftsleitung unterschreibt Risikobewertungen."))
    with transaction.atomic():
        review = (
            RiskReview.objects.select_for_update()
            .filter(ticket_id=ticket_id, state=RiskReview.State.PENDING)
            .order_by("created_at", "pk")
            .first()
        )
        if review is None:
            raise Conflict(_("Für diesen Vorgang wartet keine Bewertung auf eine Unterschrift."))
        form = RiskReviewSignForm(data, user=by)
        if not form.is_valid():
            if "password" in form.errors:
                log.warning("Risk review %s: signature refused for %s, wrong password", review.pk, by)
            raise InvalidData(form)
        review.sign(
            reviewer=by,
            decision=form.cleaned_data["decision"],
            comment=form.cleaned_data["comment"],
            report_category=form.cleaned_data["report_category"],
        )
        try:
            save_audited(review, by=by, reason="sign")
        except ConcurrentTransition as error:
            raise Conflict(STALE) from error
    return review


def authority_report_record(*, review_id, by, data) -> AuthorityReport:
    """Record "Meldung erfolgt am" (management only): the event was reported; stops the countdown."""
    if not roles.can_sign(by):
        raise PermissionDenied(_("Nur die Geschäftsleitung erfasst Meldungen an die Behörde."))
    with transaction.atomic():
        review = RiskReview.objects.select_for_update(of=("self",)).select_related("ticket").get(pk=review_id)
        if review.decision != RiskReview.Decision.REPORT_TO_AUTHORITY:
            raise Conflict(_("Für diese Bewertung ist keine Meldung an die Behörde entschieden."))
        if AuthorityReport.objects.filter(review=review).exists():
            raise Conflict(_("Die Meldung an die Behörde ist für diese Bewertung bereits erfasst."))
        fields = validated(AuthorityReportForm(data, review=review))
        report = AuthorityReport(review=review, created_by=by, **fields)
        save_audited(report, by=by, reason="authority_report")
    return report


class EmailNotSent(Exception):
    """The mail server refused or could not be reached; nothing was recorded."""


def customer_email_draft(*, ticket: Ticket, kind: str, by) -> dict:
    """The German draft for a notification kind (tickets/email/customer_<kind>.txt), to be edited."""
    contact = ticket.contact if ticket.contact and ticket.contact.email else None
    context = {"ticket": ticket, "contact": contact, "sender": by, "program_request": ticket.program_request}
    with translation.override("de"):  # the customer is written to in German, whatever the UI language
        return {
            "kind": kind,
            "to": contact.email if contact else ticket.customer.email,
            "subject": _("Ihr Support-Vorgang %(number)s: %(summary)s")
            % {"number": ticket.number, "summary": ticket.summary},
            "body": render_to_string(f"tickets/email/customer_{kind}.txt", context).strip() + "\n",
        }


def ticket_email_customer(*, ticket_id, by, data) -> CustomerNotification:
    """Send the (edited) e-mail and record it as the CustomerNotification, channel e-mail, with its text.

    The mail is sent before the transaction commits: if the server refuses it, nothing is recorded,
    so no notification claims a mail the customer never got (R2 would accept it for closing).
    """
    require_work_role(by)
    fields = validated(CustomerEmailForm(data))
    note = _("E-Mail an %(to)s\nBetreff: %(subject)s\n\n%(body)s") % fields
    with transaction.atomic():
        notification = CustomerNotification(
            ticket=Ticket.objects.get(pk=ticket_id),
            kind=fields["kind"],
            channel=Channel.EMAIL,
            note=note,
            created_by=by,
        )
        save_audited(notification, by=by, reason="customer_email")
        try:
            EmailMessage(subject=fields["subject"], body=fields["body"], to=[fields["to"]]).send()
        except OSError as error:
            log.exception("Ticket %s: e-mail to the customer failed", ticket_id)
            raise EmailNotSent(
                _("Die E-Mail konnte nicht gesendet werden (%(error)s); es wurde nichts gespeichert.")
                % {"error": error}
            ) from error
    return notification
