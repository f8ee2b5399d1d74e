"""What every endpoint under /api/v1/ shares: pagination, request bodies, JSON errors (R14)."""

import json
import math

import django_filters
from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import parsers, status
from rest_framework.exceptions import APIException, NotFound, ParseError, ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from supportdesk import forms
from supportdesk.errors import Conflict, DeletionRefused, InvalidData


class BooleanFilter(django_filters.BooleanFilter):
    """A yes/no filter that answers 400 to a value it cannot read, instead of silently not filtering."""

    field_class = forms.BooleanField


class BodyTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = gettext_lazy("Die Anfrage ist zu groß.")


# No request body of this API nests deeper than a few levels; the limit keeps a hostile one
# from exhausting the parser's recursion.
MAX_JSON_DEPTH = 20


def _finite_float(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise ValueError(_("Zahl außerhalb des zulässigen Bereichs: %s") % text)
    return number


def _refuse_constant(text: str):
    raise ValueError(_("%s ist keine Zahl in JSON.") % text)


def _check_depth(value) -> None:
    """Iteratively: a recursive walk would be what the limit guards against."""
    pending = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if depth > MAX_JSON_DEPTH:
            raise ParseError(_("Die JSON-Daten sind zu tief verschachtelt."))
        if isinstance(item, dict):
            pending.extend((child, depth + 1) for child in item.values())
        elif isinstance(item, list):
            pending.extend((child, depth + 1) for child in item)


class JSONParser(parsers.JSONParser):
    """DRF's parser, hardened (R14): a size limit, finite numbers (1e400 would be infinity, which no
    column holds) and a nesting limit, each a 400 or 413 with a message instead of a 500 further in.
    A NUL character in a text is refused by the form's text field, which names the field."""

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        body = b"" if stream is None else stream.read(-1 if limit is None else limit + 1)
        if limit is not None and len(body) > limit:
            raise BodyTooLarge()
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            value = json.loads(
                body.decode(encoding),
                parse_float=_finite_float,
                parse_constant=_refuse_constant,
            )
        except RecursionError:
            raise ParseError(_("Die JSON-Daten sind zu tief verschachtelt.")) from None
        except ValueError as error:  # json.JSONDecodeError, UnicodeDecodeError and ours
            raise ParseError(_("Ungültiges JSON: %s") % error) from None
        _check_depth(value)
        return value


class Pagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


def request_data(request) -> dict:
    """The request body as a flat dict for a form; anything else is a 400."""
    data = request.data
    if hasattr(data, "dict"):  # form-encoded
        return data.dict()
    if not isinstance(data, dict):
        raise ParseError(_("Ein JSON-Objekt wird erwartet."))
    return data


def form_errors(form) -> dict:
    errors = form.errors.get_json_data()
    if "__all__" in errors:
        errors["non_field_errors"] = errors.pop("__all__")
    return {field: [e["message"] for e in messages] for field, messages in errors.items()}


def exception_handler(exc, context):
    if isinstance(exc, InvalidData):
        return Response(form_errors(exc.form), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, Conflict):
        return Response({"detail": str(exc.message)}, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, DeletionRefused):
        return Response({"detail": str(exc)}, status=status.HTTP_405_METHOD_NOT_ALLOWED)
    if isinstance(exc, RequestDataTooBig):  # Django's own limit, met before the parser's
        exc = BodyTooLarge()
    elif isinstance(exc, DjangoValidationError):
        exc = ValidationError(exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages})
    elif isinstance(exc, (ObjectDoesNotExist, LookupError, Http404)):
        exc = NotFound(_("Nicht gefunden."))
    elif isinstance(exc, PermissionDenied) and not exc.args:
        exc = PermissionDenied(_("Ihre Rolle erlaubt diese Aktion nicht."))
    return drf_exception_handler(exc, context)
