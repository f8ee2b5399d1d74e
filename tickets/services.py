"""Every write on tickets, for the pages, the API and the commands alike (DESIGN §4).

The ticket's state machine (TICKETS) and SIC's decisions on program requests (PROGRAM_REQUESTS) run
through the workflow core, which refuses in the order of DESIGN §7; the effects below write what a
transition causes besides its own row (notes, notifications, contacts with SIC, risk reviews).
Lock order: a ProgramRequest before its tickets, tickets by ascending id. A ProgramRequest is
locked FOR NO KEY UPDATE: the foreign-key checks of a linked ticket's own writes (FOR KEY SHARE)
must not wait for it, or a decision and a write on one of its tickets deadlock (R6).
"""

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import roles
from audit import reasons
from audit.history import save_audited
from calls import services as call_services
from capa import services as capa_services
from customers import services as customer_services
from instructions.selectors import revision_in_force
from outbox import services as outbox
from outbox.models import OutgoingEmail
from solutions import services as solution_services
from solutions.models import KnownSolution
from supportdesk.errors import STALE, Conflict, InvalidData
from supportdesk.forms import validated
from tickets import emails
from tickets.forms import (
    TRANSITION_FORMS,
    AuthorityReportForm,
    CallNoteForm,
    ComplaintEvaluationForm,
    CustomerEmailForm,
    LinkEndForm,
    NotificationForm,
    RiskReviewSignForm,
    TicketCreateForm,
    TicketEditForm,
    TicketLinkForm,
)
from tickets.models import (
    AuthorityReport,
    CallNote,
    Channel,
    ComplaintEvaluation,
    CustomerNotification,
    NotificationKind,
    ResolutionKind,
    RiskReview,
    State,
    Ticket,
    TicketLink,
    TicketNumberCounter,
    can_become_known_solution,
)
from vendor import services as vendor_services
from vendor.forms import RealizeForm, RejectForm, VendorContactForm
from vendor.models import ProgramRequest, VendorContact
from workflow.edits import correct
from workflow.machines import Machine, register

log = logging.getLogger(__name__)

# What the history rows of these services' writes say (the transitions say their label).
REASONS = {
    "intake": gettext_lazy("Anruf erfasst"),
    "call_note": gettext_lazy("Gesprächsnotiz erfasst"),
    "customer_notification": gettext_lazy("Kundeninformation erfasst"),
    "vendor_contact": gettext_lazy("Kontakt mit SIC erfasst"),
    "customer_email": gettext_lazy("Kunde per E-Mail informiert"),
    "authority_report": gettext_lazy("Meldung an die Behörde erfasst"),
    "complaint_evaluation": gettext_lazy("Bewertung als Beanstandung erfasst"),
    "link": gettext_lazy("Vorgänge verknüpft"),
    "link_end": gettext_lazy("Verknüpfung beendet"),
}
reasons.register(REASONS)

READ_ONLY = gettext_lazy("Ihre Rolle darf Vorgänge nur lesen.")


