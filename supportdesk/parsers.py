"""The API's JSON parser, hardened (R14). Apart from supportdesk.api: DRF reads its parser setting
while rest_framework.views is imported, which supportdesk.api imports."""

import json
import math

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import parsers, status
from rest_framework.exceptions import APIException, ParseError


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
