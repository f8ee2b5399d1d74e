"""The data a known solution and each of its steps needs; shared by the pages, the API and the services."""

from django import forms
from django.utils.translation import gettext_lazy as _

from solutions.models import Category, KnownSolution
from supportdesk.forms import PLEASE_CHOOSE, ChoiceField, LongTextField, ModelChoiceField, TextField
from vendor.models import ProgramRequest


class KnownSolutionForm(forms.Form):
    title = TextField(
        max_length=200, label=_("Titel"), help_text=_("Das Problem in den Worten des Anrufers.")
    )
    symptoms = LongTextField(label=_("Symptome"), help_text=_("Was der Kunde sieht: Meldungen, Fehlercodes."))
    cause = LongTextField(required=False, label=_("Ursache"))
    solution = LongTextField(label=_("Lösung / Workaround (Schritte)"))
    kind = ChoiceField(choices=PLEASE_CHOOSE + KnownSolution.Kind.choices, label=_("Art"))
    category = ChoiceField(choices=PLEASE_CHOOSE + Category.choices, label=_("Art des Problems"))
    affected_versions = TextField(
        max_length=200,
        required=False,
        label=_("betroffene SaniVision-Versionen"),
        help_text=_("z. B. 4.2–4.5"),
    )
    program_request = ModelChoiceField(
        queryset=ProgramRequest.objects.all(),
        required=False,
        label=_("Programmwunsch (bekannter Fehler bis zur Version …)"),
    )
    fixed_in_version = TextField(max_length=50, required=False, label=_("behoben in Version"))

    @classmethod
    def current_values(cls, solution: KnownSolution) -> dict:
        """The solution's values of this form's fields: the edit page's initial data, and what
        a PATCH keeps."""
        return {name: getattr(solution, solution._meta.get_field(name).attname) for name in cls.base_fields}


class PublishForm(forms.Form):
    pass


class RetireForm(forms.Form):
    reason = LongTextField(
        label=_("Grund"), help_text=_("z. B. „durch L-12 ersetzt“ oder „ab Version 5.0 behoben“.")
    )


class ReactivateForm(forms.Form):
    pass


TRANSITION_FORMS = {"publish": PublishForm, "retire": RetireForm, "reactivate": ReactivateForm}
