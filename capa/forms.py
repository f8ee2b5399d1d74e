"""The data a CAPA proposal and each of its steps needs; shared by the pages and the services."""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from supportdesk.forms import BooleanField, LongTextField, TextField
from tickets.models import Ticket


class TicketNumbersField(TextField):
    """Ticket numbers such as "2026-000123, 2026-000124": the tickets, in the order given."""

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", _("Vorgangsnummern, durch Komma oder Leerzeichen getrennt."))
        super().__init__(max_length=2000, required=False, label=_("Vorgänge"), **kwargs)

    def clean(self, value):
        numbers = [
            number for number in dict.fromkeys(re.split(r"[\s,;]+", super().clean(value) or "")) if number
        ]
        found = {ticket.number: ticket for ticket in Ticket.objects.filter(number__in=numbers)}
        unknown = [number for number in numbers if number not in found]
        if unknown:
            raise ValidationError(
                _("Unbekannte Vorgangsnummer: %(numbers)s") % {"numbers": ", ".join(unknown)}, code="unknown"
            )
        return [found[number] for number in numbers]


class CapaCreateForm(forms.Form):
    title = TextField(max_length=200, label=_("Titel"))
    what = LongTextField(label=_("Was soll verbessert werden?"))
    why = LongTextField(label=_("Warum? (Anlass, beobachtetes Problem)"))
    tickets = TicketNumbersField()


class RejectForm(forms.Form):
    reason = LongTextField(label=_("Grund der Ablehnung"))

    def clean_reason(self):
        reason = self.cleaned_data["reason"]
        if len("".join(reason.split())) < 10:
            raise ValidationError(_("Begründen Sie die Ablehnung mit mindestens 10 Zeichen."), code="short")
        return reason


class AcceptForm(forms.Form):
    comment = LongTextField(required=False, label=_("Kommentar (z. B. Beschluss der Qualitätsbesprechung)"))


class ImplementForm(forms.Form):
    implementation = LongTextField(label=_("Was wurde umgesetzt?"))


class CheckEffectivenessForm(forms.Form):
    effective = BooleanField(label=_("Ist die Maßnahme wirksam?"))
    result = LongTextField(label=_("Ergebnis der Wirksamkeitsprüfung"))


TRANSITION_FORMS = {
    "accept": AcceptForm,
    "reject": RejectForm,
    "implement": ImplementForm,
    "check_effectiveness": CheckEffectivenessForm,
}
