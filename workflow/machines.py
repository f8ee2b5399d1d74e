"""The workflow core: every state machine of supportdesk runs through it (DESIGN §4, §7).

A state machine is a model with a django-fsm-2 field whose transitions are declared on the model
(sources, target, `permission`, `conditions` with a `refusal`, `custom={"label": …}`) plus one
`Machine`: the form that validates each transition's data and, where a transition does more than
change its row, the effect that runs it. For every machine the core then does the same:

    lock the row → 403 when the role may not → 409 when the state has moved on, the transition is
    not allowed from it (R1) or a guard refuses, with the guard's own message (R2, R3) → 400 when
    the data is wrong (R4) → the transition and its effect → save with a history row whose reason
    is the transition's name (R9) → a stale save is a 409 (R6)

and it lists what a user may run now, with labels and forms, for the pages and the API.
Adding a transition to a machine: declare it on the model, add its form (and effect) here.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django import forms
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransition, Transition, can_proceed

from audit import reasons
from audit.history import save_audited
from supportdesk.errors import Conflict, InvalidData
from supportdesk.forms import as_typed

NOT_POSSIBLE = _("„%(step)s“ ist im Status „%(state)s“ nicht möglich.")


class UnknownTransition(LookupError):
    """No such transition: 404."""


@dataclass(eq=False)
class Machine:
    model: type[models.Model]
    # Transition name → the form its data is validated with; the order is the order offered.
    forms: dict[str, type[forms.Form]]
    denied: str  # 403: the role may not run this machine's transitions
    stale: str  # 409: the row was saved by someone else since it was read (R6)
    not_possible: str = NOT_POSSIBLE  # 409 (R1); may name %(step)s and %(state)s
    moved_on: str | None = None  # 409 when the state is not the one the person saw; else not_possible
    # Transition name → effect(instance, by, **cleaned data), for a transition that does more than
    # change its row (records to write, other rows to move); it calls self.apply() itself.
    effects: dict[str, Callable] = field(default_factory=dict)
    lock: Callable | None = None  # (pk, name) → the locked instance; default SELECT … FOR UPDATE
    form_kwargs: Callable = lambda instance, by: {}  # what each form gets besides the data
    actor: str | None = None  # the transition methods take the acting user as this argument
    entered_at: str | None = None  # a field set to now whenever the state changes
    field_name: str = "state"
    transitions: dict[str, Transition] = field(init=False, repr=False)

    def __post_init__(self):
        declared = self.model._meta.get_field(self.field_name).get_all_transitions(self.model)
        by_name = {t.name: t for t in declared}  # label and permission are the same for every source
        missing = set(self.forms) - set(by_name)
        if missing:
            raise LookupError(f"{self.model.__name__} declares no transition {sorted(missing)}")
        self.transitions = {name: by_name[name] for name in self.forms}
        reasons.register(self.reason_labels(), model=self.model)

    # ---- what the pages and the API show ------------------------------------------------------

    def transition(self, name: str) -> Transition:
        try:
            return self.transitions[name]
        except KeyError:
            raise UnknownTransition(name) from None

    def label(self, name: str) -> str:
        return str(self.transition(name).custom["label"])

    def reason_labels(self) -> dict:
        """What each transition's history row says: its `reason` if declared, else its label."""
        return {name: t.custom.get("reason", t.custom["label"]) for name, t in self.transitions.items()}

    def state_label(self, instance) -> str:
        return getattr(instance, f"get_{self.field_name}_display")()

    def available(self, instance, user) -> list[str]:
        """The transitions this user may run from the current state (state and role; guards are
        checked when one is run), in the machine's order."""
        state = getattr(instance, self.field_name)
        allowed = {
            t.name
            for t in getattr(instance, f"get_all_{self.field_name}_transitions")()
            if t.source == state and t.has_perm(instance, user)
        }
        return [name for name in self.forms if name in allowed]

    def refusal(self, instance, name: str) -> str | None:
        """The reason a guard (a condition of the transition) refuses it now, or None."""
        failed = self.failed_condition(instance, name)
        if failed is None:
            return None
        refusal = failed.refusal
        return str(refusal(instance) if callable(refusal) else refusal)

    def failed_condition(self, instance, name: str):
        """The first guard of the transition that refuses it now, or None. A guard may name where
        the person fixes it (`fix`: a link, `fix_label`: its text)."""
        declared = getattr(instance, name)._django_fsm.get_transition(getattr(instance, self.field_name))
        for condition in declared.conditions if declared else ():
            if not condition(instance):
                return condition
        return None

    def form(self, name: str, instance, by=None, data=None, **kwargs) -> forms.Form:
        return self.forms[name](data, **self.form_kwargs(instance, by), **kwargs)

    # ---- running a transition -----------------------------------------------------------------

    def apply(self, instance, name: str, *, by, **arguments) -> None:
        """Run the declared transition on a locked row and save it with its name as the reason."""
        before = getattr(instance, self.field_name)
        if self.actor:
            arguments[self.actor] = by
        getattr(instance, name)(**arguments)
        if self.entered_at and getattr(instance, self.field_name) != before:
            setattr(instance, self.entered_at, timezone.now())
        try:
            save_audited(instance, by=by, reason=name)
        except ConcurrentTransition as error:
            raise Conflict(self.stale) from error

    def run(self, pk, name: str, *, by, data, expected_state=None, **form_kwargs):
        """Run transition `name` on the row `pk` with the submitted data; returns the row as saved.
        `form_kwargs`: what this run's form gets as well (the request, for a password it checks)."""
        return self.perform(pk, name, by=by, data=data, expected_state=expected_state, **form_kwargs)[0]

    def perform(self, pk, name: str, *, by, data, expected_state=None, **form_kwargs):
        """As run(), and what the transition's effect returned (e.g. the other rows it moved)."""
        self.transition(name)
        result = None
        with transaction.atomic():
            instance = self.lock(pk, name) if self.lock else self.model.objects.select_for_update().get(pk=pk)
            if not self.transition(name).has_perm(instance, by):
                raise PermissionDenied(self.denied)
            words = {
                "step": self.label(name),
                "state": self.state_label(instance),
                "stale": self.stale,
            }
            typed = as_typed(self.forms[name], data, **self.form_kwargs(instance, by), **form_kwargs)
            if expected_state and expected_state != getattr(instance, self.field_name):
                raise Conflict((self.moved_on or self.not_possible) % words, form=typed)
            if not can_proceed(getattr(instance, name), check_conditions=False):
                raise Conflict(self.not_possible % words, form=typed)
            if refusal := self.refusal(instance, name):
                raise Conflict(refusal, form=typed)
            form = self.form(name, instance, by, data, **form_kwargs)
            if form.is_valid():
                try:
                    if name in self.effects:
                        result = self.effects[name](instance, by, **form.cleaned_data)
                    else:
                        self.apply(instance, name, by=by, **form.cleaned_data)
                except Conflict as conflict:  # saved meanwhile, or a guard of the effect
                    conflict.form = conflict.form or typed
                    raise
        if form.errors:
            # Refused after the commit, which holds only what checking the data recorded: a wrong
            # signature password is a failed sign-in for the lock-out (R18).
            raise InvalidData(form)
        instance.refresh_from_db()
        return instance, result


_machines: list[Machine] = []


def register(machine: Machine) -> Machine:
    """Make a machine known to the state diagrams (its reason labels are registered on creation)."""
    _machines.append(machine)
    return machine


def machines() -> list[Machine]:
    return list(_machines)
