"""/outbox/ (management, admin): every e-mail the system sends, waiting, sent or failed (R17)."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts import roles
from accounts.decorators import role_required
from outbox import selectors, services
from supportdesk.errors import Conflict
from supportdesk.pages import CappedPaginator, list_page

PAGE_SIZE = 50


@require_http_methods(["GET"])
@role_required(roles.can_read_outbox)
def outbox_list(request):
    filters, emails = selectors.outbox_list(request.GET)
    context = {
        "filters": filters,
        "counts": selectors.outbox_counts(),
        **list_page(request, emails, PAGE_SIZE, paginator=CappedPaginator),
    }
    return render(request, "outbox/outbox_list.html", context, status=200 if filters.is_valid() else 400)


@require_http_methods(["POST"])
@role_required(roles.can_read_outbox)
def outbox_retry(request, pk):
    """ "Jetzt erneut versuchen" for a failed mail."""
    get_object_or_404(selectors.outbox_rows(), pk=pk)
    try:
        email = services.outbox_retry(email_id=pk, by=request.user)
    except Conflict as conflict:
        messages.error(request, conflict.message)
    else:
        email.refresh_from_db(fields=["state"])
        if email.state == email.State.SENT:
            messages.success(request, _("Die E-Mail wurde gesendet."))
        else:
            messages.warning(
                request, _("Die E-Mail wurde wieder nicht angenommen; siehe den letzten Fehler.")
            )
    return redirect("outbox")
