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
from rest_framework.utils.urls import remove_query_param, replace_query_param
from rest_framework.views import exception_handler as drf_exception_handler

from supportdesk import forms
from supportdesk.errors import Conflict, DeletionRefused, InvalidData
from supportdesk.pages import COUNT_LIMIT
from supportdesk.parsers import BodyTooLarge


class BooleanFilter(django_filters.BooleanFilter):
    """A yes/no filter that answers 400 to a value it cannot read, instead of silently not filtering."""

    field_class = forms.BooleanField


MAX_PAGE = 10**9  # keeps the offset a 64-bit integer; no list has that many pages


class Pagination(PageNumberPagination):
    """`?page=` and `?page_size=` (up to 200). `count` is the number of matching rows up to COUNT_LIMIT
    (10,000), so no list counts a million rows on every request: 10,000 means "10,000 or more", and
    `next` leads on to the end. A page reads one row more than it shows to know whether there is a next.

    A view's `uncounted_by` names the parameters that make a search whose matches are not counted
    at all (a text index finds every row of a common word before one can be counted): `count` is
    then the rows up to the page's end, one more while there is a next page, exact on the last."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    count_limit = COUNT_LIMIT
    count_description = (
        f"The number of matching rows, counted up to {COUNT_LIMIT:,}: {COUNT_LIMIT:,} means that many "
        "or more; follow `next` to the last page. A text search (`q`) counts no further than it reads: "
        "the rows up to this page's end, plus one when there is a `next` page."
    )

    def paginate_queryset(self, queryset, request, view=None):
        self.request, size = request, self.get_page_size(request)
        number = request.query_params.get(self.page_query_param) or "1"
        if not number.isdecimal() or not 1 <= int(number) <= MAX_PAGE:
            raise NotFound(self.invalid_page_message)
        self.number, offset = int(number), (int(number) - 1) * size
        rows = list(queryset[offset : offset + size + 1])
        if not rows and self.number > 1:
            raise NotFound(self.invalid_page_message)
        self.has_next = len(rows) > size
        if any(request.query_params.get(name) for name in getattr(view, "uncounted_by", ())):
            self.count = offset + len(rows)  # a text search: no further than read
        elif offset + len(rows) >= self.count_limit:
            self.count = self.count_limit
        else:
            self.count = queryset.order_by()[: self.count_limit].count()
        return rows[:size]

    def get_paginated_response(self, data):
        return Response(
            {
                "count": self.count,
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema):
        response = super().get_paginated_response_schema(schema)
        response["properties"]["count"]["description"] = self.count_description
        return response

    def get_next_link(self):
        if not self.has_next:
            return None
        return replace_query_param(self.request.build_absolute_uri(), self.page_query_param, self.number + 1)

    def get_previous_link(self):
        url = self.request.build_absolute_uri()
        if self.number == 1:
            return None
        if self.number == 2:
            return remove_query_param(url, self.page_query_param)
        return replace_query_param(url, self.page_query_param, self.number - 1)


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
