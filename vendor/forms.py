import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from supportdesk.forms import DateField, LongTextField, TextField

MIN_JUSTIFICATION = 10


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
