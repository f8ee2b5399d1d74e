from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accounts import roles
from audit import reasons
from audit.history import save_audited
from customers.forms import ContactEditForm, ContactForm, CustomerEditForm, CustomerForm
from customers.models import Contact, Customer
from supportdesk.forms import validated
from workflow.edits import correct

READ_ONLY = _("Ihre Rolle darf Vorgänge nur lesen.")
CONTACT_STALE = _(
    "Der Ansprechpartner wurde inzwischen von jemand anderem geändert. "
    "Bitte die neuen Angaben prüfen und erneut speichern."
)


def _save(form, *, by, reason, **extra):
    validated(form)
    with transaction.atomic():
        obj = form.save(commit=False)
        for name, value in extra.items():
            setattr(obj, name, value)
        save_audited(obj, by=by, reason=reason)
    return obj


def customer_create(*, by, data) -> Customer:
    roles.require(roles.can_work, by, READ_ONLY)
    return _save(CustomerForm({"active": True, **data}), by=by, reason="create")


def customer_update(*, customer_id, by, data) -> Customer:
    roles.require(roles.can_work, by, READ_ONLY)
    with transaction.atomic():
        # Locked while merged, so two people editing different fields at once both keep theirs.
        customer = Customer.objects.select_for_update(no_key=True).get(pk=customer_id)
        current = {name: getattr(customer, name) for name in CustomerForm._meta.fields}
        form = CustomerEditForm({**current, **data}, instance=customer)
        stated = validated(form)["reason"]
        return _save(form, by=by, reason=reasons.correction(stated))


def contact_create(*, customer_id, by, data) -> Contact:
    roles.require(roles.can_work, by, READ_ONLY)
    customer = Customer.objects.get(pk=customer_id)
    return _save(ContactForm({"active": True, **data}), by=by, reason="create", customer=customer)


def contact_update(*, customer_id, contact_id, by, data, expected_version=None) -> Contact:
    """Correct a contact of the customer, with its reason (R20); refused with 409 when based on an
    old version (R6). A contact of another customer is not found."""
    roles.require(roles.can_work, by, READ_ONLY)
    Contact.objects.filter(customer_id=customer_id).only("pk").get(pk=contact_id)
    return correct(
        Contact,
        contact_id,
        form=ContactEditForm,
        by=by,
        data=data,
        reason=reasons.CORRECTION,
        stale=CONTACT_STALE,
        expected_version=expected_version,
    )
