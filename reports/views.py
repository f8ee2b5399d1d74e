"""The reports page /reports/ for the management review and its CSV downloads (DESIGN §8)."""

from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from accounts import roles
from accounts.decorators import role_required
from reports import periods, tables
from reports.forms import PeriodForm
from supportdesk.spreadsheets import csv_response


@require_http_methods(["GET", "HEAD"])
@role_required(roles.can_read_reports)
def report(request):
    now = timezone.now()
    form = PeriodForm(request.GET, today=timezone.localdate(now))
    context = {"form": form, "presets": periods.presets(timezone.localdate(now))}
    if not form.is_valid():
        return render(request, "reports/report.html", context, status=400)
    context["report"] = tables.build(form.cleaned_data["period"], now)
    return render(request, "reports/report.html", context)


@require_http_methods(["GET", "HEAD"])
@role_required(roles.can_read_reports)
def report_csv(request, table):
    if table not in tables.SLUGS:
        raise Http404(table)
    now = timezone.now()
    form = PeriodForm(request.GET, today=timezone.localdate(now))
    if not form.is_valid():
        return HttpResponseBadRequest(form.error_text(), content_type="text/plain; charset=utf-8")
    period = form.cleaned_data["period"]
    rows = tables.complete_table(table, period, now).csv_rows()
    return csv_response(rows, filename=f"bericht-{table}-{period.first}-{period.last}.csv")