def next_ticket_number(now) -> str:
    """The next number of the year; the counter row stays locked until the ticket is saved (gap-free)."""
    year = timezone.localtime(now).year
    TicketNumberCounter.objects.bulk_create([TicketNumberCounter(year=year)], ignore_conflicts=True)
    counter = TicketNumberCounter.objects.select_for_update().get(year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"{year}-{counter.last:06d}"


def ticket_create(*, by, data, assign=True) -> Ticket:
    """A new ticket in intake, assigned to whoever took it in; with assign=False (a mail the fetcher
    opened) it waits without an assignee on the dashboard until someone takes it."""
    roles.require(roles.can_work, by, READ_ONLY)
    fields = validated(TicketCreateForm(data))
    with transaction.atomic():
        now = timezone.now()
        fields["received_at"] = fields["received_at"] or now
        ticket = Ticket(
            number=next_ticket_number(now),
            created_at=now,
            state_entered_at=now,
            taken_by=by,
            assignee=by if assign else None,
            work_instruction_revision=revision_in_force(),  # R21: handled under the revision in force
            **fields,
        )
        save_audited(ticket, by=by, reason="intake")
    return ticket


def ticket_log_call(
    *, by, ticket: dict, note: str, new_customer=None, new_contact=None, triage=None, fix=None
):
    """A call logged in one step, as the intake page and its one-click known solution do: the
    customer and the contact when they are new, the ticket, the call's note, then optionally the
    triage and the immediate fix with an adopted solution. One transaction: when a service refuses
    (InvalidData, naming its form), nothing is saved."""
    with transaction.atomic():
        if new_customer is not None:
            ticket = {**ticket, "customer": customer_services.customer_create(by=by, data=new_customer).pk}
        if new_contact is not None:
            contact = customer_services.contact_create(
                customer_id=ticket["customer"], by=by, data=new_contact
            )
            ticket = {**ticket, "contact": contact.pk}
        logged = ticket_create(by=by, data=ticket)
        ticket_add_call_note(
            ticket_id=logged.pk, by=by, data={"direction": CallNote.Direction.INBOUND, "text": note}
        )
        if triage is not None:
            logged = TICKETS.run(logged.pk, "triage", by=by, data=triage)
        if fix is not None:  # advised on the call: the note and notification come with the step
            logged = TICKETS.run(logged.pk, "fix_immediately", by=by, data=fix)
    return logged


def ticket_update(*, ticket_id, by, data, expected_version=None) -> Ticket:
    """Correct the facts of a ticket; refused with 409 when based on an old version (R6)."""
    roles.require(roles.can_work, by, READ_ONLY)
    with transaction.atomic():
        ticket = correct(
            Ticket,
            ticket_id,
            form=TicketEditForm,
            ticket=lambda ticket: ticket,
            editor=lambda ticket: by,
            by=by,
            data=data,
            reason="edit",
            stale=STALE,
            expected_version=expected_version,
        )
        if ticket.assigned_by_id == by.pk and ticket.assigned_at and ticket.assignee.email:
            _tell_the_new_assignee(ticket, by)
    return ticket


def _tell_the_new_assignee(ticket, by) -> None:
    """Handed to a colleague: an e-mail through the outbox (their dashboard lists it as well)."""
    context = {"ticket": ticket, "by": by, "site_url": settings.SITE_URL}
    outbox.queue(
        to=ticket.assignee.email,
        subject=render_to_string("tickets/email/assigned_subject.txt", context).strip(),
        body=render_to_string("tickets/email/assigned_body.txt", context),
        ticket=ticket,
        by=by,
    )


# ---- the ticket's transitions (DESIGN §4) -------------------------------------------------------


def ticket_transition(*, ticket_id, name, by, data, expected_state=None) -> Ticket:
    """Run transition `name` on a ticket with the submitted data."""
    return TICKETS.run(ticket_id, name, by=by, data=data, expected_state=expected_state)


def available_transitions(ticket: Ticket, user) -> list[str]:
    """Transitions this user may run from the ticket's state (state and role; guards are checked on run)."""
    return TICKETS.available(ticket, user)


def transition_label(name: str) -> str:
    return TICKETS.label(name)


def lock_ticket(pk, name) -> Ticket:
    if name in ("realize", "reject"):
        # Lock order: the shared program request first (R5).
        pr_id = Ticket.objects.filter(pk=pk).values_list("program_request_id", flat=True).get()
        if pr_id:
            ProgramRequest.objects.select_for_update(no_key=True).get(pk=pr_id)
    return Ticket.objects.select_related("customer").select_for_update(of=("self",)).get(pk=pk)


def _triage(ticket, by, *, category, risk_relevant, risk_description, is_complaint):
    # The complaint answer comes with the step (R15): recorded first, so one ticket row says both.
    if is_complaint is not None:
        _record_complaint_evaluation(ticket, by, "triage", save_ticket=False, is_complaint=is_complaint)
    TICKETS.apply(
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
    TICKETS.apply(
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
        _record_notification(
            ticket, by, "fix_immediately", kind=NotificationKind.SOLUTION, note=solution, at=at
        )


def _escalate(
    ticket,
    by,
    *,
    problem_description,
    vendor_contact_summary,
    vendor_person,
    vendor_reference,
    follow_up_date,
    customer_informed,
):
    TICKETS.apply(
        ticket, "escalate", by=by, problem_description=problem_description, follow_up_date=follow_up_date
    )
    vendor_services.vendor_contact_record(
        ticket=ticket,
        by=by,
        reason="escalate",
        kind=VendorContact.Kind.ESCALATION,
        summary=vendor_contact_summary,
        vendor_person=vendor_person,
        vendor_reference=vendor_reference,
    )
    if customer_informed:
        _record_notification(
            ticket, by, "escalate", kind=NotificationKind.CALLBACK_PROMISED, at=ticket.state_entered_at
        )


def _register_program_request(
    ticket, by, *, program_request, kind, vendor_reference, follow_up_date, planned_release, planned_date
):
    if program_request is None:
        program_request = vendor_services.program_request_create(
            by=by,
            reason="register_program_request",
            kind=kind,
            vendor_reference=vendor_reference,
            title=ticket.summary,
            planned_release=planned_release,
            planned_date=planned_date,
        )
    else:
        program_request = ProgramRequest.objects.select_for_update(no_key=True).get(pk=program_request.pk)
        if program_request.state != ProgramRequest.State.OPEN:
            raise Conflict(_("SIC hat über diesen Programmwunsch bereits entschieden."))
    TICKETS.apply(
        ticket,
        "register_program_request",
        by=by,
        program_request=program_request,
        follow_up_date=follow_up_date,
    )


def _follow_up(ticket, by, *, note, next_follow_up_date):
    TICKETS.apply(ticket, "follow_up", by=by, next_follow_up_date=next_follow_up_date)
    vendor_services.vendor_contact_record(
        ticket=ticket, by=by, reason="follow_up", kind=VendorContact.Kind.INQUIRY, summary=note
    )


def _decided_for_the_ticket(name):
    """realize/reject on one ticket is SIC's decision on its program request: for all its tickets."""

    def effect(ticket, by, **fields):
        program_request = ProgramRequest.objects.get(pk=ticket.program_request_id)
        decide_program_request(program_request, name, by=by, **fields)

    return effect


def _flag_risk(ticket, by, *, risk_description):
    TICKETS.apply(ticket, "flag_risk", by=by, risk_description=risk_description)
    _request_risk_review(ticket, by)


TICKETS = register(
    Machine(
        Ticket,
        forms=TRANSITION_FORMS,
        effects={
            "triage": _triage,
            "fix_immediately": _fix_immediately,
            "escalate": _escalate,
            "register_program_request": _register_program_request,
            "follow_up": _follow_up,
            "reject": _decided_for_the_ticket("reject"),
            "realize": _decided_for_the_ticket("realize"),
            "flag_risk": _flag_risk,
        },
        denied=gettext_lazy("Ihre Rolle darf diesen Schritt nicht ausführen."),
        stale=STALE,
        moved_on=gettext_lazy("Der Vorgang ist inzwischen im Status „%(state)s“. %(stale)s"),
        lock=lock_ticket,
        form_kwargs=lambda ticket, by: {"ticket": ticket},
        entered_at="state_entered_at",
    )
)
# The records a ticket's transition writes (notes, notifications, contacts, reviews) carry the
# transition's name as their reason too: its label reads the same on every one of them.
reasons.register(TICKETS.reason_labels())


# ---- SIC's decision on a program request (R5) ----------------------------------------------------


def decide_program_request(program_request: ProgramRequest, name: str, *, by, **fields) -> list[Ticket]:
    """Realize or reject; the caller holds the request's lock. Every linked ticket still waiting in
    program_request moves with it, each with its own history row; realized, its known solutions say
    "behoben in Version X". Returns the tickets moved: their customers must now be informed."""
    PROGRAM_REQUESTS.apply(program_request, name, by=by, **fields)
    moved = list(
        program_request.tickets.select_for_update(of=("self",))
        .filter(state=State.PROGRAM_REQUEST)
        .select_related("customer", "contact")
        .order_by("pk")
    )
    for ticket in moved:
        TICKETS.apply(ticket, name, by=by)
    if name == "realize":
        solution_services.mark_fixed_by_program_request(program_request, by=by)
    return moved


def program_request_transition(*, program_request_id, name, by, data) -> tuple[ProgramRequest, list[Ticket]]:
    """Run realize/reject on a program request; returns it and the tickets whose customers to inform."""
    return PROGRAM_REQUESTS.perform(program_request_id, name, by=by, data=data)


def _decided_for_all(name):
    def effect(program_request, by, **fields):
        return decide_program_request(program_request, name, by=by, **fields)

    return effect


PROGRAM_REQUESTS = register(
    Machine(
        ProgramRequest,
        forms={"realize": RealizeForm, "reject": RejectForm},
        effects={"realize": _decided_for_all("realize"), "reject": _decided_for_all("reject")},
        denied=gettext_lazy("Ihre Rolle darf Programmwünsche nur lesen."),
        stale=STALE,
        not_possible=gettext_lazy("SIC hat über diesen Programmwunsch bereits entschieden (%(state)s)."),
        lock=lambda pk, name: ProgramRequest.objects.select_for_update(no_key=True).get(pk=pk),
        actor="by",
    )
)


# ---- records on a ticket -------------------------------------------------------------------------


def _record_complaint_evaluation(ticket, by, reason, *, save_ticket=True, **fields) -> ComplaintEvaluation:
    """A new evaluation supersedes the ticket's latest (R15): the ticket points at it, both stay."""
    evaluation = ComplaintEvaluation(ticket=ticket, evaluated_by=by, **fields)
    save_audited(evaluation, by=by, reason=reason)
    ticket.complaint_evaluation = evaluation
    if save_ticket:
        save_audited(ticket, by=by, reason=reason)
    return evaluation


def ticket_evaluate_complaint(*, ticket_id, by, data) -> ComplaintEvaluation:
    """R15, DESIGN §10.1: is it a complaint about the product, and was it investigated?"""
    roles.require(roles.can_work, by, READ_ONLY)
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update(of=("self",)).get(pk=ticket_id)
        fields = validated(ComplaintEvaluationForm(data, ticket=ticket))
        if not fields["is_complaint"]:
            fields.update(investigation="", findings="", justification="", vendor_contact=None)
        return _record_complaint_evaluation(ticket, by, "complaint_evaluation", **fields)


def ticket_link(*, ticket_id, by, data) -> TicketLink:
    """ "Hängt zusammen mit": a link both tickets show; one open link per pair."""
    roles.require(roles.can_work, by, READ_ONLY)
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update(of=("self",)).get(pk=ticket_id)
        fields = validated(TicketLinkForm(data, ticket=ticket))
        target = fields["target"]
        pair = TicketLink.objects.filter(ended_at__isnull=True).filter(
            Q(ticket=ticket, target=target) | Q(ticket=target, target=ticket)
        )
        if pair.exists():
            raise Conflict(
                _("%(a)s und %(b)s sind bereits verknüpft.") % {"a": ticket.number, "b": target.number}
            )
        link = TicketLink(ticket=ticket, created_by=by, **fields)
        save_audited(link, by=by, reason="link")
    return link


def ticket_link_end(*, ticket_id, link_id, by, data) -> TicketLink:
    """A wrong link is ended with a reason, never deleted (R7): it stays in both histories."""
    roles.require(roles.can_work, by, READ_ONLY)
    with transaction.atomic():
        link = (
            TicketLink.objects.select_for_update()
            .filter(Q(ticket_id=ticket_id) | Q(target_id=ticket_id))
            .get(pk=link_id)
        )
        if link.ended_at is not None:
            raise Conflict(_("Diese Verknüpfung ist bereits beendet."))
        fields = validated(LinkEndForm(data))
        link.ended_by, link.ended_at, link.end_reason = by, timezone.now(), fields["reason"]
        save_audited(link, by=by, reason="link_end")
    return link


def _record_notification(ticket, by, reason, *, kind, channel=Channel.PHONE, note="", at=None):
    notification = CustomerNotification(
        ticket=ticket, kind=kind, channel=channel, note=note, created_by=by, created_at=at or timezone.now()
    )
    save_audited(notification, by=by, reason=reason)
    return notification


def ticket_add_call_note(*, ticket_id, by, data, call_id=None) -> CallNote:
    """A call note; `call_id`: the incoming call it records, which then leaves every banner."""
    roles.require(roles.can_work, by, READ_ONLY)
    fields = validated(CallNoteForm(data))
    with transaction.atomic():
        note = CallNote(ticket=Ticket.objects.get(pk=ticket_id), created_by=by, **fields)
        save_audited(note, by=by, reason="call_note")
        if call_id:
            call_services.call_handled(call_id=call_id, by=by)
    return note


def ticket_add_vendor_contact(*, ticket_id, by, data) -> VendorContact:
    """A contact with SIC outside the transitions (an inquiry, SIC reporting on its own, other):
    recorded as it happened, with its channel; the follow-up date stays where it is."""
    roles.require(roles.can_work, by, READ_ONLY)
    fields = validated(VendorContactForm(data))
    with transaction.atomic():
        ticket = Ticket.objects.get(pk=ticket_id)
        return vendor_services.vendor_contact_record(ticket=ticket, by=by, reason="vendor_contact", **fields)


def ticket_add_notification(*, ticket_id, by, data) -> CustomerNotification:
    roles.require(roles.can_work, by, READ_ONLY)
    fields = validated(NotificationForm(data))
    with transaction.atomic():
        return _record_notification(Ticket.objects.get(pk=ticket_id), by, "customer_notification", **fields)


def known_solution_draft_values(ticket: Ticket) -> dict:
    """A known solution's fields taken from a solved ticket."""
    kind = {
        ResolutionKind.USER_ERROR: KnownSolution.Kind.USER_ERROR,
        ResolutionKind.CONFIGURATION_ERROR: KnownSolution.Kind.CONFIGURATION,
        ResolutionKind.QUESTION_ANSWERED: KnownSolution.Kind.ANSWER,
    }.get(ticket.resolution_kind, KnownSolution.Kind.WORKAROUND)
    return {
        "title": ticket.summary,
        "symptoms": ticket.description,
        "cause": "",
        "solution": ticket.solution,
        "kind": kind,
        "category": ticket.category,
        "program_request": ticket.program_request_id,
    }


def solution_draft_from_ticket(*, ticket_id, by) -> KnownSolution:
    """ "Als bekannte Lösung speichern": a draft from the ticket's description and solution,
    to be edited and published. Once per ticket: the ticket's row lock keeps a double click to one."""
    roles.require(roles.can_work, by, solution_services.READ_ONLY)
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().get(pk=ticket_id)
        if not can_become_known_solution(ticket):
            raise Conflict(_("Nur ein gelöster Vorgang mit eigener Lösung wird zur bekannten Lösung."))
        made = KnownSolution.objects.filter(source_ticket=ticket).order_by("pk").first()
        if made is not None:
            raise Conflict(
                _("Aus diesem Vorgang wurde bereits die bekannte Lösung %(solution)s gemacht.")
                % {"solution": made}
            )
        return solution_services.solution_create(
            by=by,
            data=known_solution_draft_values(ticket),
            state=KnownSolution.State.DRAFT,
            source_ticket=ticket,
        )


# ---- risk-relevant events: management's review (R3, R12) and the report to the authority --------


def _request_risk_review(ticket, by):
    review = RiskReview(ticket=ticket, risk_description=ticket.risk_description, requested_by=by)
    save_audited(review, by=by, reason="flag_risk")
    notify_management_of_risk(review, by=by)


def management_users():
    return get_user_model().objects.filter(groups__name=roles.MANAGEMENT, is_active=True).exclude(email="")


def notify_management_of_risk(review, *, by=None) -> None:
    """E-mail every management user that a risk-relevant event waits for their review: queued in
    the outbox in the transaction that requests the review (R17), so a mail server outage neither
    fails the call nor loses the mail."""
    recipients = list(management_users().order_by("pk").values_list("email", flat=True))
    if not recipients:
        log.warning("Risk review %s: no management user with an e-mail address to notify", review.pk)
        return
    outbox.queue(
        to=recipients,
        **emails.risk_review_requested(review),
        ticket=review.ticket,
        by=by,
        kind=OutgoingEmail.Kind.RISK_REVIEW,
    )


def lock_pending_review(ticket_id, name) -> RiskReview:
    """The ticket's oldest review waiting for a signature: a ticket's reviews are signed in turn."""
    review = (
        RiskReview.objects.select_for_update()
        .filter(ticket_id=ticket_id, state=RiskReview.State.PENDING)
        .order_by("created_at", "pk")
        .first()
    )
    if review is None:
        raise Conflict(_("Für diesen Vorgang wartet keine Bewertung auf eine Unterschrift."))
    return review


def _sign(review, by, *, password, **signature):
    # The form checked the re-entered password (R12); the signature records name, time and meaning.
    RISK_REVIEWS.apply(review, "sign", by=by, **signature)
    if review.decision == RiskReview.Decision.CAPA:  # R22: a CAPA proposal linked to the ticket
        capa_services.propose_from_risk_review(review=review, by=by)


RISK_REVIEWS = register(
    Machine(
        RiskReview,
        forms={"sign": RiskReviewSignForm},
        effects={"sign": _sign},
        denied=gettext_lazy("Nur die Geschäftsleitung unterschreibt Risikobewertungen."),
        stale=STALE,
        # pk: the ticket, whose oldest pending review is signed.
        lock=lock_pending_review,
        form_kwargs=lambda review, by: {"user": by, "review": review},
        actor="reviewer",
    )
)


def risk_review_sign(*, ticket_id, by, data, request=None) -> RiskReview:
    """R12: management signs the oldest pending review, re-entering the password. `request`: the
    HTTP request it came with, for the lock-out (R18); without one (a command) nothing is counted."""
    roles.require(roles.can_sign, by, RISK_REVIEWS.denied)
    try:
        return RISK_REVIEWS.run(ticket_id, "sign", by=by, data=data, request=request)
    except InvalidData as invalid:
        if "password" in invalid.form.errors:
            log.warning(
                "Risk review %s: signature refused for %s, wrong password", invalid.form.review.pk, by
            )
        raise


def authority_report_record(*, review_id, by, data) -> AuthorityReport:
    """Record "Meldung erfolgt am" (management only): the event was reported; stops the countdown."""
    roles.require(roles.can_sign, by, _("Nur die Geschäftsleitung erfasst Meldungen an die Behörde."))
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


# ---- e-mail to the customer --------------------------------------------------------------------


def ticket_email_customer(*, ticket_id, by, data):
    """Queue the (edited) e-mail to the customer in the outbox (R17), threaded (the ticket number in
    the subject, In-Reply-To/References to the ticket's previous mail), and with a `kind` record it
    as the CustomerNotification, channel e-mail, with its text, in the same transaction. Returns
    the OutgoingEmail. The notification counts for closing (R2) once the mail server accepted the
    mail (tickets.models.customer_informed); a server that is down fails nothing here."""
    roles.require(roles.can_work, by, READ_ONLY)
    form = CustomerEmailForm(data)
    form.fields["kind"].required = data.get("kind") not in (None, "")  # the API may send no kind
    fields = validated(form)
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update(of=("self",)).get(pk=ticket_id)  # one thread order
        subject = emails.customer_subject(ticket, fields["subject"])
        notification = None
        if fields["kind"]:
            note = _("E-Mail an %(to)s\nBetreff: %(subject)s\n\n%(body)s") % {**fields, "subject": subject}
            notification = _record_notification(
                ticket, by, "customer_email", kind=fields["kind"], channel=Channel.EMAIL, note=note
            )
        return outbox.queue(
            to=fields["to"],
            subject=subject,
            body=fields["body"],
            ticket=ticket,
            notification=notification,
            headers=emails.thread_headers(ticket),
            by=by,
            kind=OutgoingEmail.Kind.CUSTOMER,
        )
