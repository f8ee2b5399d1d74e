"""The data each ticket action needs (DESIGN §4, R4), shared by the pages and the API."""

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import lockout
from customers.models import Contact, Customer
from solutions.models import Category, KnownSolution
from supportdesk import workdays
from supportdesk.forms import (
    PLEASE_CHOOSE,
    BooleanField,
    ChoiceField,
    CorrectionReasonField,
    DateField,
    LongTextField,
    ModelChoiceField,
    TextField,
    TickBox,
)
from tickets.models import (
    CallNote,
    Channel,
    NotificationKind,
    ReportCategory,
    ResolutionKind,
    RiskReview,
    State,
)
from vendor.forms import RealizeForm, RejectForm
from vendor.models import ProgramRequest


class SummaryField(TextField):
    def __init__(self, **kwargs):
        super().__init__(max_length=200, label=_("Betreff"), **kwargs)

    def validate(self, value):
        super().validate(value)
        if "\n" in value or "\r" in value:
            raise ValidationError(_("Der Betreff ist eine einzige Zeile."), code="multiline")


class TicketCreateForm(forms.Form):
    customer = ModelChoiceField(queryset=Customer.objects.filter(active=True), label=_("Kunde"))
    contact = ModelChoiceField(
        queryset=Contact.objects.filter(active=True), required=False, label=_("Ansprechpartner")
    )
    caller_name = TextField(max_length=200, label=_("Anrufer"))
    caller_phone = TextField(max_length=40, required=False, label=_("Rückrufnummer"))
    summary = SummaryField()
    description = LongTextField(label=_("Problembeschreibung"))

    def clean(self):
        data = super().clean()
        contact, customer = data.get("contact"), data.get("customer")
        if contact and customer and contact.customer_id != customer.pk:
            self.add_error("contact", _("Dieser Ansprechpartner gehört nicht zu dem gewählten Kunden."))
        return data


class TicketEditForm(TicketCreateForm):
    """Facts of the call that may be corrected later; the customer stays fixed."""

    customer = None
    assignee = ModelChoiceField(
        queryset=get_user_model().objects.filter(is_active=True), required=False, label=_("zuständig")
    )
    reason = CorrectionReasonField()

    def __init__(self, data=None, *, ticket, **kwargs):
        self.ticket = ticket
        super().__init__(data, **kwargs)

    @classmethod
    def current_values(cls, ticket) -> dict:
        """The ticket's values of this form's fields: the page's initial data, and what a partial
        edit (PATCH) keeps for the fields it does not send."""
        return {
            name: getattr(ticket, ticket._meta.get_field(name).attname)
            for name in cls.base_fields
            if name != "reason"  # stated anew for every correction (R20)
        }

    def clean(self):
        data = forms.Form.clean(self)
        contact = data.get("contact")
        if contact and contact.customer_id != self.ticket.customer_id:
            self.add_error("contact", _("Dieser Ansprechpartner gehört nicht zum Kunden des Vorgangs."))
        return data


class CallNoteForm(forms.Form):
    direction = ChoiceField(choices=CallNote.Direction.choices, label=_("Richtung"))
    text = LongTextField(label=_("Notiz"))


class NotificationForm(forms.Form):
    kind = ChoiceField(choices=NotificationKind.choices, label=_("Inhalt"))
    channel = ChoiceField(choices=Channel.choices, label=_("Weg"))
    note = LongTextField(required=False, label=_("Notiz"))


