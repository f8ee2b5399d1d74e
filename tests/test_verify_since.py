"""R19: `verify_audit_trail --since YYYY-MM-DD`, the daily run: the chains of the objects changed since
that day (Europe/Berlin), each walked from its first row, and the event logs whole."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from audit.chain import audited_models
from tests.factories import CustomerFactory, create_ticket, run
from tests.test_reports import at, t
from tickets.models import Ticket

pytestmark = [pytest.mark.req("R19"), pytest.mark.django_db]


def verify(*args) -> str:
    out = io.StringIO()
    call_command("verify_audit_trail", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def broken(*args) -> str:
    with pytest.raises(CommandError) as failure:
        verify(*args)
    assert failure.value.returncode == 1
    return str(failure.value)


def sql(statement, params=()):
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # past the append-only triggers, as a superuser could
            cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(statement, params)


@pytest.fixture
def old_and_new(support_user):
    """`old` called in January and left alone; `changed` called in January, triaged in March;
    `new` called in March."""
    with at(t("2026-01-05 09:00")):
        customer = CustomerFactory()
        old = create_ticket(support_user, customer=customer)
        changed = create_ticket(support_user, customer=customer)
    with at(t("2026-03-02 09:00")):
        changed = run(changed, "triage", support_user)
        new = create_ticket(support_user, customer=customer)
    return {"old": old, "changed": changed, "new": new}


def rows_of_objects_changed_since(moment) -> int:
    rows = 0
    for model in audited_models():
        history = model.history.model.objects
        touched = history.filter(history_date__gte=moment).values("id")
        rows += history.filter(id__in=touched).count()
    return rows


def test_it_verifies_the_whole_chains_of_the_objects_changed_since_the_day(old_and_new):
    out = verify("--since", "2026-03-01")

    expected = rows_of_objects_changed_since(t("2026-03-01 00:00"))
    changed_rows = Ticket.history.filter(id=old_and_new["changed"].pk).count()
    assert changed_rows == 2  # the call in January and the triage in March: walked from the first
    assert expected < sum(model.history.count() for model in audited_models())  # not the old ticket
    assert f"Audit trail intact for the objects changed since 2026-03-01: {len(audited_models())} " in out
    assert f"history tables verified ({expected:,} rows;" in out


def test_a_changed_row_of_an_object_changed_since_the_day_is_found(old_and_new):
    new = old_and_new["new"]
    sql("UPDATE tickets_ticket SET summary = 'x' WHERE id = %s", [new.pk])

    message = broken("--since", "2026-03-01")
    assert f"tickets.HistoricalTicket object {new.pk}" in message
    assert "differs from its newest history row in: summary" in message


def test_an_old_row_of_an_object_changed_since_the_day_is_found(old_and_new):
    """The chain of an object changed since the day is walked from its first row."""
    changed = old_and_new["changed"]
    first = Ticket.history.filter(id=changed.pk).order_by("history_id").first()
    sql("UPDATE tickets_historicalticket SET summary = 'x' WHERE history_id = %s", [first.history_id])

    message = broken("--since", "2026-03-01")
    assert f"tickets.HistoricalTicket object {changed.pk}, history row {first.history_id}:" in message
    assert "hash does not match" in message


def test_an_object_left_alone_since_the_day_is_left_to_the_full_run(old_and_new):
    old = old_and_new["old"]
    sql("UPDATE tickets_ticket SET summary = 'x' WHERE id = %s", [old.pk])

    assert "Audit trail intact for the objects changed since 2026-03-01" in verify("--since", "2026-03-01")
    assert f"tickets.HistoricalTicket object {old.pk}" in broken()


def test_the_day_is_counted_in_berlin_time(support_user):
    with at(t("2026-03-01 00:30")):  # 23:30 UTC on 28 February
        ticket = create_ticket(support_user)
    sql("UPDATE tickets_ticket SET summary = 'x' WHERE id = %s", [ticket.pk])

    assert f"object {ticket.pk}" in broken("--since", "2026-03-01")
    assert "Audit trail intact" in verify("--since", "2026-03-02")


def test_a_day_that_is_no_date_is_refused():
    with pytest.raises(CommandError, match="a date YYYY-MM-DD"):
        verify("--since", "01.03.2026")
