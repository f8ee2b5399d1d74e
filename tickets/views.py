"""The ticket list and the ticket page with every write it offers (DESIGN §8); every write goes through
tickets.services, and a refused one shows the page again with the input kept (R14)."""

from django.contrib import messages
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts import roles
from accounts.decorators import role_required
from attachments import selectors as attachment_selectors
from audit import services as audit_services
from audit.exports import pdf_response
from audit.models import AuditExport
from audit.views import attachment_name
from solutions.models import Category
from supportdesk.forms import version_seen
from supportdesk.pages import KeysFirstPaginator, UncountedPaginator, submit
from tickets import audit_report, selectors, services, suggestions
from tickets.forms import (
    AuthorityReportForm,
    CallNoteForm,
    ComplaintEvaluationForm,
    LinkEndForm,
    NotificationForm,
    TicketEditForm,
    TicketLinkForm,
)
from tickets.models import NotificationKind, RiskReview, State, Ticket, TicketLink
from vendor.forms import VendorContactForm
from workflow.views import page_form, panels, transition_view, typed_values

# ---- the list -------------------------------------------------------------------------------

DAY, DAY_AND_TIME = "%d.%m.%Y", "%d.%m.%Y %H:%M"


def sort_columns(current):
    """Column headers that sort: each links to its ascending order, or descending when already so."""
    current = current or "-created"  # the default order: newest first
    columns = []
    for key, label in selectors.SORT_LABELS.items():
        direction = {key: "ascending", f"-{key}": "descending"}.get(current)
        columns.append(
            {"key": key, "label": label, "direction": direction, "next": key if current != key else f"-{key}"}
        )
    return {column["key"]: column for column in columns}


def list_rows(tickets) -> list[Ticket]:
    """The page's tickets with the texts a row shows, made once per page: Django's get_FOO_display
    translates every choice on each call, and strftime is faster than the date filter."""
    states = {value: str(label) for value, label in State.choices}
    categories = {value: str(label) for value, label in Category.choices}
    rows = list(tickets)
    for ticket in rows:
        ticket.state_label, ticket.category_label = states[ticket.state], categories.get(ticket.category, "")
        ticket.created_text = timezone.localtime(ticket.created_at).strftime(DAY_AND_TIME)
        ticket.updated_text = timezone.localtime(ticket.updated_at).strftime(DAY_AND_TIME)
        ticket.follow_up_text = ticket.follow_up_date.strftime(DAY) if ticket.follow_up_date else ""
    return rows