class RiskReviewSignForm(forms.Form):
    decision = ChoiceField(choices=RiskReview.Decision.choices, label=_("Entscheidung"))
    report_category = ChoiceField(
        choices=[("", "—"), *ReportCategory.choices],
        required=False,
        label=_("Art der Meldung (MDR Art. 87)"),
        help_text=_("Nur bei „Meldung an die Behörde“: bestimmt die Meldefrist ab dem Anruf."),
    )
    comment = LongTextField(required=False, label=_("Kommentar"))
    password = TextField(widget=forms.PasswordInput, label=_("Ihr Passwort (Unterschrift)"), strip=False)

    def __init__(self, data=None, *, user, review=None, request=None, **kwargs):
        self.user, self.review, self.request = user, review, request
        super().__init__(data, **kwargs)

    def clean_password(self):
        # Through authenticate(): a wrong password counts for the lock-out and is recorded (R18).
        wrong = _("Das Passwort ist falsch; die Bewertung wurde nicht unterschrieben.")
        lockout.confirm_password(self.request, self.user, self.cleaned_data["password"], wrong=wrong)
        return ""

    def clean(self):
        data = super().clean()
        reporting = data.get("decision") == RiskReview.Decision.REPORT_TO_AUTHORITY
        if reporting and not data.get("report_category"):
            self.add_error("report_category", _("Wählen Sie, welche Meldefrist (MDR Art. 87) gilt."))
        return data


class TransitionForm(forms.Form):
    def __init__(self, data=None, *, ticket, **kwargs):
        self.ticket = ticket
        super().__init__(data, **kwargs)


class TriageForm(TransitionForm):
    category = ChoiceField(choices=PLEASE_CHOOSE + Category.choices, label=_("Art des Problems"))
    risk_relevant = BooleanField(label=_("Risikorelevantes Ereignis?"))
    risk_description = LongTextField(required=False, label=_("Beschreibung des Risikos"))

    def clean(self):
        data = super().clean()
        if data.get("risk_relevant") and not data.get("risk_description"):
            self.add_error("risk_description", _("Beschreiben Sie das Risiko für Patienten oder Anwender."))
        return data


class FixImmediatelyForm(TransitionForm):
    resolution_kind = ChoiceField(choices=ResolutionKind.choices, label=_("Art der Lösung"))
    solution = LongTextField(label=_("Lösung"))
    known_solution = ModelChoiceField(
        queryset=KnownSolution.objects.filter(state=KnownSolution.State.ACTIVE),
        required=False,
        widget=forms.HiddenInput,
        label=_("bekannte Lösung"),
        error_messages={"invalid_choice": _("Diese bekannte Lösung gibt es nicht oder sie ist nicht aktiv.")},
    )

    def clean_resolution_kind(self):
        kind = self.cleaned_data["resolution_kind"]
        if kind == ResolutionKind.VENDOR_SOLUTION and self.ticket.state != State.ESCALATED:
            raise ValidationError(_("Eine Sofortlösung von SIC gibt es erst, wenn der Vorgang bei SIC ist."))
        return kind


def validate_not_past(value):
    if value < timezone.localdate():
        raise ValidationError(_("Das Datum darf nicht in der Vergangenheit liegen."), code="past")


def validate_future(value):
    if value <= timezone.localdate():
        raise ValidationError(_("Die nächste Wiedervorlage muss nach heute liegen."), code="not_future")


# DESIGN §4 escalate: without a date the ticket is on follow-up three working days from today.
ESCALATION_FOLLOW_UP_WORKING_DAYS = 3


class EscalateForm(TransitionForm):
    problem_description = LongTextField(label=_("Vollständige Problemdokumentation"))
    vendor_contact_summary = LongTextField(label=_("Besprochen mit SIC"))
    vendor_person = TextField(max_length=200, required=False, label=_("Ansprechpartner bei SIC"))
    vendor_reference = TextField(max_length=100, required=False, label=_("Referenz bei SIC"))
    follow_up_date = DateField(
        required=False,
        validators=[validate_not_past],
        label=_("Wiedervorlage"),
        help_text=_("Leer: in drei Arbeitstagen. An diesem Tag wird bei SIC nachgefragt."),
    )
    # The record says what was said, never more: "callback promised" only when the agent says so.
    # The API's default is yes (DESIGN §4); on the page it is a box the agent ticks.
    customer_informed = BooleanField(
        required=False,
        widget=TickBox,
        label=_("Dem Kunden gesagt: „Wir klären das mit SIC und melden uns bei Ihnen.“"),
        help_text=_(
            "Nur ankreuzen, wenn Sie es dem Kunden gesagt haben: dann wird „Rückruf zugesagt“ festgehalten."
        ),
    )

    def clean(self):
        data = super().clean()
        if not data.get("follow_up_date") and "follow_up_date" not in self.errors:
            data["follow_up_date"] = workdays.working_days_after(
                timezone.localdate(), ESCALATION_FOLLOW_UP_WORKING_DAYS
            )
        if data.get("customer_informed") is None:
            data["customer_informed"] = True
        return data


