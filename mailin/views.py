"""/mail/ (support, management, admin): incoming mails no ticket could be matched to, and malformed
ones, each with its text; "Zu Vorgang hinzufügen" (a ticket number) and "Neuen Vorgang anlegen" (a
customer found with the customer search) through mailin.services. A fixed number of queries."""

from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts import roles
from accounts.decorators import role_required
from customers.selectors import caller_lookup
from mailin import selectors, services
from mailin.forms import CustomerSearchForm, MailAssignForm
from supportdesk.pages import list_page, submit

PAGE_SIZE = 20


def _page(request, *, status=200, mail_id=None, invalid=None, conflict=None):
    context = list_page(request, selectors.waiting_mails(), PAGE_SIZE)
    search = CustomerSearchForm(request.GET)
    chosen = request.GET.get("for", "")
    found = None
    if chosen.isdecimal() and search.is_valid() and search.cleaned_data["q"]:
        found = caller_lookup(search.cleaned_data["q"])[:20]
    for mail in context["page"].object_list:
        mail.assign_form = MailAssignForm(auto_id=f"id_mail{mail.pk}_%s")
        mail.search_form = CustomerSearchForm(
            request.GET if str(mail.pk) == chosen else None, auto_id=f"id_mail{mail.pk}_%s"
        )
        mail.customers = found if str(mail.pk) == chosen else None
        if mail.pk == mail_id and invalid is not None:
            invalid.auto_id = f"id_mail{mail.pk}_%s"
            if "ticket" in invalid.fields:
                mail.assign_form = invalid
            else:
                mail.new_ticket_errors = [e for errors in invalid.errors.values() for e in errors]
    context["conflict"] = conflict
    return render(request, "mailin/mail_list.html", context, status=status)


@require_http_methods(["GET"])
@role_required(roles.can_work)
def mail_list(request):
    return _page(request)


@require_http_methods(["POST"])
@role_required(roles.can_work)
def mail_assign(request, pk):
    get_object_or_404(selectors.all_mails(), pk=pk)
    return submit(
        request,
        lambda: services.mail_assign(email_id=pk, by=request.user, data=request.POST),
        page=lambda **kwargs: _page(request, mail_id=pk, **kwargs),
        done=lambda mail: (
            _("Die E-Mail wurde dem Vorgang %(number)s hinzugefügt.") % {"number": mail.ticket.number}
        ),
        to=lambda mail: reverse("ticket-detail", args=[mail.ticket_id]),
    )


@require_http_methods(["POST"])
@role_required(roles.can_work)
def mail_new_ticket(request, pk):
    get_object_or_404(selectors.all_mails(), pk=pk)
    return submit(
        request,
        lambda: services.mail_open_ticket(email_id=pk, by=request.user, data=request.POST),
        page=lambda **kwargs: _page(request, mail_id=pk, **kwargs),
        done=lambda mail: (
            _("Der Vorgang %(number)s wurde aus der E-Mail angelegt.") % {"number": mail.ticket.number}
        ),
        to=lambda mail: reverse("ticket-detail", args=[mail.ticket_id]),
    )
