"""Customer pages (DESIGN §8): the list with search, and one customer with contacts and tickets."""

from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts import roles
from accounts.decorators import role_required
from customers import selectors, services
from customers.forms import ContactForm, CustomerEditForm
from customers.models import Customer
from supportdesk.pages import CappedPaginator, list_page, submit

PAGE_SIZE = 25
CUSTOMER_IDS = "customer-%s"
CONTACT_IDS = "contact-%s"


def ids(form, auto_id: str):
    """The form of a refused write, with the ids the page gives it."""
    form.auto_id = auto_id
    return form


@require_http_methods(["GET"])
@role_required(roles.can_read)
def customer_list(request):
    filters, customers = selectors.customer_list(request.GET)
    context = {"filters": filters, **list_page(request, customers, PAGE_SIZE, paginator=CappedPaginator)}
    return render(request, "customers/customer_list.html", context)


def _detail(request, customer_id, *, customer_form=None, contact_form=None, status=200):
    customer = get_object_or_404(selectors.customer_for_page(), pk=customer_id)
    tickets, more = selectors.latest_tickets(customer)
    context = {"customer": customer, "tickets": tickets, "more_tickets": more}
    if roles.can_work(request.user):
        context["customer_form"] = customer_form or CustomerEditForm(instance=customer, auto_id=CUSTOMER_IDS)
        context["contact_form"] = contact_form or ContactForm(auto_id=CONTACT_IDS)
        context["contact_form"].fields.pop("active", None)  # a new contact is always active
    return render(request, "customers/customer_detail.html", context, status=status)


@require_http_methods(["GET"])
@role_required(roles.can_read)
def customer_detail(request, pk):
    return _detail(request, pk)


@require_http_methods(["POST"])
@role_required(roles.can_work)
def customer_edit(request, pk):
    get_object_or_404(Customer, pk=pk)
    # An unticked checkbox is not sent at all; here it means "inactive", not "unchanged".
    data = {**request.POST.dict(), "active": "active" in request.POST}
    return submit(
        request,
        lambda: services.customer_update(customer_id=pk, by=request.user, data=data),
        page=lambda status, invalid: _detail(
            request, pk, customer_form=ids(invalid, CUSTOMER_IDS), status=status
        ),
        done=_("Die Kundendaten wurden gespeichert."),
        to=reverse("customer-detail", args=[pk]),
    )


@require_http_methods(["POST"])
@role_required(roles.can_work)
def contact_add(request, pk):
    get_object_or_404(Customer, pk=pk)
    data = {**request.POST.dict(), "active": True}
    return submit(
        request,
        lambda: services.contact_create(customer_id=pk, by=request.user, data=data),
        page=lambda status, invalid: _detail(
            request, pk, contact_form=ids(invalid, CONTACT_IDS), status=status
        ),
        done=lambda contact: _("Ansprechpartner „%(name)s“ wurde angelegt.") % {"name": contact.name},
        to=reverse("customer-detail", args=[pk]),
    )
