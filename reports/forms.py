import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from reports.periods import MAX_DAYS, Period, default_period
from supportdesk.forms import DateField

DATE_ERRORS = {"invalid": _("Bitte ein Datum im Format JJJJ-MM-TT angeben, z. B. 2026-03-31.")}


class PeriodForm(forms.Form):
    """The reporting period `?from=YYYY-MM-DD&to=YYYY-MM-DD`; either may be left out."""

    def __init__(self, data, *, today: datetime.date):
        super().__init__(data)
        self.today = today
        default = default_period(today)
        widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
        self.fields["from"] = DateField(
            label=_("von"),
            required=False,
            input_formats=["%Y-%m-%d"],
            error_messages=DATE_ERRORS,
            widget=widget,
        )
        self.fields["to"] = DateField(
            label=_("bis"),
            required=False,
            input_formats=["%Y-%m-%d"],
            error_messages=DATE_ERRORS,
            widget=widget,
        )
        self.fields["from"].widget.attrs["placeholder"] = default.first.isoformat()
        self.fields["to"].widget.attrs["placeholder"] = default.last.isoformat()

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        last = data.get("to") or self.today
        first = data.get("from") or default_period(last).first
        if first > last:
            raise ValidationError(_("Der Beginn des Zeitraums liegt nach seinem Ende."), code="reversed")
        if (last - first).days + 1 > MAX_DAYS:
            raise ValidationError(
                _("Der Zeitraum ist zu lang: höchstens %(days)d Tage."),
                params={"days": MAX_DAYS},
                code="too_long",
            )
        data["period"] = Period(first, last)
        return data

    def error_text(self) -> str:
        """All errors in one line (for the CSV download's 400)."""
        messages = [str(message) for errors in self.errors.values() for message in errors]
        return " ".join(messages)
