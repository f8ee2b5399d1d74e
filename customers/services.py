from django.db import transaction

from audit.history import save_audited
from customers.forms import ContactForm, CustomerForm
from customers.models import Contact, Customer
from supportdesk.errors import InvalidData
from tickets.services import require_work_role


def _save(form, *, by, reason, **extra):
    if not form.is_valid():
        raise InvalidData(form)
    with transaction.atomic():
        obj = form.save(commit=False)
        for name, value in extra.items():
            setattr(obj, name, value)
        save_audited(obj, by=by, reason=reason)
    return obj


def customer_create(*, by, data) -> Customer:
    require_work_role(by)
    return _save(CustomerForm({"active": True, **data}), by=by, reason="create")


def customer_update(*, customer_id, by, data) -> Customer:
    require_work_role(by)
    with transaction.atomic():
        # Locked while merged, so two people editing different fields at once both keep theirs.
        customer = Customer.objects.select_for_update(no_key=True).get(pk=customer_id)
        current = {name: getattr(customer, name) for name in CustomerForm._meta.fields}
        return _save(CustomerForm({**current, **data}, instance=customer), by=by, reason="edit")


def contact_create(*, customer_id, by, data) -> Contact:
    require_work_role(by)
    customer = Customer.objects.get(pk=customer_id)
    return _save(ContactForm({"active": True, **data}), by=by, reason="create", customer=customer)
