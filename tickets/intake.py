"""The intake page (DESIGN §8 /tickets/new/): log a call while the customer is on the phone.

One lookup field finds the caller by phone number or name as you type (htmx); a result picks the
customer and contact. An unknown caller is created inline. Saving creates customer/contact, the
ticket and its first call note - and with "Speichern und prüfen" runs the triage - in ONE
transaction: when anything is invalid, nothing is saved and the whole page comes back with every
value kept and the errors on their fields.

Beside the form, the known solutions and similar solved tickets matching the summary and description
are suggested as they are typed (tickets/suggestions.py). "Diese Lösung übernehmen" saves the call
and solves it at once in the same transaction: triage, then "Sofortlösung" with the adopted solution.
"""

from django import forms
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from accounts import roles
from accounts.decorators import role_required
from calls import services as call_services
from calls.selectors import call_for_intake
from customers.forms import ContactForm, CustomerForm
from customers.models import Contact, Customer
from customers.selectors import caller_lookup as lookup
from instructions.selectors import revision_in_force
from solutions.models import KnownSolution
from supportdesk.errors import InvalidData
from supportdesk.forms import LongTextField, ModelChoiceField
from tickets import selectors, services, suggestions
from tickets.forms import FixImmediatelyForm, TicketCreateForm, TriageForm
from tickets.selectors import solved_tickets


