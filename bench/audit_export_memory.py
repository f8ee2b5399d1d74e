r"""Benchmark (not a test): the CSV export of the audit trail streams with flat memory.

It fills a scratch PostgreSQL database with history rows by bulk insert (10,000, then 100,000),
streams /audit/export.csv through the Django test client each time, and prints the rows exported,
the peak Python memory of the export (tracemalloc) and the time, plus the time of the first and
of a deep page of /audit/. Flat memory: the 100,000-row peak is about the 10,000-row peak.

Run it on a scratch database, never on real data (it inserts invented tickets and history rows):

    createdb -h 127.0.0.1 -U postgres sd_i4_audit_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sd_i4_audit_bench \
        .venv/bin/python bench/audit_export_memory.py
    dropdb -h 127.0.0.1 -U postgres sd_i4_audit_bench

The history rows are bulk-inserted without hash chain links: the chain is not under test here.
"""

import datetime
import os
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "supportdesk.settings")

import django

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402

from customers.models import Customer  # noqa: E402
from tickets.models import Ticket  # noqa: E402

ROWS_PER_TICKET = 100
START = datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC)


def prepare():
    if connection.vendor != "postgresql":
        sys.exit("Set DATABASE_URL to a scratch PostgreSQL database (see the docstring).")
    call_command("migrate", verbosity=0)
    User = get_user_model()
    qmb, created = User.objects.get_or_create(username="bench-qmb", defaults={"first_name": "Bench"})
    if created:
        qmb.groups.add(Group.objects.get(name="qmb"))
    return qmb


def fill_to(total: int, by) -> None:
    """Bulk-insert tickets and HistoricalTicket rows until the history table holds `total` rows."""
    history = Ticket.history.model
    have = history.objects.count()
    customer, _ = Customer.objects.get_or_create(customer_number="BENCH-1", defaults={"name": "Bench GmbH"})
    while have < total:
        batch = min(10_000, total - have)
        first = Ticket.objects.count()
        tickets = Ticket.objects.bulk_create(
            Ticket(
                number=f"2099-{first + n:06d}",
                customer=customer,
                caller_name="Frau Bench",
                summary=f"Benchmark-Vorgang {first + n}",
                description="Erzeugt von bench/audit_export_memory.py",
                taken_by=by,
            )
            for n in range(batch // ROWS_PER_TICKET)
        )
        rows = []
        for ticket in tickets:
            for step in range(ROWS_PER_TICKET):
                moment = START + datetime.timedelta(minutes=have + len(rows))
                rows.append(
                    history(
                        id=ticket.pk,
                        number=ticket.number,
                        state="triage",
                        state_entered_at=moment,
                        version=step + 1,
                        customer_id=customer.pk,
                        caller_name=f"Anrufer {step}",
                        summary=ticket.summary,
                        description=ticket.description,
                        taken_by_id=by.pk,
                        priority="normal",
                        created_at=moment,
                        updated_at=moment,
                        history_date=moment,
                        history_type="+" if step == 0 else "~",
                        history_change_reason="intake" if step == 0 else "edit",
                        history_user_id=by.pk,
                    )
                )
        history.objects.bulk_create(rows, batch_size=5000)
        have += len(rows)
    print(f"history rows in the database: {history.objects.count():,}")


def measure_export(client) -> tuple[int, int, float]:
    tracemalloc.start()
    tracemalloc.reset_peak()
    started = time.perf_counter()
    response = client.get("/audit/export.csv")
    lines = 0
    for chunk in response.streaming_content:
        lines += chunk.count(b"\r\n")
    elapsed = time.perf_counter() - started
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return lines - 1, peak, elapsed  # minus the header; (cells with line breaks do not occur here)


def measure_pages(client) -> tuple[float, float]:
    started = time.perf_counter()
    page = client.get("/audit/").context["page"]
    first = time.perf_counter() - started
    for _ in range(20):  # twenty pages deep, by cursor
        page = client.get("/audit/", {"before": page.older}).context["page"]
    started = time.perf_counter()
    client.get("/audit/", {"before": page.older})
    return first, time.perf_counter() - started


def main():
    setup_test_environment()
    qmb = prepare()
    client = Client()
    client.force_login(qmb)
    # Warm-up: the first request imports modules and loads translations; that is no cost of the export.
    b"".join(client.get("/audit/export.csv", {"kind": "login"}).streaming_content)
    client.get("/audit/")
    results = []
    for total in (10_000, 100_000):
        fill_to(total, qmb)
        rows, peak, elapsed = measure_export(client)
        first, deep = measure_pages(client)
        results.append((total, rows, peak))
        print(
            f"{total:>7,} history rows: exported {rows:,} CSV rows in {elapsed:.1f} s, "
            f"peak memory {peak / 1024 / 1024:.1f} MiB; /audit/ first page {first * 1000:.0f} ms, "
            f"page 22 {deep * 1000:.0f} ms"
        )
    (small, _, small_peak), (large, _, large_peak) = results
    print(
        f"peak memory ratio {large:,} vs {small:,} rows: {large_peak / small_peak:.2f} "
        f"(rows ratio {large / small:.0f}); {timezone.now():%Y-%m-%d %H:%M} UTC"
    )


if __name__ == "__main__":
    main()