class RegisterProgramRequestForm(TransitionForm):
    program_request = ModelChoiceField(
        queryset=ProgramRequest.objects.filter(state=ProgramRequest.State.OPEN),
        required=False,
        label=_("bestehender Programmwunsch"),
    )
    kind = ChoiceField(choices=PLEASE_CHOOSE + ProgramRequest.Kind.choices, required=False, label=_("Art"))
    vendor_reference = TextField(max_length=100, required=False, label=_("Referenz bei SIC"))
    follow_up_date = DateField(validators=[validate_not_past], label=_("Wiedervorlage"))
    planned_release = TextField(max_length=50, required=False, label=_("geplante Version"))
    planned_date = DateField(required=False, label=_("geplant für"))

    def clean(self):
        data = super().clean()
        if not data.get("program_request") and "program_request" not in self.errors:
            for name in ("kind", "vendor_reference"):
                if not data.get(name) and name not in self.errors:
                    self.add_error(name, _("Pflichtfeld, wenn kein bestehender Programmwunsch gewählt ist."))
        return data


class FollowUpForm(TransitionForm):
    note = LongTextField(label=_("Was SIC gesagt hat"))
    next_follow_up_date = DateField(validators=[validate_future], label=_("nächste Wiedervorlage"))


class TicketRejectForm(RejectForm, TransitionForm):
    pass


class TicketRealizeForm(RealizeForm, TransitionForm):
    pass


class CloseForm(TransitionForm):
    pass


class FlagRiskForm(TransitionForm):
    risk_description = LongTextField(label=_("Beschreibung des Risikos"))


class ReopenForm(TransitionForm):
    reason = LongTextField(label=_("Grund"))


TRANSITION_FORMS = {
    "triage": TriageForm,
    "fix_immediately": FixImmediatelyForm,
    "escalate": EscalateForm,
    "register_program_request": RegisterProgramRequestForm,
    "follow_up": FollowUpForm,
    "reject": TicketRejectForm,
    "realize": TicketRealizeForm,
    "close": CloseForm,
    "flag_risk": FlagRiskForm,
    "reopen": ReopenForm,
}


class AuthorityReportForm(forms.Form):
    reported_on = DateField(label=_("Meldung erfolgt am"))
    reference = TextField(max_length=200, required=False, label=_("Aktenzeichen / Referenz der Behörde"))

    def __init__(self, data=None, *, review=None, **kwargs):
        self.review = review
        super().__init__(data, **kwargs)

    def clean_reported_on(self):
        reported_on = self.cleaned_data["reported_on"]
        if reported_on > timezone.localdate():
            raise ValidationError(_("Das Meldedatum darf nicht in der Zukunft liegen."), code="future")
        if self.review and reported_on < timezone.localdate(self.review.ticket.created_at):
            raise ValidationError(_("Das Meldedatum liegt vor dem Anruf."), code="before_call")
        return reported_on


class CustomerEmailForm(forms.Form):
    """An e-mail to the customer, drafted from the kind's template and edited before sending."""

    kind = ChoiceField(choices=NotificationKind.choices, label=_("Inhalt"))
    to = forms.EmailField(max_length=254, label=_("An"))
    subject = SummaryField()
    body = LongTextField(label=_("Text"))
