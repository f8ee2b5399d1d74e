"""The data each ticket action needs (DESIGN §4, R4), shared by the pages and the API."""

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import lockout
from accounts.users import ticket_workers
from capa.models import CapaProposal
from customers.models import Contact, Customer
from solutions.models import Category, KnownSolution
from supportdesk import workdays
from supportdesk.forms import (
    PLEASE_CHOOSE,
    BooleanField,
    ChoiceField,
    CorrectionReasonField,
    DateField,
    DateTimeField,
    LongTextField,
    ModelChoiceField,
    TextField,
    TickBox,
)
from tickets.models import (
    CallNote,
    Channel,
    ComplaintEvaluation,
    NotificationKind,
    ReportCategory,
    ReportChannel,
    ResolutionKind,
    RiskReview,
    State,
    Ticket,
    TicketLink,
)
from vendor.forms import RealizeForm, RejectForm
from vendor.models import ProgramRequest, VendorContact


class SummaryField(TextField):
    def __init__(self, **kwargs):
        super().__init__(max_length=200, label=_("Betreff"), **kwargs)

    def validate(self, value):
        super().validate(value)
        if "\n" in value or "\r" in value:
            raise ValidationError(_("Der Betreff ist eine einzige Zeile."), code="multiline")


# A phone system's clock may run a little ahead of ours: that much "future" is taken as now.
CLOCK_SKEW = datetime.timedelta(minutes=2)


class ReceivedAtField(DateTimeField):
    """When the report came in: default now, never in the future (DESIGN §7)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", _("eingegangen am"))
        kwargs.setdefault(
            "help_text", _("Leer: jetzt. Bei Brief, Fax oder E-Mail: wann die Meldung einging.")
        )
        kwargs.setdefault(
            "widget", forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
        )
        super().__init__(**kwargs)

    def clean(self, value):
        moment = super().clean(value)
        if moment is None:
            return None
        now = timezone.now()
        if moment > now + CLOCK_SKEW:
            raise ValidationError(_("Der Eingang darf nicht in der Zukunft liegen."), code="future")
        return min(moment, now)


class TicketCreateForm(forms.Form):
    customer = ModelChoiceField(queryset=Customer.objects.filter(active=True), label=_("Kunde"))
    contact = ModelChoiceField(
        queryset=Contact.objects.filter(active=True), required=False, label=_("Ansprechpartner")
    )
    caller_name = TextField(max_length=200, label=_("Anrufer"))
    caller_phone = TextField(max_length=40, required=False, label=_("Rückrufnummer"))
    summary = SummaryField()
    description = LongTextField(label=_("Problembeschreibung"))
    channel = ChoiceField(choices=ReportChannel.choices, required=False, label=_("Eingang über"))
    received_at = ReceivedAtField()
    sanivision_reference = TextField(
        max_length=50, required=False, label=_("Vorgangsnummer in SaniVision"), help_text=_("falls vorhanden")
    )
    sanivision_version = TextField(
        max_length=50, required=False, label=_("SaniVision-Version"), help_text=_("z. B. 24.2, falls bekannt")
    )

    def clean(self):
        data = super().clean()
        data["channel"] = data.get("channel") or ReportChannel.PHONE
        contact, customer = data.get("contact"), data.get("customer")
        if contact and customer and contact.customer_id != customer.pk:
            self.add_error("contact", _("Dieser Ansprechpartner gehört nicht zu dem gewählten Kunden."))
        return data


class TicketEditForm(TicketCreateForm):
    """Facts of the call that may be corrected later; the customer stays fixed."""

    customer = None
    assignee = ModelChoiceField(queryset=ticket_workers(), required=False, label=_("zuständig"))
    reason = CorrectionReasonField()

    def __init__(self, data=None, *, ticket, editor=None, **kwargs):
        self.ticket, self.editor = ticket, editor
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
        # Left empty, a correction keeps what was recorded.
        data["channel"] = data.get("channel") or self.ticket.channel
        data["received_at"] = data.get("received_at") or self.ticket.received_at
        if "assignee" in data and data["assignee"] != self.ticket.assignee:
            # Handed to a colleague: who did it and when, for their dashboard and e-mail.
            handed = (
                data["assignee"] is not None and self.editor is not None and data["assignee"] != self.editor
            )
            data["assigned_by"] = self.editor if handed else None
            data["assigned_at"] = timezone.now() if handed else None
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
    """`interactive`: filled in by a person on a page, who is asked what the API may leave for later."""

    def __init__(self, data=None, *, ticket, interactive=False, **kwargs):
        self.ticket, self.interactive = ticket, interactive
        super().__init__(data, **kwargs)


IS_COMPLAINT_HELP = _(
    "Ja, wenn SaniVision nach der Meldung in Funktion, Qualität, Zuverlässigkeit, Gebrauchstauglichkeit, "
    "Sicherheit oder Leistung versagt hat. Eine Frage oder ein Bedienfehler ist meist keine Beanstandung."
)


class TriageForm(TransitionForm):
    category = ChoiceField(choices=PLEASE_CHOOSE + Category.choices, label=_("Art des Problems"))
    risk_relevant = BooleanField(label=_("Risikorelevantes Ereignis?"))
    risk_description = LongTextField(required=False, label=_("Beschreibung des Risikos"))
    # R15: asked on the page; the API may leave it for later (then it is required before close).
    is_complaint = BooleanField(
        required=False, label=_("Beanstandung des Produkts?"), help_text=IS_COMPLAINT_HELP
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["is_complaint"].value_required = self.interactive

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


def ticket_by_number_or_id(value: str):
    """A ticket named by its number (2026-000117) or, through the API, its id."""
    value = (value or "").strip()
    lookup = (
        {"pk": int(value)} if value.isascii() and value.isdigit() and len(value) < 19 else {"number": value}
    )
    return Ticket.objects.filter(**lookup).first()


class ReferenceField(TextField):
    """Another record named by its number as typed on a page; the API may send its id (a number)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 20)
        super().__init__(**kwargs)

    def to_python(self, value):
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        return super().to_python(value).strip()


