"""Customer pages (DESIGN §8): the list with search, and one customer with contacts and tickets."""

from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts import roles
from accounts.decorators import role_required
from customers import selectors, services
from customers.forms import ContactEditForm, ContactForm, CustomerEditForm
from customers.models import Contact, Customer
from supportdesk.forms import version_seen
from supportdesk.pages import CappedPaginator, list_page, submit
from workflow.views import typed_values

PAGE_SIZE = 25
CUSTOMER_IDS = "customer-%s"
CONTACT_IDS = "contact-%s"
CONTACT_EDIT_IDS = "contact-%d-%%s"  # one correction form per contact


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


def contact_edit_form(contact, refused=None):
    """The correction form of one contact: the refused one (with what was typed), or its values."""
    form = refused or ContactEditForm(initial=ContactEditForm.current_values(contact))
    form.auto_id = CONTACT_EDIT_IDS % contact.pk
    return form


def _detail(
    request, customer_id, *, customer_form=None, contact_form=None, edited=None, conflict=None, status=200
):
    """The customer's page; after a refused write, with that form open and everything typed (R14):
    `edited` is (contact id, refused correction form); `conflict` the message of a 409."""
    customer = get_object_or_404(selectors.customer_for_page(), pk=customer_id)
    tickets, more = selectors.latest_tickets(customer)
    contacts = list(customer.contacts.all())
    refused_contact, refused_form = edited or (None, None)
    context = {
        "customer": customer,
        "contacts": contacts,
        "tickets": tickets,
        "more_tickets": more,
        "conflict": conflict,
        "edited_contact": refused_contact,
        "unsaved": typed_values(refused_form) if conflict and refused_form is not None else [],
        "meanwhile": [],
    }
    if roles.can_work(request.user):
        context["customer_form"] = customer_form or CustomerEditForm(instance=customer, auto_id=CUSTOMER_IDS)
        context["contact_form"] = contact_form or ContactForm(auto_id=CONTACT_IDS)
        context["contact_form"].fields.pop("active", None)  # a new contact is always active
        for contact in contacts:
            refused_here = contact.pk == refused_contact
            if refused_here and conflict:  # what the other person saved meanwhile
                context["meanwhile"] = typed_values(contact_edit_form(contact))
            contact.edit_form = contact_edit_form(contact, refused_form if refused_here else None)
            # Bad input keeps the version the form was read at; after a conflict, the current one.
            contact.seen_version = version_seen(request) if refused_here and not conflict else contact.version
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


@require_http_methods(["POST"])
@role_required(roles.can_work)
def contact_edit(request, pk, contact_pk):
    """A correction of one contact, with its reason (R20), from the form it was rendered with."""
    get_object_or_404(Contact, pk=contact_pk, customer_id=pk)
    data = {key: value for key, value in request.POST.items() if key in ContactEditForm.base_fields}
    return submit(
        request,
        lambda: services.contact_update(
            customer_id=pk,
            contact_id=contact_pk,
            by=request.user,
            data=data,
            expected_version=version_seen(request),
        ),
        page=lambda status, invalid=None, conflict=None: _detail(
            request, pk, edited=(contact_pk, invalid), conflict=conflict, status=status
        ),
        done=lambda contact: _("Die Angaben zu „%(name)s“ wurden gespeichert.") % {"name": contact.name},
        to=reverse("customer-detail", args=[pk]),
    )
