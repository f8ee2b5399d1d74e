import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from supportdesk.forms import ChoiceField, CorrectionReasonField, DateField, LongTextField, TextField
from vendor.models import ProgramRequest, VendorContact

MIN_JUSTIFICATION = 10


class VendorContactForm(forms.Form):
    """A contact with SIC recorded on its own (not a step of the work instruction): our inquiry,
    a report SIC made unprompted, anything else. It never moves the follow-up date."""

    RECORDABLE = [VendorContact.Kind.INQUIRY, VendorContact.Kind.VENDOR_REPORT, VendorContact.Kind.OTHER]

    kind = ChoiceField(choices=[(kind.value, kind.label) for kind in RECORDABLE], label=_("Art"))
    channel = ChoiceField(choices=VendorContact.Channel.choices, label=_("Weg"))
    vendor_person = TextField(max_length=200, required=False, label=_("Ansprechpartner bei SIC"))
    summary = LongTextField(label=_("Inhalt"))
    vendor_reference = TextField(max_length=100, required=False, label=_("Referenz bei SIC"))
    outcome = LongTextField(required=False, label=_("Ergebnis"))


class RejectForm(forms.Form):
    justification = LongTextField(label=_("Begründung von SIC"))

    def clean_justification(self):
        value = self.cleaned_data["justification"]
        if len(re.sub(r"\s", "", value)) < MIN_JUSTIFICATION:
            raise ValidationError(
                _("Die Begründung muss mindestens %(min)d Zeichen (ohne Leerzeichen) haben."),
                params={"min": MIN_JUSTIFICATION},
                code="too_short",
            )
        return value


class RealizeForm(forms.Form):
    release = TextField(label=_("Version"), max_length=50)
    realized_on = DateField(label=_("realisiert am"), required=False)

    def clean_realized_on(self):
        return self.cleaned_data["realized_on"] or timezone.localdate()


class ProgramRequestPlanForm(forms.Form):
    """A correction of what SIC plans for a program request (R20): the release and its date, as SIC
    now says; the reason is the history row's reason. Only while SIC has not decided."""

    planned_release = TextField(max_length=50, required=False, label=_("geplante Version"))
    planned_date = DateField(required=False, label=_("geplant für"))
    reason = CorrectionReasonField()

    def __init__(self, data=None, *, program_request: ProgramRequest, **kwargs):
        self.program_request = program_request
        super().__init__(data, **kwargs)

    @classmethod
    def current_values(cls, program_request) -> dict:
        """The request's plan: the page's initial data, and what a PATCH keeps for a field it does
        not send."""
        return {name: getattr(program_request, name) for name in ("planned_release", "planned_date")}

    def clean_planned_date(self):
        planned = self.cleaned_data["planned_date"]
        filed = timezone.localdate(self.program_request.created_at)
        if planned is not None and planned < filed:
            raise ValidationError(
                _("Das geplante Datum kann nicht vor der Erfassung des Programmwunsches (%(day)s) liegen."),
                params={"day": filed.strftime("%d.%m.%Y")},
                code="before_filed",
            )
        return planned
