"""Logging: an ordinary refusal is one line, not a traceback."""

import logging

from django.core.exceptions import BadRequest, PermissionDenied


class OneLineRefusal(logging.Filter):
    """Django logs each 403 ("Forbidden (Permission denied): /path") and 400 with the exception's
    traceback; a role check or a bad address refused is no error, so the line stays and the
    traceback goes."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and isinstance(record.exc_info[1], (PermissionDenied, BadRequest)):
            record.exc_info = None
            record.exc_text = None
        return True
