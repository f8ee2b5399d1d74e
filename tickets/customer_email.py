"""E-mail to the customer from the ticket page: a draft from the kind's template, edited, then sent."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts import roles
from accounts.decorators import role_required
from supportdesk.errors import InvalidData
from tickets import emails, selectors, services
from tickets.forms import CustomerEmailForm
from tickets.models import NOTIFICATION_REQUIRED_TO_CLOSE, NotificationKind


def report_delivery(request, email) -> None:
    """Say what became of the mail: its delivery was tried as the service committed (R17). The
    mail and its record are saved whatever the mail server said (R14)."""
    email.refresh_from_db(fields=["state", "last_error"])
    recorded = [_("Sie ist als Kundeninformation erfasst.")] if email.notification_id else []
    if email.state == email.State.SENT:
        messages.success(request, " ".join([_("Die E-Mail wurde gesendet."), *recorded]))
    elif email.state == email.State.QUEUED:
        said = _(
            "Die E-Mail liegt im Postausgang: Der Mailserver hat sie noch nicht angenommen; "
            "sie wird automatisch erneut gesendet."
        )
        messages.warning(request, " ".join([said, *recorded]))
    else:
        said = _(
            "Der Mailserver hat die E-Mail abgelehnt (%(error)s); "
            "sie steht im Postausgang als fehlgeschlagen."
        ) % {"error": email.last_error}
        messages.error(request, " ".join([said, *recorded]))


def email_page(request, ticket, form, *, status=200, error=None):
    context = {"ticket": ticket, "form": form, "error": error}
    return render(request, "tickets/customer_email.html", context, status=status)


@require_http_methods(["GET", "POST"])
@role_required(roles.can_work)
def ticket_email(request, pk):
    ticket = get_object_or_404(selectors.ticket_for_page(), pk=pk)
    if request.method == "POST":
        try:
            email = services.ticket_email_customer(ticket_id=ticket.pk, by=request.user, data=request.POST)
        except InvalidData as invalid:
            return email_page(request, ticket, invalid.form, status=400)
        report_delivery(request, email)
        return redirect("ticket-detail", pk=pk)
    kind = request.GET.get("kind") or NOTIFICATION_REQUIRED_TO_CLOSE.get(ticket.state, NotificationKind.OTHER)
    if kind not in NotificationKind.values:
        messages.warning(request, _("Unbekannter Inhalt; der Entwurf ist für „Sonstiges“."))
        kind = NotificationKind.OTHER
    draft = emails.customer_email_draft(ticket=ticket, kind=kind, by=request.user)
    return email_page(request, ticket, CustomerEmailForm(initial=draft))
