"""The API side of the workflow core: `POST …/{id}/transitions/{name}/` and a versioned edit's body."""

from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound

from supportdesk.api import request_data
from supportdesk.schema import CONFLICT, AnyOf, form_body
from workflow.machines import Machine


def known_transition(machine: Machine, name: str) -> None:
    """An unknown step is a 404, before anything else is looked at."""
    if name not in machine.forms:
        raise NotFound(_("Diesen Schritt gibt es nicht."))


def transition_request(
    request, machine: Machine, *, expected: str = "expected_state"
) -> tuple[dict, str | None]:
    """The body of a transition: its data, and the state the caller saw (`expected`, optional)."""
    data = request_data(request)
    seen = data.pop(expected, None)
    states = [value for value, _label in machine.model._meta.get_field(machine.field_name).choices]
    if seen is not None and seen not in states:
        raise serializers.ValidationError({expected: [_("Unbekannter Status.")]})
    return data, seen


def version_field() -> serializers.Field:
    """The documented `version` of a PATCH body (read by edit_request)."""
    return serializers.IntegerField(
        required=False,
        help_text=gettext_lazy("Die gelesene Version; ist sie veraltet, antwortet der Server mit 409."),
    )


def edit_request(request) -> tuple[dict, int | None]:
    """The body of a PATCH: the fields to change, and the version the caller read (optional, R6)."""
    data = request_data(request)
    version = data.pop("version", None)
    if version is not None and (isinstance(version, bool) or not isinstance(version, int)):
        raise serializers.ValidationError({"version": [_("Eine ganze Zahl wird erwartet.")]})
    return data, version


def transition_schema(machine: Machine, response, *, component: str, expected: str | None = "expected_state"):
    """The schema of a machine's `POST …/transitions/{name}/`: the names, the body each one takes
    (from its form, plus `expected`, the state the caller saw) and the answers (`response` on 200)."""
    seen = {}
    if expected:
        states = machine.model._meta.get_field(machine.field_name).choices
        help_text = gettext_lazy("Der gesehene Status; stimmt er nicht mehr, antwortet der Server mit 409.")
        seen = {expected: serializers.ChoiceField(choices=states, required=False, help_text=help_text)}
    components = {name: component + name.title().replace("_", "") for name in machine.forms}
    bodies = [form_body(machine.forms[name], body, **seen) for name, body in components.items()]

    def described() -> str:
        steps = (f"- `{name}` ({machine.label(name)}): {body}" for name, body in components.items())
        return "\n".join([_("Der Schritt; seine Daten:"), *steps])

    name = OpenApiParameter(
        "name", str, OpenApiParameter.PATH, enum=list(machine.forms), description=lazy(described, str)()
    )
    return extend_schema(
        parameters=[name],
        request=AnyOf(component, bodies),
        responses={200: response, 409: CONFLICT},
    )
