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


def email_page(request, ticket, form, *, status=200, error=None):
    context = {"ticket": ticket, "form": form, "error": error}
    return render(request, "tickets/customer_email.html", context, status=status)


@require_http_methods(["GET", "POST"])
@role_required(roles.can_work)
def ticket_email(request, pk):
    ticket = get_object_or_404(selectors.ticket_for_page(), pk=pk)
    if request.method == "POST":
        try:
            services.ticket_email_customer(ticket_id=ticket.pk, by=request.user, data=request.POST)
        except InvalidData as invalid:
            return email_page(request, ticket, invalid.form, status=400)
        except services.EmailNotSent as failure:
            return email_page(
                request, ticket, CustomerEmailForm(request.POST), status=503, error=str(failure)
            )
        messages.success(request, _("Die E-Mail wurde gesendet und als Kundeninformation erfasst."))
        return redirect("ticket-detail", pk=pk)
    kind = request.GET.get("kind") or NOTIFICATION_REQUIRED_TO_CLOSE.get(ticket.state, NotificationKind.OTHER)
    if kind not in NotificationKind.values:
        messages.warning(request, _("Unbekannter Inhalt; der Entwurf ist für „Sonstiges“."))
        kind = NotificationKind.OTHER
    draft = emails.customer_email_draft(ticket=ticket, kind=kind, by=request.user)
    return email_page(request, ticket, CustomerEmailForm(initial=draft))
