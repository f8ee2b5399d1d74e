"""What the audit trail needs to know of the apps above it, registered by them (audit imports none).

- The *case* model (the ticket): the trail names each row's case by its number, and history rows of
  other models belong to a case through a foreign key `ticket`.
- The *dimensions* the trail is filtered by besides time, user and kind (ticket, customer): each
  with its form field, and scopes that say which rows of a table belong to a chosen value.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django import forms


@dataclass
class Case:
    model: type
    number_field: str


@dataclass
class Dimension:
    """A filter of the trail: `?<key>=` read by `form_field`, shown in the filter description by
    `describe(value)`; `scopes(live_model, history_model, value)` give the rows of one table that
    belong to the value as a Q, the first that knows the table wins; None: none of them."""

    key: str
    form_field: Callable[[], forms.Field]
    describe: Callable[[object], str]
    order: int
    scopes: list[Callable] = field(default_factory=list)

    def scope(self, live_model, history_model, value):
        for scope in self.scopes:
            q = scope(live_model, history_model, value)
            if q is not None:
                return q
        return None


_case: list[Case] = []
_dimensions: dict[str, Dimension] = {}


def register_case(model, *, number_field: str) -> None:
    _case[:] = [Case(model, number_field)]


def case() -> Case:
    return _case[0]


def register_dimension(key: str, *, form_field, describe=str, order: int) -> None:
    _dimensions.setdefault(key, Dimension(key, form_field, describe, order))


def register_scope(key: str, scope) -> None:
    _dimensions[key].scopes.append(scope)


def dimensions() -> list[Dimension]:
    return sorted(_dimensions.values(), key=lambda d: d.order)


def foreign_key_to(model, name: str, target) -> bool:
    """Whether `model` has a foreign key `name` to `target` (history models keep their live model's)."""
    try:
        found = model._meta.get_field(name)
    except Exception:
        return False
    return found.is_relation and found.related_model is target


# ---- evidence kept outside the history tables (R16) ------------------------------------------

# Checks run by verify_audit_trail after the hash chains: each `check(since=None)` yields one text
# per problem it finds (a stored file whose content no longer matches its recorded SHA-256, or that
# is missing). Registered by the app that keeps the evidence (attachments).
_evidence_checks: list[Callable] = []


def register_evidence_check(check: Callable) -> None:
    if check not in _evidence_checks:
        _evidence_checks.append(check)


def evidence_checks() -> list[Callable]:
    return list(_evidence_checks)
