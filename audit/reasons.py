"""What the reason of a history row says to a reader (R9).

Every service writes a short code as its history rows' reason: a transition its name (`triage`),
any other write its action (`call_note`). Each label is declared once, beside the service that writes
the code, and registered here by that app; the ticket timeline, the audit trail, its exports and the
CAPA and known-solution pages all read them from here. A state machine's transitions are registered
for their model (CAPA and tickets both have a `reject`); a code without a label reads as itself.
"""

from django.utils.translation import gettext_lazy as _

_labels: dict[tuple[str | None, str], str] = {}

# A correction of recorded facts states its reason (R20): the history row's reason is the code and
# the person's words, "edit: Tippfehler im Namen", and reads "Angaben korrigiert: Tippfehler im Namen".
CORRECTION = "edit"


def correction(stated: str) -> str:
    return f"{CORRECTION}: {stated}"


def register(labels: dict, *, model=None) -> None:
    """Labels by reason code, for the rows of `model` only or (None) of every model."""
    scope = model._meta.label if model is not None else None
    for code, text in labels.items():
        _labels[(scope, code)] = text


def label(code: str | None, *, model=None) -> str:
    """The label of `code` on a row of `model` (its model label, e.g. "capa.CapaProposal")."""
    if not code:
        return ""
    if code.startswith(f"{CORRECTION}: "):
        return f"{label(CORRECTION, model=model)}: {code[len(CORRECTION) + 2 :]}"
    scope = model if isinstance(model, str) or model is None else model._meta.label
    text = _labels.get((scope, code)) or _labels.get((None, code))
    return str(text) if text is not None else code


# The codes of audit itself and of any write that names no action of its own.
register(
    {
        "created": _("angelegt"),
        "changed": _("geändert"),
        "create": _("angelegt"),
        "edit": _("Angaben korrigiert"),
    }
)
