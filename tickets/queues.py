"""Work queues (DESIGN §8): the follow-up queue (Wiedervorlage) and management's risk reviews."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts import roles
from accounts.decorators import role_required
from accounts.users import display_name
from audit.exports import local
from supportdesk.pages import CappedPaginator, submit
from supportdesk.spreadsheets import cell, csv_response
from tickets import selectors, services
from tickets.forms import RiskReviewSignForm
from tickets.models import RiskReview, Ticket

PAGE_SIZE = 50
SIGNED_PAGE_SIZE = 25


@require_http_methods(["GET"])
@role_required(roles.can_work)
def follow_ups(request):
    today = timezone.localdate()
    due = selectors.follow_ups_due().select_related("customer", "program_request", "assignee")
    page = CappedPaginator(due, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "tickets/follow_ups.html", {"page": page, "today": today, "query": ""})


def sign_forms(pending, *, user, invalid=None, ticket_id=None):
    """(review, form) per pending review, oldest first. The service signs a ticket's oldest pending
    review first, so only that one gets a form; `invalid`: the refused form of ticket `ticket_id`."""
    rows, seen = [], set()
    for review in pending:
        form = None
        if review.ticket_id not in seen:
            refused = invalid is not None and review.ticket_id == ticket_id
            form = invalid if refused else RiskReviewSignForm(user=user)
            form.auto_id = f"review-{review.pk}-%s"
        seen.add(review.ticket_id)
        rows.append((review, form))
    return rows


def risk_review_page(request, *, status=200, invalid=None, conflict=None, ticket_id=None):
    if conflict:
        messages.error(request, conflict)
    pending = selectors.pending_risk_reviews().select_related("ticket__customer", "requested_by")
    signed = (
        selectors.signed_risk_reviews().select_related("ticket", "reviewer").order_by("-signed_at", "-pk")
    )
    context = {
        "rows": sign_forms(pending, user=request.user, invalid=invalid, ticket_id=ticket_id),
        "page": Paginator(signed, SIGNED_PAGE_SIZE).get_page(request.GET.get("page")),
        "meaning": RiskReview.MEANING,
        "query": "",
    }
    return render(request, "tickets/risk_reviews.html", context, status=status)


@require_http_methods(["GET"])
@role_required(roles.can_sign)
def risk_reviews(request):
    return risk_review_page(request)


@require_http_methods(["POST"])
@role_required(roles.can_sign)
def risk_review_sign(request, ticket_pk):
    ticket = get_object_or_404(Ticket, pk=ticket_pk)
    return submit(
        request,
        lambda: services.risk_review_sign(
            ticket_id=ticket.pk, by=request.user, data=request.POST.dict(), request=request
        ),
        page=lambda **refused: risk_review_page(request, ticket_id=ticket.pk, **refused),
        done=_("Die Bewertung zu Vorgang %(number)s ist unterschrieben.") % {"number": ticket.number},
        to=reverse("risk-reviews"),
    )


@require_http_methods(["GET"])
@role_required(roles.can_export)
def signed_reviews_csv(request):
    """Every signed risk review with its signature, for the management review and the auditor."""
    reviews = (
        selectors.signed_risk_reviews()
        .select_related("ticket__customer", "requested_by")
        .order_by("signed_at", "pk")
    )
    header = [
        _("Vorgang"),
        _("Kunde"),
        _("gemeldetes Risiko"),
        _("angefordert"),
        _("angefordert von"),
        _("unterschrieben von"),
        _("unterschrieben am"),
        _("Bedeutung der Unterschrift"),
        _("Entscheidung"),
        _("Meldekategorie"),
        _("Kommentar"),
    ]
    rows = (
        [
            cell(value)
            for value in [
                review.ticket.number,
                review.ticket.customer.name,
                review.risk_description,
                local(review.created_at),
                display_name(review.requested_by),
                review.signer_name,
                local(review.signed_at),
                review.meaning,
                review.get_decision_display(),
                review.get_report_category_display(),
                review.comment,
            ]
        ]
        for review in reviews.iterator(chunk_size=500)
    )
    return csv_response([header, *rows], filename="risikobewertungen.csv")