class OtherTicketField(ReferenceField):
    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        ticket = ticket_by_number_or_id(value)
        if ticket is None:
            raise ValidationError(
                _("Einen Vorgang „%(value)s“ gibt es nicht."), code="unknown", params={"value": value}
            )
        return ticket


class CloseAsDuplicateForm(TransitionForm):
    duplicate_of = OtherTicketField(
        label=_("Duplikat von (Vorgangsnummer)"),
        help_text=_("z. B. 2026-000117: der Vorgang, der den Fall trägt"),
    )
    reason = LongTextField(max_length=2000, label=_("Begründung"))

    def clean_duplicate_of(self):
        other = self.cleaned_data["duplicate_of"]
        if other.pk == self.ticket.pk:
            raise ValidationError(_("Ein Vorgang ist kein Duplikat von sich selbst."), code="itself")
        if other.duplicate_of_id is not None:
            raise ValidationError(
                _("%(number)s ist selbst als Duplikat von %(other)s abgeschlossen; wählen Sie diesen.")
                % {"number": other.number, "other": other.duplicate_of.number},
                code="duplicate",
            )
        return other


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
    "close_as_duplicate": CloseAsDuplicateForm,
}


class TicketLinkForm(forms.Form):
    kind = ChoiceField(choices=TicketLink.Kind.choices, required=False, label=_("Art"))
    target = OtherTicketField(label=_("Vorgang (Nummer)"))
    reason = TextField(max_length=2000, label=_("Begründung"))

    def __init__(self, data=None, *, ticket, **kwargs):
        self.ticket = ticket
        super().__init__(data, **kwargs)

    def clean_target(self):
        target = self.cleaned_data["target"]
        if target.pk == self.ticket.pk:
            raise ValidationError(_("Ein Vorgang wird nicht mit sich selbst verknüpft."), code="itself")
        return target

    def clean(self):
        data = super().clean()
        data["kind"] = data.get("kind") or TicketLink.Kind.RELATED
        return data


class LinkEndForm(forms.Form):
    reason = TextField(max_length=2000, label=_("Grund der Beendigung"))


class ComplaintEvaluationForm(forms.Form):
    """R15, DESIGN §10.1: is it a complaint; if so, investigated with findings, or not with a reason."""

    is_complaint = BooleanField(label=_("Beanstandung des Produkts?"), help_text=IS_COMPLAINT_HELP)
    investigation = ChoiceField(
        choices=[("", _("– noch offen –")), *ComplaintEvaluation.Investigation.choices],
        required=False,
        label=_("Untersuchung"),
    )
    findings = LongTextField(required=False, label=_("Ergebnis / Ursache"))
    justification = LongTextField(required=False, label=_("Begründung, warum nicht untersucht"))
    vendor_contact = ModelChoiceField(
        queryset=VendorContact.objects.none(), required=False, label=_("Untersuchung durch SIC (Kontakt)")
    )
    capa = ReferenceField(required=False, label=_("CAPA (Nummer)"), help_text=_("z. B. CAPA-12"))

    def __init__(self, data=None, *, ticket, **kwargs):
        self.ticket = ticket
        super().__init__(data, **kwargs)
        self.fields["vendor_contact"].queryset = VendorContact.objects.filter(ticket=ticket)

    def clean_capa(self):
        value = self.cleaned_data["capa"].upper().removeprefix("CAPA-")
        if not value:
            return None
        capa = (
            CapaProposal.objects.filter(pk=int(value)).first()
            if value.isdigit() and len(value) < 19
            else None
        )
        if capa is None:
            raise ValidationError(
                _("Einen CAPA-Vorschlag „%(value)s“ gibt es nicht."), params={"value": value}
            )
        return capa

    def clean(self):
        data = super().clean()
        if data.get("is_complaint") is False:
            if data.get("investigation"):
                self.add_error("investigation", _("Nur eine Beanstandung wird untersucht."))
            return data
        investigation = data.get("investigation")
        if investigation == ComplaintEvaluation.Investigation.INVESTIGATED and not data.get("findings"):
            self.add_error("findings", _("Was hat die Untersuchung ergeben (Ursache)?"))
        justified = len("".join((data.get("justification") or "").split())) >= 10
        if investigation == ComplaintEvaluation.Investigation.NOT_INVESTIGATED and not justified:
            self.add_error(
                "justification",
                _("Begründen Sie mit mindestens 10 Zeichen, warum nicht untersucht wird."),
            )
        return data


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
