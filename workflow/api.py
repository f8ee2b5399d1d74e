"""The API side of the workflow core: `POST …/{id}/transitions/{name}/` and a versioned edit's body."""

from django.utils.translation import gettext as _
from rest_framework import serializers
from rest_framework.exceptions import NotFound

from supportdesk.api import request_data
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


def edit_request(request) -> tuple[dict, int | None]:
    """The body of a PATCH: the fields to change, and the version the caller read (optional, R6)."""
    data = request_data(request)
    version = data.pop("version", None)
    if version is not None and (isinstance(version, bool) or not isinstance(version, int)):
        raise serializers.ValidationError({"version": [_("Eine ganze Zahl wird erwartet.")]})
    return data, version
