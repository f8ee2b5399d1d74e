"""Work queues (DESIGN §8): the follow-up queue (Wiedervorlage) and management's risk reviews."""

import csv

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts import roles
from accounts.decorators import role_required
from audit.exports import cell, local
from supportdesk.errors import Conflict, InvalidData
from tickets import services
from tickets.forms import RiskReviewSignForm
from tickets.models import RiskReview, Ticket
from tickets.selectors import user_name

PAGE_SIZE = 50
SIGNED_PAGE_SIZE = 25


@require_http_methods(["GET"])
@role_required(roles.can_work)
def follow_ups(request):
    today = timezone.localdate()
    due = (
        Ticket.objects.follow_up_due(today)
        .select_related("customer", "program_request", "assignee")
        .order_by("follow_up_date", "created_at", "pk")
    )
    page = Paginator(due, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "tickets/follow_ups.html", {"page": page, "today": today, "query": ""})


def sign_forms(pending, *, user, failed=None):
    """(review, form) per pending review, oldest first. The service signs a ticket's oldest pending
    review first, so only that one gets a form; `failed` is (ticket id, the form with its errors)."""
    rows, seen = [], set()
    for review in pending:
        form = None
        if review.ticket_id not in seen:
            form = failed[1] if failed and failed[0] == review.ticket_id else RiskReviewSignForm(user=user)
            form.auto_id = f"review-{review.pk}-%s"
        seen.add(review.ticket_id)
        rows.append((review, form))
    return rows


def _risk_review_page(request, *, failed=None, status=200):
    pending = (
        RiskReview.objects.filter(state=RiskReview.State.PENDING)
        .select_related("ticket__customer", "requested_by")
        .order_by("created_at", "pk")
    )
    signed = (
        RiskReview.objects.filter(state=RiskReview.State.SIGNED)
        .select_related("ticket", "reviewer")
        .order_by("-signed_at", "-pk")
    )
    context = {
        "rows": sign_forms(pending, user=request.user, failed=failed),
        "page": Paginator(signed, SIGNED_PAGE_SIZE).get_page(request.GET.get("page")),
        "meaning": RiskReview.MEANING,
        "query": "",
    }
    return render(request, "tickets/risk_reviews.html", context, status=status)


@require_http_methods(["GET"])
@role_required(roles.can_sign)
def risk_reviews(request):
    return _risk_review_page(request)


@require_http_methods(["POST"])
@role_required(roles.can_sign)
def risk_review_sign(request, ticket_pk):
    ticket = get_object_or_404(Ticket, pk=ticket_pk)
    try:
        services.risk_review_sign(ticket_id=ticket.pk, by=request.user, data=request.POST.dict())
    except InvalidData as error:
        return _risk_review_page(request, failed=(ticket.pk, error.form), status=400)
    except Conflict as error:
        messages.error(request, error.message)
        return _risk_review_page(request, status=409)
    messages.success(
        request, _("Die Bewertung zu Vorgang %(number)s ist unterschrieben.") % {"number": ticket.number}
    )
    return redirect("risk-reviews")


@require_http_methods(["GET"])
@role_required(roles.can_export)
def signed_reviews_csv(request):
    """Every signed risk review with its signature, for the management review and the auditor."""
    reviews = (
        RiskReview.objects.filter(state=RiskReview.State.SIGNED)
        .select_related("ticket__customer", "requested_by")
        .order_by("signed_at", "pk")
    )
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="risikobewertungen.csv"'
    response.write("\ufeff")  # byte-order mark: spreadsheet programs then read UTF-8
    writer = csv.writer(response, delimiter=";")
    writer.writerow(
        [
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
    )
    for review in reviews.iterator(chunk_size=500):
        writer.writerow(
            cell(value)
            for value in [
                review.ticket.number,
                review.ticket.customer.name,
                review.risk_description,
                local(review.created_at),
                user_name(review.requested_by),
                review.signer_name,
                local(review.signed_at),
                review.meaning,
                review.get_decision_display(),
                review.get_report_category_display(),
                review.comment,
            ]
        )
    return response
