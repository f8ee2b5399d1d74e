"""What every endpoint under /api/v1/ shares: pagination, request bodies, JSON errors (R14)."""

import django_filters
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework.exceptions import NotFound, ParseError, ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from supportdesk import forms
from supportdesk.errors import Conflict, DeletionRefused, InvalidData
from supportdesk.parsers import BodyTooLarge


class BooleanFilter(django_filters.BooleanFilter):
    """A yes/no filter that answers 400 to a value it cannot read, instead of silently not filtering."""

    field_class = forms.BooleanField


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


def locked_out(form):
    """The error of a password a lock-out refused (R18: code "locked_out"), or None."""
    for errors in form.errors.as_data().values():
        for error in errors:
            if error.code == "locked_out":
                return error
    return None


def exception_handler(exc, context):
    if isinstance(exc, InvalidData):
        if locked := locked_out(exc.form):  # R18: the API answers a lock-out with 429
            return Response(
                {"detail": locked.message},
                status=status.HTTP_429_TOO_MANY_REQUESTS,
                headers={"Retry-After": str(locked.params["retry_after"])},
            )
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
