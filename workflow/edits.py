"""The one way the recorded facts of a versioned record are corrected (R6, R9)."""

from django.db import transaction

from audit import reasons
from audit.history import save_audited
from supportdesk.errors import Conflict
from supportdesk.forms import as_typed, validated


def correct(model, pk, *, form, by, data, reason: str, stale: str, expected_version=None, **form_kwargs):
    """Lock the row; refuse with 409 (`stale`) when the change is based on an older version; take
    the fields not sent from the row as it is (`form.current_values`), validate, save with a history
    row. A form with a `reason` field states the correction's reason (R20): it becomes the history
    row's reason, with `reason` as its code. Returns the row as saved."""
    with transaction.atomic():
        instance = model.objects.select_for_update().get(pk=pk)
        kwargs = {k: v(instance) for k, v in form_kwargs.items()}
        current = form.current_values(instance)
        if expected_version is not None and expected_version != instance.version:
            raise Conflict(stale, form=as_typed(form, {**current, **data}, **kwargs))
        fields = dict(validated(form({**current, **data}, **kwargs)))
        stated = fields.pop("reason", None)
        for name, value in fields.items():
            setattr(instance, name, value)
        save_audited(instance, by=by, reason=reasons.correction(stated) if stated else reason)
    return instance
