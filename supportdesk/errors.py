"""Errors a service raises for a person to read; the API and the pages map them (R14)."""

from django.utils.translation import gettext_lazy as _


class DeletionRefused(Exception):
    """Case data is never hard-deleted (R7): HTTP 405."""

    def __init__(self, model=None):
        super().__init__(
            _("Falldaten werden nie gelöscht (%(what)s). Stattdessen deaktivieren oder abschließen.")
            % {"what": model._meta.verbose_name if model else _("Datensatz")}
        )


class Conflict(Exception):
    """The state of the object forbids the action (R1–R3, R6): HTTP 409. `form`: the refused form,
    unbound, with what the person sent as its initial values, for a page to show again (R14)."""

    def __init__(self, message, form=None):
        super().__init__(message)
        self.message = message
        self.form = form


class InvalidData(Exception):
    """The submitted data failed validation (R4): HTTP 400 with the form's field errors."""

    def __init__(self, form):
        super().__init__(form.errors.as_text())
        self.form = form


STALE = _("Der Vorgang wurde inzwischen von jemand anderem geändert. Bitte neu laden und erneut versuchen.")