@require_http_methods(["GET", "HEAD"])
@role_required(roles.can_read)
def ticket_list(request):
    filterset = selectors.ticket_list(request.GET)
    valid = filterset.is_valid()
    tickets = filterset.qs if valid else filterset.queryset.none()
    searched = valid and filterset.form.cleaned_data.get("q")
    paginator = (UncountedPaginator if searched else KeysFirstPaginator)(tickets, selectors.PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    context = {
        "filter": filterset,
        "page": page,
        "rows": list_rows(page),
        "columns": sort_columns(filterset.form.cleaned_data.get("sort") if valid else ""),
        "filtered": any(value for key, value in request.GET.items() if key not in ("page", "sort")),
    }
    return render(request, "tickets/ticket_list.html", context, status=200 if valid else 400)


@require_http_methods(["GET"])
@role_required(roles.can_read)
def filter_options(request, name):
    """The options of the list's customer or assignee picker for the text typed so far (htmx)."""
    if name not in selectors.PICKERS:
        raise Http404
    options = selectors.picker_options(name, request.GET.get(name, ""), request.GET.get(f"{name}_search", ""))
    return render(
        request, "tickets/_picker_options.html", {**options, "status_id": f"id_{name}_status", "oob": True}
    )


# ---- the ticket page ------------------------------------------------------------------------

RECORD_FORMS = (
    CallNoteForm,
    NotificationForm,
    VendorContactForm,
    TicketEditForm,
    TicketLinkForm,
    ComplaintEvaluationForm,
)
# The page asks what the API may leave for later (the complaint question at triage, R15).
ON_THE_PAGE = {"interactive": True}


def edit_form(ticket, data=None):
    form = data or TicketEditForm(ticket=ticket, initial=TicketEditForm.current_values(ticket))
    form.fields["contact"].queryset = ticket.customer.contacts.filter(active=True)
    return page_form(form, "edit")


def authority_reports(ticket, user, invalid=None) -> list[dict]:
    """The ticket's reportable events; for management the form "Meldung erfolgt am" of each open one."""
    rows = selectors.ticket_reports(ticket)
    if roles.can_sign(user):
        for row in rows:
            if row["report"] is None:
                refused = isinstance(invalid, AuthorityReportForm) and invalid.review.pk == row["review"].pk
                form = invalid if refused else AuthorityReportForm()
                form.auto_id = f"id_report_{row['review'].pk}_%s"
                form.fields["reported_on"].widget.input_type = "date"
                row["form"] = form
    return rows


def ticket_page(request, pk, *, status=200, conflict=None, invalid=None):
    """The ticket page; after a refused write, with the refused form open or the conflict message."""
    ticket = get_object_or_404(selectors.ticket_for_page(), pk=pk)
    user = request.user
    links = selectors.ticket_links(ticket)
    context = {
        "ticket": ticket,
        "links": links,
        # A refused "Verknüpfung beenden" (no reason given): its error beside the links.
        "link_end_errors": [e for errors in invalid.errors.values() for e in errors]
        if isinstance(invalid, LinkEndForm)
        else [],
        "timeline": selectors.ticket_timeline(ticket, links),
        "attachments": attachment_selectors.for_ticket_page(ticket),
        "conflict": conflict,
        "unsaved": typed_values(invalid) if conflict and invalid is not None else [],
        "authority_reports": authority_reports(ticket, user, invalid),
        "call": call_of(request.POST if request.method == "POST" else request.GET),
        "email_kinds": NotificationKind.choices,
    }
    if roles.can_work(user):
        record = invalid if isinstance(invalid, RECORD_FORMS) else None
        context |= {
            "transitions": panels(
                services.TICKETS,
                ticket,
                user,
                url="ticket-transition",
                invalid=invalid,
                prefill={"fix_immediately": suggestions.fix_immediately_initial(request.GET)},
                form_kwargs=ON_THE_PAGE,
            ),
            "suggestions": suggestions.for_ticket(ticket) if ticket.state == State.TRIAGE else None,
            "note_form": page_form(record if isinstance(record, CallNoteForm) else CallNoteForm(), "note"),
            "notification_form": page_form(
                record if isinstance(record, NotificationForm) else NotificationForm(), "notification"
            ),
            "vendor_contact_form": page_form(
                record if isinstance(record, VendorContactForm) else VendorContactForm(), "vendor_contact"
            ),
            "edit_form": edit_form(ticket, record if isinstance(record, TicketEditForm) else None),
            "link_form": page_form(
                record if isinstance(record, TicketLinkForm) else TicketLinkForm(ticket=ticket), "link"
            ),
            "complaint_form": page_form(
                record
                if isinstance(record, ComplaintEvaluationForm)
                else ComplaintEvaluationForm(ticket=ticket, initial=complaint_initial(ticket)),
                "complaint",
            ),
            "known_solution_offer": selectors.known_solution_offer(ticket),
            "open_form": type(record).__name__ if record else None,
        }
    return render(request, "tickets/ticket_detail.html", context, status=status)


def call_of(params) -> int | None:
    """?call=<id> / the form's `call`: the incoming call a call note records (the banner's link)."""
    value = params.get("call", "")
    return int(value) if value.isascii() and value.isdigit() and len(value) < 19 else None


def complaint_initial(ticket) -> dict:
    """The form starts from the latest evaluation: completing it is the usual next step."""
    evaluation = ticket.complaint_evaluation
    if evaluation is None:
        return {}
    return {
        "is_complaint": "true" if evaluation.is_complaint else "false",
        "investigation": evaluation.investigation,
        "findings": evaluation.findings,
        "justification": evaluation.justification,
        "vendor_contact": evaluation.vendor_contact_id,
        "capa": evaluation.capa_id or "",
    }


def on_ticket_page(request, pk, write, done):
    """A write from a form of the ticket page, back to the ticket (or the page again, refused)."""
    get_object_or_404(Ticket, pk=pk)
    return submit(
        request,
        write,
        page=lambda **refused: ticket_page(request, pk, **refused),
        done=done,
        to=reverse("ticket-detail", args=[pk]),
    )


@require_http_methods(["GET", "HEAD"])
@role_required(roles.can_read)
def ticket_detail(request, pk):
    return ticket_page(request, pk)


@require_http_methods(["POST"])
@role_required(roles.can_work)
def ticket_edit(request, pk):
    data = {key: value for key, value in request.POST.items() if key in TicketEditForm.base_fields}
    return on_ticket_page(
        request,
        pk,
        lambda: services.ticket_update(
            ticket_id=pk, by=request.user, data=data, expected_version=version_seen(request)
        ),
        _("Die Angaben wurden gespeichert."),
    )


def risk_warning(request, ticket, name):
    if name == "flag_risk" or (name == "triage" and ticket.risk_relevant):
        messages.warning(
            request,
            _(
                "Risikorelevantes Ereignis: Die Geschäftsleitung wurde informiert "
                "und muss die Bewertung unterschreiben."
            ),
        )


ticket_transition = transition_view(
    services.TICKETS,
    role=roles.can_work,
    page=ticket_page,
    detail="ticket-detail",
    then=risk_warning,
    form_kwargs=ON_THE_PAGE,
)


@require_http_methods(["POST"])
@role_required(roles.can_work)
def ticket_call_note(request, pk):
    return on_ticket_page(
        request,
        pk,
        lambda: services.ticket_add_call_note(
            ticket_id=pk, by=request.user, data=request.POST, call_id=call_of(request.POST)
        ),
        _("Die Gesprächsnotiz wurde gespeichert."),
    )


@require_http_methods(["POST"])
@role_required(roles.can_work)
def ticket_vendor_contact(request, pk):
    return on_ticket_page(
        request,
        pk,
        lambda: services.ticket_add_vendor_contact(ticket_id=pk, by=request.user, data=request.POST),
        _("Der Kontakt mit SIC wurde gespeichert."),
    )


@require_http_methods(["POST"])
@role_required(roles.can_work)
def ticket_complaint(request, pk):
    return on_ticket_page(
        request,
        pk,
        lambda: services.ticket_evaluate_complaint(ticket_id=pk, by=request.user, data=request.POST),
        _("Die Bewertung als Beanstandung wurde gespeichert."),
    )


@require_http_methods(["POST"])
@role_required(roles.can_work)
def ticket_link(request, pk):
    return on_ticket_page(
        request,
        pk,
        lambda: services.ticket_link(ticket_id=pk, by=request.user, data=request.POST),
        _("Die Vorgänge wurden verknüpft."),
    )


@require_http_methods(["POST"])
@role_required(roles.can_work)
def ticket_link_end(request, pk, link_pk):
    get_object_or_404(TicketLink.objects.filter(Q(ticket_id=pk) | Q(target_id=pk)), pk=link_pk)
    return on_ticket_page(
        request,
        pk,
        lambda: services.ticket_link_end(ticket_id=pk, link_id=link_pk, by=request.user, data=request.POST),
        _("Die Verknüpfung wurde beendet; sie bleibt im Verlauf."),
    )


@require_http_methods(["POST"])
@role_required(roles.can_work)
def ticket_notification(request, pk):
    return on_ticket_page(
        request,
        pk,
        lambda: services.ticket_add_notification(ticket_id=pk, by=request.user, data=request.POST),
        _("Die Kundeninformation wurde gespeichert."),
    )


@require_http_methods(["POST"])
@role_required(roles.can_work)
def ticket_known_solution(request, pk):
    """ "Als bekannte Lösung speichern": a draft, opened for editing."""
    get_object_or_404(Ticket, pk=pk)
    return submit(
        request,
        lambda: services.solution_draft_from_ticket(ticket_id=pk, by=request.user),
        page=lambda **refused: ticket_page(request, pk, **refused),
        done=_("Entwurf angelegt – bitte prüfen und freigeben."),
        to=lambda solution: reverse("solution-edit", args=[solution.pk]),
    )


@require_http_methods(["POST"])
@role_required(roles.can_sign)
def authority_report(request, review_pk):
    review = get_object_or_404(RiskReview, pk=review_pk)
    return on_ticket_page(
        request,
        review.ticket_id,
        lambda: services.authority_report_record(review_id=review.pk, by=request.user, data=request.POST),
        _("Die Meldung an die Behörde ist erfasst; die Frist ist erledigt."),
    )


@require_http_methods(["GET"])
@role_required(roles.can_export)
def ticket_audit_report(request, pk):
    ticket = get_object_or_404(selectors.ticket_for_page(), pk=pk)
    audit_services.audit_export_record(
        by=request.user, request=request, format=AuditExport.Format.TICKET_PDF, ticket=ticket
    )
    response = pdf_response(audit_report.ticket_report_pdf(ticket, by=request.user))
    response["Content-Disposition"] = attachment_name(f"audit-bericht-{ticket.number}", "pdf")
    return response
