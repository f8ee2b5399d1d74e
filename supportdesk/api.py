"""What every endpoint under /api/v1/ shares: pagination, request bodies, JSON errors (R14)."""

import django_filters
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
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


def exception_handler(exc, context):
    if isinstance(exc, InvalidData):
        return Response(form_errors(exc.form), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, Conflict):
        return Response({"detail": str(exc.message)}, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, DeletionRefused):
        return Response({"detail": str(exc)}, status=status.HTTP_405_METHOD_NOT_ALLOWED)
    if isinstance(exc, DjangoValidationError):
        exc = ValidationError(exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages})
    elif isinstance(exc, (ObjectDoesNotExist, LookupError, Http404)):
        exc = NotFound(_("Nicht gefunden."))
    elif isinstance(exc, PermissionDenied) and not exc.args:
        exc = PermissionDenied(_("Ihre Rolle erlaubt diese Aktion nicht."))
    return drf_exception_handler(exc, context)
