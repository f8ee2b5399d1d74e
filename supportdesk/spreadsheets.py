"""CSV downloads that a German Excel opens by double-click: UTF-8 with a byte-order mark, ";" between
cells. `cell()` keeps a value from being read as a formula (CSV injection)."""

import csv

from django.http import HttpResponse, StreamingHttpResponse

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
CONTENT_TYPE = "text/csv; charset=utf-8"


def cell(value) -> str:
    """Text that no spreadsheet runs: a leading formula character is quoted away."""
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


class _Echo:
    """A file whose write() hands the line back, so csv.writer feeds a generator."""

    def write(self, value):
        return value


def _lines(rows):
    writer = csv.writer(_Echo(), delimiter=";")
    yield "\ufeff"  # the byte-order mark: spreadsheet programs then read UTF-8
    for row in rows:
        yield writer.writerow(row)


def _attachment(response, filename: str):
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def csv_response(rows, *, filename: str) -> HttpResponse:
    """A small CSV file, built in memory."""
    return _attachment(HttpResponse("".join(_lines(rows)), content_type=CONTENT_TYPE), filename)


def csv_streaming_response(rows, *, filename: str) -> StreamingHttpResponse:
    """A CSV file of any length, written line by line as `rows` yields them (memory stays flat)."""
    return _attachment(StreamingHttpResponse(_lines(rows), content_type=CONTENT_TYPE), filename)