class CallerForm(forms.Form):
    """Who is calling: the picked customer/contact travel as hidden fields."""

    customer = ModelChoiceField(
        queryset=Customer.objects.filter(active=True), required=False, widget=forms.HiddenInput
    )
    contact = ModelChoiceField(
        queryset=Contact.objects.filter(active=True), required=False, widget=forms.HiddenInput
    )
    caller_name = TicketCreateForm.base_fields["caller_name"]
    caller_phone = TicketCreateForm.base_fields["caller_phone"]
    channel = TicketCreateForm.base_fields["channel"]
    received_at = TicketCreateForm.base_fields["received_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Empty is allowed when a new contact is typed: the contact's name is used (IntakePage.is_valid).
        self.fields["caller_name"].required = False
        self.fields["caller_name"].help_text = gettext_lazy(
            "Leer lassen, wenn der neue Ansprechpartner selbst anruft."
        )


class ProblemForm(forms.Form):
    summary = TicketCreateForm.base_fields["summary"]
    description = TicketCreateForm.base_fields["description"]
    note = LongTextField(
        required=False,
        label=gettext_lazy("Gesprächsnotiz"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Leer lassen, um die Problembeschreibung als Notiz zu übernehmen."),
    )
    sanivision_reference = TicketCreateForm.base_fields["sanivision_reference"]
    sanivision_version = TicketCreateForm.base_fields["sanivision_version"]


# Summary and description ask for suggestions as they are typed; a newer request replaces an older
# one. Only the start of the description is sent (all that is searched), so the URL stays short.
SUGGEST_AS_TYPED = {
    "hx-get": reverse_lazy("solution-suggestions"),
    "hx-trigger": "input changed delay:300ms",
    "hx-include": "#id_summary, #id_description, #id_customer",
    "hx-vals": (
        'js:{description: document.getElementById("id_description").value'
        f".slice(0, {suggestions.DESCRIPTION_CHARS})}}"
    ),
    "hx-target": "#suggestions",
    "hx-sync": "closest form:replace",
    "aria-controls": "suggestions",
}


ASK_RISK_FIRST = gettext_lazy(
    "Bevor die Lösung übernommen wird: Ist es ein risikorelevantes Ereignis? Bitte „ja“ oder „nein“ wählen."
)


class UseSolutionForm(forms.Form):
    """ "Diese Lösung übernehmen" beside the form: a known solution or a similar solved ticket."""

    use_solution = ModelChoiceField(
        queryset=KnownSolution.objects.filter(state=KnownSolution.State.ACTIVE),
        required=False,
        error_messages={
            "invalid_choice": gettext_lazy("Diese bekannte Lösung gibt es nicht oder sie ist nicht aktiv.")
        },
    )
    use_ticket_solution = ModelChoiceField(
        queryset=solved_tickets().select_related("known_solution"),
        required=False,
        error_messages={
            "invalid_choice": gettext_lazy("Diesen gelösten Vorgang gibt es nicht oder er hat keine Lösung.")
        },
    )

    @staticmethod
    def chosen(data) -> bool:
        return data is not None and bool(data.get("use_solution") or data.get("use_ticket_solution"))

    def category(self) -> str:
        """The adopted solution's category: the triage's unless the agent chose another."""
        known, source = self.cleaned_data["use_solution"], self.cleaned_data["use_ticket_solution"]
        return known.category if known else source.category

    def fix_data(self) -> dict:
        known, source = self.cleaned_data["use_solution"], self.cleaned_data["use_ticket_solution"]
        if known:
            return suggestions.fix_data(known.solution, known)
        return suggestions.fix_data(source.solution, source.known_solution)


class NewCustomerForm(CustomerForm):
    class Meta(CustomerForm.Meta):
        fields = ["customer_number", "name", "city", "phone"]


class NewContactForm(ContactForm):
    class Meta(ContactForm.Meta):
        fields = ["name", "phone"]


def raw(form) -> dict:
    """The submitted values of a form, without its prefix: what the services validate themselves."""
    return {name: form[name].data for name in form.fields}


class IntakePage:
    """The forms of the page, validated together so every error shows at once."""

    def __init__(self, data=None, *, initial=None, triage=False):
        self.caller = CallerForm(data, initial=initial)
        self.new_customer = NewCustomerForm(data, prefix="new_customer")
        self.new_contact = NewContactForm(data, prefix="new_contact")
        self.problem = ProblemForm(data)
        for name in ("summary", "description"):
            self.problem.fields[name].widget.attrs.update(SUGGEST_AS_TYPED)
        self.triage = TriageForm(data, ticket=None, prefix="triage", interactive=True)
        self.use = UseSolutionForm(data)
        self.using_solution = UseSolutionForm.chosen(data)
        self.run_triage = triage or self.using_solution
        if self.using_solution:
            # The solution brings its category; the risk question is the agent's to answer (R3).
            self.triage.fields["category"].required = False
            self.triage.fields["risk_relevant"].error_messages["required"] = ASK_RISK_FIRST

    def selected(self):
        """The picked customer and contact (bound or initial), for the page to show."""
        form = self.caller
        if form.is_bound:
            return (form.cleaned_data.get("customer"), form.cleaned_data.get("contact"))
        return form.initial.get("customer"), form.initial.get("contact")

    @property
    def creating_customer(self):
        return not (self.caller.is_bound and self.caller.data.get("customer"))

    @property
    def creating_contact(self):
        return any(self.new_contact[name].data for name in self.new_contact.fields)

    @property
    def answering_triage(self):
        """The triage section counts with "Speichern und prüfen" and when a solution is adopted: no
        record says "not risk-relevant" unless the agent answered so."""
        return self.run_triage

    def used_forms(self):
        used = [self.caller, self.problem]
        used += [self.new_customer] if self.creating_customer else []
        used += [self.new_contact] if self.creating_contact else []
        used += [self.triage] if self.answering_triage else []
        used += [self.use] if self.using_solution else []
        return used

    def is_valid(self):
        valid = all([form.is_valid() for form in self.used_forms()])  # a list: every form shows its errors
        if not self.ticket_data(customer=None)["caller_name"] and "caller_name" not in self.caller.errors:
            self.caller.add_error(
                "caller_name", TicketCreateForm.base_fields["caller_name"].error_messages["required"]
            )
            valid = False
        return valid

    def ticket_data(self, *, customer):
        """The ticket's fields as typed; with a new contact, the contact is added by the service."""
        data = {**raw(self.caller), **raw(self.problem), "customer": customer}
        data.pop("note")
        if self.creating_contact:
            data["contact"] = None
            data["caller_name"] = data["caller_name"] or self.new_contact["name"].data
            data["caller_phone"] = data["caller_phone"] or self.new_contact["phone"].data
        return data

    def save(self, *, by):
        """Customer, contact, ticket, first call note (and triage, and the adopted solution): all or
        nothing, in tickets.services.ticket_log_call. None if invalid."""
        if not self.is_valid():
            return None
        try:
            return services.ticket_log_call(
                by=by,
                ticket=self.ticket_data(customer=self.caller.data.get("customer")),
                note=self.problem["note"].data or self.problem["description"].data,
                new_customer=raw(self.new_customer) if self.creating_customer else None,
                new_contact=raw(self.new_contact) if self.creating_contact else None,
                triage=self.triage_answers(),
                fix=self.use.fix_data() if self.using_solution else None,
            )
        except InvalidData as error:  # e.g. the customer number was taken meanwhile
            self.show_errors(error.form)
            return None

    def triage_answers(self):
        if not self.run_triage:
            return None
        answers = raw(self.triage)
        if self.using_solution and not answers["category"]:
            answers["category"] = self.use.category()
        return answers

    def show_errors(self, service_form):
        """Put a service form's errors on the page's field of the same name (hidden ones on top)."""
        page_forms = {
            CustomerForm: [self.new_customer],
            ContactForm: [self.new_contact],
            TriageForm: [self.triage],
            FixImmediatelyForm: [self.use],
        }.get(type(service_form), [self.caller, self.problem])
        for field, errors in service_form.errors.items():
            owner = next(
                (f for f in page_forms if field in f.fields and not f.fields[field].widget.is_hidden), None
            )
            (owner or page_forms[0]).add_error(field if owner else None, list(errors))

    def call_note_text(self) -> str:
        """ "Zu bestehendem Vorgang": what the call was about, as the note on that ticket."""
        summary, description = self.problem["summary"].data or "", self.problem["description"].data or ""
        note = self.problem["note"].data or description
        return "\n\n".join(part.strip() for part in (summary, note) if part and part.strip())

    def context(self, **extra):
        customer, contact = self.selected()
        summary = self.problem["summary"].data if self.problem.is_bound else ""
        return {
            "page": self,
            "caller": self.caller,
            "new_customer": self.new_customer,
            "new_contact": self.new_contact,
            "problem": self.problem,
            "triage": self.triage,
            "selected_customer": customer,
            "selected_contact": contact,
            "has_errors": any(form.errors for form in self.used_forms() if form.is_bound),
            "suggestions": self.suggestion_panel(),
            "caller_context": selectors.caller_context(customer) if customer else None,
            "work_instruction": revision_in_force(),  # what support follows: linked on the page
            "similar_open": selectors.similar_open_tickets(customer.pk if customer else None, summary or ""),
            "use_errors": [error for errors in self.use.errors.values() for error in errors]
            if self.using_solution
            else [],
            **extra,
        }

    def suggestion_panel(self):
        """The panel for the typed text (a refused save shows it without JavaScript too)."""
        if not self.problem.is_bound:
            return suggestions.suggestions_for("", "")
        return suggestions.suggestions_for(self.problem["summary"].data, self.problem["description"].data)


def from_call(call) -> dict:
    """?call=<id>: the caller fields as the phone system reported the call (DESIGN §8 banner)."""
    customer = call.customer if call.customer and call.customer.active else None
    contact = call.contact if customer and call.contact and call.contact.active else None
    return {
        "customer": customer,
        "contact": contact,
        "caller_name": contact.name if contact else "",
        "caller_phone": call.caller_phone,
        "received_at": timezone.localtime(call.received_at).strftime("%Y-%m-%dT%H:%M"),
    }


def picked(params):
    """?customer=<id>&contact=<id>: initial values for the caller fields (the no-JS pick too)."""
    if params.get("call") and (call := call_for_intake(_int(params["call"]))):
        return from_call(call)
    if not params.get("customer"):
        return {}
    customer = get_object_or_404(Customer, pk=_int(params["customer"]), active=True)
    contact = None
    if params.get("contact"):
        contact = get_object_or_404(customer.contacts, pk=_int(params["contact"]), active=True)
    return {
        "customer": customer,
        "contact": contact,
        "caller_name": contact.name if contact else "",
        "caller_phone": (contact.phone if contact else "") or customer.phone,
    }


def _int(value):
    return int(value) if str(value).isdigit() else 0


@require_http_methods(["GET", "POST"])
@role_required(roles.can_work)
def ticket_new(request):
    if request.method == "POST" and request.POST.get("to_ticket"):
        return to_existing_ticket(request)
    if request.method == "POST":
        page = IntakePage(request.POST, triage="save_and_triage" in request.POST)
        ticket = page.save(by=request.user)
        if ticket is not None and request.POST.get("call", "").isdigit():  # logged: off every banner
            call_services.call_handled(call_id=int(request.POST["call"]), by=request.user)
        if ticket is not None and page.using_solution:
            messages.success(
                request,
                _("Vorgang %(number)s wurde angelegt und mit der übernommenen Lösung gelöst: %(state)s.")
                % {"number": ticket.number, "state": ticket.get_state_display()},
            )
            return redirect("ticket-detail", pk=ticket.pk)
        if ticket is not None:
            messages.success(request, _("Vorgang %(number)s wurde angelegt.") % {"number": ticket.number})
            return redirect("ticket-detail", pk=ticket.pk)
        return render(
            request, "tickets/intake.html", page.context(call=request.POST.get("call", "")), status=400
        )
    page = IntakePage(initial=picked(request.GET))
    if page.selected()[0]:
        page.caller.fields["caller_name"].widget.attrs["autofocus"] = True
    if request.htmx:
        return render(request, "tickets/_caller.html", page.context())
    query = request.GET.get("q", "")[:200]
    return render(
        request,
        "tickets/intake.html",
        page.context(q=query, results=lookup(query), searched=bool(query), call=request.GET.get("call", "")),
    )


NO_NOTE = gettext_lazy("Für die Gesprächsnotiz fehlt der Text: Betreff oder Problembeschreibung eingeben.")


def to_existing_ticket(request):
    """ "Zu bestehendem Vorgang": the call is about an open ticket of this customer, so it becomes a
    call note there instead of a new ticket (DESIGN §9 "Calls")."""
    page = IntakePage(request.POST)
    page.caller.is_valid()
    customer = page.caller.cleaned_data.get("customer")
    target = selectors.open_ticket_of(customer, request.POST["to_ticket"])
    text = page.call_note_text()
    if target is None or not text:
        if target is None:
            page.caller.add_error(
                None, _("Dieser Vorgang ist nicht mehr offen oder gehört nicht zum Kunden.")
            )
        else:
            page.problem.add_error("summary", NO_NOTE)
        return render(
            request, "tickets/intake.html", page.context(call=request.POST.get("call", "")), status=400
        )
    services.ticket_add_call_note(
        ticket_id=target.pk,
        by=request.user,
        data={"direction": "inbound", "text": text},
        call_id=_int(request.POST.get("call", "")) or None,
    )
    messages.success(
        request, _("Der Anruf wurde als Gesprächsnotiz zu %(number)s erfasst.") % {"number": target.number}
    )
    return redirect("ticket-detail", pk=target.pk)


@require_http_methods(["GET"])
@role_required(roles.can_work)
def caller_lookup(request):
    query = request.GET.get("q", "")[:200]
    if not request.htmx:
        return redirect(f"{reverse('ticket-new')}?{request.GET.urlencode()}")  # the page lists the results
    context = {"q": query, "results": lookup(query), "searched": bool(query.strip())}
    return render(request, "tickets/_caller_lookup.html", context)
