"""The OpenAPI schema tells what the API does (DESIGN §7); shared by every API module, it knows no app.

- Every operation lists its error answers: `AutoSchema` adds 400, 401, 403 and 404 where the
  operation can give them; an operation adds 409 (`CONFLICT`) or 429 (`LOCKED_OUT`) itself.
- Request bodies are derived from the forms that validate them (`form_body`), so they cannot drift.
- A body that depends on a path parameter (a transition's data on its name) is `AnyOf` its bodies.
"""

from django import forms
from django.utils.translation import gettext_lazy as _
from drf_spectacular import openapi
from drf_spectacular.extensions import OpenApiSerializerExtension, OpenApiViewExtension
from drf_spectacular.utils import (
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_view,
)
from rest_framework import serializers
from rest_framework.permissions import AllowAny


class Error(serializers.Serializer):
    detail = serializers.CharField()


class FieldErrors(serializers.Serializer):
    """Annotation only: each field refused, with its messages (`non_field_errors` for the whole)."""


class FieldErrorsSchema(OpenApiSerializerExtension):
    target_class = FieldErrors

    def map_serializer(self, auto_schema, direction):
        messages = {"type": "array", "items": {"type": "string"}}
        return {"type": "object", "additionalProperties": messages, "description": FieldErrors.__doc__}


BAD_REQUEST = OpenApiResponse(
    PolymorphicProxySerializer("BadRequest", [Error, FieldErrors], resource_type_field_name=None),
    description=_("Ungültige Eingabe: die Fehler je Feld, oder `detail` bei einem unlesbaren Body."),
)
CONFLICT = OpenApiResponse(
    Error, description=_("Der Status oder eine Regel lässt es nicht zu, oder die Daten sind veraltet.")
)
LOCKED_OUT = OpenApiResponse(
    Error, description=_("Zu viele Fehlversuche: die Anmeldung ist vorübergehend gesperrt.")
)
RETRY_AFTER = {"schema": {"type": "integer"}, "description": _("Sekunden bis zum nächsten Versuch.")}
ERRORS = {
    "400": BAD_REQUEST,
    "401": OpenApiResponse(Error, description=_("Nicht angemeldet, oder das Token gilt nicht.")),
    "403": OpenApiResponse(Error, description=_("Ihre Rolle erlaubt diese Aktion nicht.")),
    "404": OpenApiResponse(Error, description=_("Nicht gefunden.")),
}


class AutoSchema(openapi.AutoSchema):
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code in self._error_codes():
            if code not in responses:
                responses[code] = self._get_response_for_code(ERRORS[code], code, direction=direction)
        if "429" in responses:
            responses["429"]["headers"] = {"Retry-After": RETRY_AFTER}
        return responses

    def _error_codes(self):
        """400 for a body or filters, 401 when the view authenticates, 403 when it checks a
        permission, 404 for an object in the path or a page of a list."""
        if self.method in ("POST", "PUT", "PATCH") or self._get_filter_parameters():
            yield "400"
        if self.view.get_authenticators():
            yield "401"
        if any(not isinstance(p, AllowAny) for p in self.view.get_permissions()):
            yield "403"
        if "{" in self.path or self._get_pagination_parameters():
            yield "404"

    def get_filter_backends(self):
        # The viewsets' filters choose what their list shows; the lists of an object's records
        # (history, notes, …) take none.
        return super().get_filter_backends() if getattr(self.view, "action", "list") == "list" else []


def _body_field(field: forms.Field) -> serializers.Field:
    """The serializer field that documents what `field` accepts."""
    required = getattr(field, "value_required", field.required)  # supportdesk.forms.BooleanField
    meta = {"required": required, "label": field.label, "help_text": field.help_text or None}
    if isinstance(field, forms.BooleanField):
        return serializers.BooleanField(allow_null=not required, **meta)
    if isinstance(field, forms.ModelChoiceField):
        return serializers.IntegerField(allow_null=not required, **meta)
    if isinstance(field, forms.ChoiceField):
        choices = [(value, label) for value, label in field.choices if value != ""]
        return serializers.ChoiceField(choices=choices, allow_blank=not required, **meta)
    if isinstance(field, forms.DateTimeField):
        return serializers.DateTimeField(allow_null=not required, **meta)
    if isinstance(field, forms.DateField):
        return serializers.DateField(allow_null=not required, **meta)
    if isinstance(field, forms.EmailField):
        return serializers.EmailField(max_length=field.max_length, allow_blank=not required, **meta)
    if isinstance(field, forms.CharField):
        min_length = field.min_length or (1 if required else None)
        return serializers.CharField(
            max_length=field.max_length, min_length=min_length, allow_blank=not required, **meta
        )
    raise TypeError(f"no schema for the form field {type(field).__name__}")


def form_body(form: type[forms.Form], name: str, **extra: serializers.Field) -> type[serializers.Serializer]:
    """The request body that `form` validates, as a serializer named `name` (its schema component),
    plus `extra` fields that the API reads besides the form's."""
    fields = {field_name: _body_field(field) for field_name, field in form.base_fields.items()}
    return type(f"{name}Serializer", (serializers.Serializer,), {**fields, **extra})


class AnyOf(serializers.Serializer):
    """Annotation only: a body that is one of `bodies`; which one, the operation's path says."""

    def __init__(self, component_name: str, bodies: list, **kwargs):
        self.component_name, self.bodies = component_name, bodies
        super().__init__(**kwargs)


class AnyOfSchema(OpenApiSerializerExtension):
    target_class = AnyOf

    def get_name(self, auto_schema, direction):
        return self.target.component_name

    def map_serializer(self, auto_schema, direction):
        return {"anyOf": [auto_schema.resolve_serializer(body, direction).ref for body in self.target.bodies]}


class ModelSerializer(serializers.ModelSerializer):
    """Its read-only fields still admit a blank value where the model does (DRF drops `allow_blank`
    for them), so the schema says that a choice may come back as ""."""

    def include_extra_kwargs(self, kwargs, extra_kwargs):
        blank = kwargs.get("allow_blank", False)
        kwargs = super().include_extra_kwargs(kwargs, extra_kwargs)
        if blank:
            kwargs["allow_blank"] = True
        return kwargs


class Token(serializers.Serializer):
    token = serializers.CharField()


class TokenView(OpenApiViewExtension):
    """POST /api/v1/auth/token/: its answers, including two-factor and the lock-out (R18, DESIGN §11)."""

    target_class = "rest_framework.authtoken.views.ObtainAuthToken"
    match_subclasses = True
    priority = 1  # before drf-spectacular's own extension for the same view

    def view_replacement(self):
        enrol = OpenApiResponse(
            Error, description=_("Ihre Rolle verlangt die Zwei-Faktor-Anmeldung; richten Sie sie zuerst ein.")
        )
        answers = extend_schema(responses={200: Token, 403: enrol, 429: LOCKED_OUT})
        return extend_schema_view(post=answers)(type(self.target.__name__, (self.target,), {}))
