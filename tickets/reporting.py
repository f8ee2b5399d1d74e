"""Reportable risk events (EU MDR Art. 87): the deadline counted from the call, and its countdown."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from accounts import roles
from accounts.decorators import role_required
from supportdesk.errors import Conflict, InvalidData
from tickets import services
from tickets.forms import AuthorityReportForm
from tickets.models import RiskReview


def countdown(deadline, *, now=None) -> dict:
    """Days left until the deadline (calendar days, Europe/Berlin), or how long it is overdue."""
    now = now or timezone.now()
    days = (timezone.localdate(deadline) - timezone.localdate(now)).days
    overdue = now > deadline
    if overdue:
        late = max(-days, 0)
        label = (
            ngettext("seit %(days)d Tag überfällig", "seit %(days)d Tagen überfällig", late) % {"days": late}
            if late
            else _("heute überfällig")
        )
    elif days == 0:
        label = _("heute fällig")
    else:
        label = ngettext("noch %(days)d Tag", "noch %(days)d Tage", days) % {"days": days}
    return {"deadline": deadline, "days_left": days, "overdue": overdue, "label": label}


def open_reports():
    """Signed reviews decided report_to_authority without a recorded report: the dashboard's countdown."""
    return (
        RiskReview.objects.filter(
            state=RiskReview.State.SIGNED,
            decision=RiskReview.Decision.REPORT_TO_AUTHORITY,
            authority_report__isnull=True,
        )
        .select_related("ticket__customer")
        .order_by("ticket__created_at", "pk")
    )


def with_countdown(reviews, *, now=None) -> list[dict]:
    rows = [{"review": review, **countdown(review.report_deadline, now=now)} for review in reviews]
    return sorted(rows, key=lambda row: row["deadline"])


def ticket_reports(ticket, user, *, failed=None) -> list[dict]:
    """The ticket's reportable reviews: deadline, countdown until reported, the form for management."""
    reviews = ticket.risk_reviews.filter(decision=RiskReview.Decision.REPORT_TO_AUTHORITY).select_related(
        "authority_report__created_by"
    )
    rows = []
    for review in reviews:
        review.ticket = ticket  # the deadline counts from the ticket's call; no query for it
        report = getattr(review, "authority_report", None)
        row = {"review": review, "report": report, "deadline": review.report_deadline}
        if report is None:
            row |= countdown(review.report_deadline)
            if roles.can_sign(user):
                form = failed[1] if failed and failed[0] == review.pk else AuthorityReportForm()
                form.auto_id = f"id_report_{review.pk}_%s"
                form.fields["reported_on"].widget.input_type = "date"
                row["form"] = form
        rows.append(row)
    return rows


@role_required(roles.can_sign)
@require_http_methods(["POST"])
def authority_report(request, review_pk):
    from tickets.views import ticket_page

    review = get_object_or_404(RiskReview, pk=review_pk)
    try:
        services.authority_report_record(review_id=review.pk, by=request.user, data=request.POST)
    except InvalidData as invalid:
        return ticket_page(request, review.ticket_id, status=400, failed_report=(review.pk, invalid.form))
    except Conflict as conflict:
        return ticket_page(request, review.ticket_id, status=409, conflict=conflict.message)
    messages.success(request, _("Die Meldung an die Behörde ist erfasst; die Frist ist erledigt."))
    return redirect("ticket-detail", pk=review.ticket_id)
