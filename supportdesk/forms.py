"""Form fields that refuse wrong types instead of coercing them (JSON bodies reach the same forms)."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from supportdesk.errors import InvalidData

# An explicit first entry: the person must choose, nothing is preselected by accident.
PLEASE_CHOOSE = [("", _("– bitte wählen –"))]


def version_seen(request) -> int:
    """The version an edit form was rendered from (its hidden `version`); a missing or garbled one
    counts as stale (R6)."""
    value = request.POST.get("version", "")
    return int(value) if value.isascii() and value.isdigit() and len(value) < 19 else 0


def as_typed(form_class, data, **kwargs):
    """An unbound form showing `data` as typed, for a page refused with a conflict (R14): unbound, so
    nothing is validated again (a signature password would be checked twice); passwords are not
    shown again."""
    values = data.dict() if hasattr(data, "dict") else dict(data or {})
    form = form_class(**kwargs)
    form.initial = {
        name: values[name]
        for name, field in form.fields.items()
        if name in values and not isinstance(field.widget, forms.PasswordInput)
    }
    return form


def validated(form) -> dict:
    """The form's cleaned data; invalid input is refused with the form and its errors (R4, R14)."""
    if not form.is_valid():
        raise InvalidData(form)
    return form.cleaned_data


class StrictMixin:
    def to_python(self, value):
        if isinstance(value, (dict, list)):
            raise ValidationError(_("Ein einzelner Wert wird erwartet."), code="invalid")
        return super().to_python(value)


class TextField(StrictMixin, forms.CharField):
    def to_python(self, value):
        if value is not None and not isinstance(value, str):
            raise ValidationError(_("Text wird erwartet."), code="invalid")
        return super().to_python(value)


class LongTextField(TextField):
    """Descriptions and notes: up to 20,000 characters (DESIGN §7)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 20000)
        kwargs.setdefault("widget", forms.Textarea)
        super().__init__(**kwargs)


class ChoiceField(StrictMixin, forms.ChoiceField):
    pass


class DateField(StrictMixin, forms.DateField):
    def to_python(self, value):
        # A JSON number or boolean is no date (and would crash strptime's value.strip()).
        if isinstance(value, (bool, int, float)):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)


class DateTimeField(StrictMixin, forms.DateTimeField):
    """A moment: ISO 8601 (with an offset, or local time of Europe/Berlin) or the browser's
    datetime-local value."""

    input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%d.%m.%Y %H:%M"]

    def to_python(self, value):
        if isinstance(value, (bool, int, float)):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)


class BooleanField(StrictMixin, forms.NullBooleanField):
    """true/false (also "true"/"false", 1/0); anything else is an error, not a silent True."""

    def __init__(self, *, required=True, **kwargs):
        # An explicit yes/no: a missing answer is an error, never a silent "no".
        self.value_required = required
        kwargs.setdefault("widget", forms.RadioSelect(choices=[("true", _("ja")), ("false", _("nein"))]))
        super().__init__(required=False, **kwargs)

    def to_python(self, value):
        if value in (None, ""):
            return None
        if value in (True, "true", "True", "1", 1, "on"):
            return True
        if value in (False, "false", "False", "0", 0, "off"):
            return False
        raise ValidationError(_("Ja oder nein (true/false) wird erwartet."), code="invalid")

    def validate(self, value):
        if value is None and self.value_required:
            raise ValidationError(self.error_messages["required"], code="required")


class CorrectionReasonField(TextField):
    """Why recorded facts are corrected (R20): one to 500 characters, the history row's reason."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Grund der Korrektur"))
        kwargs.setdefault(
            "help_text",
            _("Steht im Verlauf, z. B. „Tippfehler im Namen“ oder „Kunde nannte falsche Nummer“."),
        )
        super().__init__(max_length=500, **kwargs)


class TickBox(forms.CheckboxInput):
    """A checkbox for a BooleanField that also sends "false" when left unticked (a hidden field
    before it; the last value wins), so "not ticked" on a page differs from "not sent" in the API."""

    def __init__(self, attrs=None):
        super().__init__(attrs, check_test=lambda value: value in (True, "true", "on"))

    def value_from_datadict(self, data, files, name):
        return data.get(name)

    def value_omitted_from_data(self, data, files, name):
        return name not in data

    def render(self, name, value, attrs=None, renderer=None):
        unticked = format_html('<input type="hidden" name="{}" value="false">', name)
        return unticked + super().render(name, value, attrs, renderer)


class ModelChoiceField(StrictMixin, forms.ModelChoiceField):
    def to_python(self, value):
        if isinstance(value, bool):
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(value)
