"""The data a CAPA proposal and each of its steps needs; shared by the pages and the services."""

import re

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import lockout, roles
from accounts.users import display_name
from capa.models import CapaTicketLink
from supportdesk.forms import BooleanField, DateField, LongTextField, ModelChoiceField, TextField


def ticket_model():
    """The tickets app sits above capa (pyproject.toml layers): its model through the link's FK."""
    return CapaTicketLink._meta.get_field("ticket").related_model


class TicketNumbersField(TextField):
    """Ticket numbers such as "2026-000123, 2026-000124": the tickets, in the order given."""

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", _("Vorgangsnummern, durch Komma oder Leerzeichen getrennt."))
        super().__init__(max_length=2000, required=False, label=_("Vorgänge"), **kwargs)

    def clean(self, value):
        numbers = [
            number for number in dict.fromkeys(re.split(r"[\s,;]+", super().clean(value) or "")) if number
        ]
        found = {ticket.number: ticket for ticket in ticket_model().objects.filter(number__in=numbers)}
        unknown = [number for number in numbers if number not in found]
        if unknown:
            raise ValidationError(
                _("Unbekannte Vorgangsnummer: %(numbers)s") % {"numbers": ", ".join(unknown)}, code="unknown"
            )
        return [found[number] for number in numbers]


class TicketIdsField(forms.Field):
    """The API's `tickets`: a list of ticket ids."""

    default_error_messages = {"invalid": _("Eine Liste von Vorgangs-IDs wird erwartet.")}

    def __init__(self, **kwargs):
        super().__init__(required=False, label=_("Vorgänge"), **kwargs)

    def clean(self, value):
        if value in (None, ""):
            return []
        if not isinstance(value, list) or not all(
            isinstance(pk, int) and not isinstance(pk, bool) for pk in value
        ):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        ids = list(dict.fromkeys(value))
        # An id no bigint can hold names no ticket (and the database would refuse the lookup).
        found = ticket_model().objects.in_bulk([pk for pk in ids if 0 < pk < 2**63])
        unknown = [str(pk) for pk in ids if pk not in found]
        if unknown:
            raise ValidationError(
                _("Unbekannter Vorgang: %(ids)s") % {"ids": ", ".join(unknown)}, code="unknown"
            )
        return [found[pk] for pk in ids]


class CapaCreateForm(forms.Form):
    title = TextField(max_length=200, label=_("Titel"))
    what = LongTextField(label=_("Was soll verbessert werden?"))
    why = LongTextField(label=_("Warum? (Anlass, beobachtetes Problem)"))
    tickets = TicketNumbersField()


class CapaCreateApiForm(CapaCreateForm):
    """POST /api/v1/capa/: `tickets` as a list of ticket ids."""

    tickets = TicketIdsField()


class StepForm(forms.Form):
    """Every step's form gets the acting user and the request (for a signature's password, R18)."""

    def __init__(self, data=None, *, user=None, request=None, **kwargs):
        self.user, self.request = user, request
        super().__init__(data, **kwargs)


class SignedStepForm(StepForm):
    """A decision of management: signed by re-entering the password (R22, as the risk review R12)."""

    password = TextField(widget=forms.PasswordInput, label=_("Ihr Passwort (Unterschrift)"), strip=False)

    def clean_password(self):
        # Through authenticate(): a wrong password counts for the lock-out and is recorded (R18).
        wrong = _("Das Passwort ist falsch; die Entscheidung wurde nicht unterschrieben.")
        lockout.confirm_password(self.request, self.user, self.cleaned_data["password"], wrong=wrong)
        return ""


class OwnerField(ModelChoiceField):
    def label_from_instance(self, user):
        return display_name(user)


def possible_owners():
    """Active people with a role (usually a process manager), by name."""
    people = Q(groups__name__in=roles.ROLES) | Q(is_superuser=True)
    ids = get_user_model().objects.filter(people, is_active=True).values("pk")
    return get_user_model().objects.filter(pk__in=ids).order_by("last_name", "first_name", "username")


class AcceptForm(SignedStepForm):
    owner = OwnerField(
        queryset=get_user_model().objects.none(),
        label=_("Verantwortlich für die Umsetzung"),
        help_text=_("In der Regel der Prozessmanager."),
    )
    due_date = DateField(label=_("Umzusetzen bis"))
    comment = LongTextField(required=False, label=_("Kommentar (z. B. Beschluss der Qualitätsbesprechung)"))

    field_order = ["owner", "due_date", "comment", "password"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = possible_owners()

    def clean_due_date(self):
        due = self.cleaned_data["due_date"]
        if due < timezone.localdate():
            raise ValidationError(_("Das Datum darf nicht in der Vergangenheit liegen."), code="past")
        return due


class RejectForm(SignedStepForm):
    reason = LongTextField(label=_("Grund der Ablehnung"))

    field_order = ["reason", "password"]

    def clean_reason(self):
        reason = self.cleaned_data["reason"]
        if len("".join(reason.split())) < 10:
            raise ValidationError(_("Begründen Sie die Ablehnung mit mindestens 10 Zeichen."), code="short")
        return reason


class ImplementForm(StepForm):
    implementation = LongTextField(label=_("Was wurde umgesetzt?"))


class CheckEffectivenessForm(StepForm):
    effective = BooleanField(label=_("Ist die Maßnahme wirksam?"))
    result = LongTextField(label=_("Ergebnis der Wirksamkeitsprüfung"))


TRANSITION_FORMS = {
    "accept": AcceptForm,
    "reject": RejectForm,
    "implement": ImplementForm,
    "check_effectiveness": CheckEffectivenessForm,
}
