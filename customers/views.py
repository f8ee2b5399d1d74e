"""Customer pages (DESIGN §8): the list with search, and one customer with contacts and tickets."""

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from accounts import roles
from accounts.decorators import role_required
from customers import selectors, services
from customers.forms import ContactForm, CustomerForm
from customers.models import Contact, Customer
from supportdesk.errors import InvalidData
from tickets.models import Ticket

PAGE_SIZE = 25
TICKETS_SHOWN = 50
CUSTOMER_IDS = "customer-%s"
CONTACT_IDS = "contact-%s"


class CustomerFilterForm(forms.Form):
    q = forms.CharField(
        required=False,
        max_length=200,
        label=gettext_lazy("Suche"),
        help_text=gettext_lazy("Name, Kundennummer, Ort, Ansprechpartner oder Telefonnummer"),
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    active = forms.ChoiceField(
        required=False,
        label=gettext_lazy("Status"),
        choices=[("", gettext_lazy("alle")), ("1", gettext_lazy("aktiv")), ("0", gettext_lazy("inaktiv"))],
    )

    def filter(self, queryset):
        if not self.is_valid():
            return queryset.none()
        if text := self.cleaned_data["q"].strip():
            everyone = Customer.objects.all()
            queryset = queryset.filter(
                Q(pk__in=selectors.matching_text(everyone, text).values("pk"))
                | Q(pk__in=selectors.matching_phone(everyone, text).values("pk"))
            )
        if self.cleaned_data["active"]:
            queryset = queryset.filter(active=self.cleaned_data["active"] == "1")
        return queryset


@require_http_methods(["GET"])
@role_required(roles.can_read)
def customer_list(request):
    filters = CustomerFilterForm(request.GET)
    customers = filters.filter(Customer.objects.annotate(ticket_count=Count("tickets"))).order_by(
        "name", "pk"
    )
    page = Paginator(customers, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "customers/customer_list.html",
        {"filters": filters, "page": page, "query": query.urlencode()},
    )


def _detail(request, customer_id, *, customer_form=None, contact_form=None, status=200):
    customer = get_object_or_404(
        Customer.objects.prefetch_related(
            Prefetch("contacts", queryset=Contact.objects.order_by("-active", "name", "pk"))
        ),
        pk=customer_id,
    )
    tickets = list(
        Ticket.objects.filter(customer=customer).only("number", "summary", "state", "created_at")[
            : TICKETS_SHOWN + 1
        ]
    )
    context = {
        "customer": customer,
        "tickets": tickets[:TICKETS_SHOWN],
        "more_tickets": len(tickets) > TICKETS_SHOWN,
    }
    if roles.can_work(request.user):
        context["customer_form"] = customer_form or CustomerForm(instance=customer, auto_id=CUSTOMER_IDS)
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
    try:
        services.customer_update(customer_id=pk, by=request.user, data=data)
    except InvalidData as error:
        error.form.auto_id = CUSTOMER_IDS
        return _detail(request, pk, customer_form=error.form, status=400)
    messages.success(request, _("Die Kundendaten wurden gespeichert."))
    return redirect("customer-detail", pk=pk)


@require_http_methods(["POST"])
@role_required(roles.can_work)
def contact_add(request, pk):
    get_object_or_404(Customer, pk=pk)
    data = {**request.POST.dict(), "active": True}
    try:
        contact = services.contact_create(customer_id=pk, by=request.user, data=data)
    except InvalidData as error:
        error.form.auto_id = CONTACT_IDS
        return _detail(request, pk, contact_form=error.form, status=400)
    messages.success(request, _("Ansprechpartner „%(name)s“ wurde angelegt.") % {"name": contact.name})
    return redirect("customer-detail", pk=pk)
