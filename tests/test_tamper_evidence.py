"""R19: tamper evidence covers the live rows and the event logs; PostgreSQL refuses TRUNCATE."""

import io
import threading
from contextlib import contextmanager

import pytest
from django.core import checks
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, connections, transaction
from django.db.migrations.loader import MigrationLoader
from django.test import Client
from django.test.utils import override_settings

from audit import services as audit_services
from audit.chain import audited_models, event_models, verify_all, verify_events
from audit.models import AuditExport, EventChainHead, SignInEvent
from customers.models import Customer
from tests.conftest import web_client
from tests.factories import PASSWORD, CustomerFactory, create_ticket, ticket_in_state
from tickets.models import State, Ticket

pytestmark = pytest.mark.req("R19")

LOGS = [("audit_signinevent", "signins"), ("audit_auditexport", "exports")]


def on_postgresql() -> bool:
    return connection.vendor == "postgresql"


def verify(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("verify_audit_trail", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def broken() -> str:
    """Run the command expecting it to fail (exit status 1); return its message."""
    with pytest.raises(CommandError) as failure:
        verify()
    assert failure.value.returncode == 1
    return str(failure.value)


def sql(statement, params=()):
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


@contextmanager
def as_superuser_without_triggers():
    """Tamper as a database superuser would: on PostgreSQL with every trigger off (append-only too)."""
    if on_postgresql():
        # TRUNCATE is refused while deferred foreign-key checks of this transaction are pending.
        sql("SET CONSTRAINTS ALL IMMEDIATE")
        sql("SET LOCAL session_replication_role = replica")
    yield
    if on_postgresql():
        sql("SET LOCAL session_replication_role = DEFAULT")
        sql("SET CONSTRAINTS ALL DEFERRED")


@pytest.fixture
def tickets(support_user):
    customer = CustomerFactory()
    return [
        ticket_in_state(State.IMMEDIATE_FIX, support_user, customer=customer),
        create_ticket(support_user, customer=customer),
    ]


@pytest.fixture
def event_logs(support_user, qmb_user):
    """Sign-ins through the login form and exports through the pages: the paths that write events."""
    client = Client()
    client.post("/accounts/login/", {"username": support_user.username, "password": PASSWORD})
    client.post("/accounts/login/", {"username": "mallory", "password": "geraten"})
    client.post("/accounts/logout/")
    qmb = web_client(qmb_user)
    for path in ("/audit/export.csv", "/audit/export.pdf", "/audit/export.csv"):
        assert qmb.get(path).status_code == 200
    signins = list(SignInEvent.objects.order_by("pk"))
    exports = list(AuditExport.objects.order_by("pk"))
    assert len(signins) >= 3 and len(exports) == 3
    return {"signins": signins, "exports": exports}


# --- live rows -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_live_row_changed_in_the_database_is_found_and_named(tickets):
    """Live tables are not append-only: an UPDATE past the application works, and is found."""
    assert verify_all()[1] is None
    first = min(ticket.pk for ticket in tickets)
    newest = Ticket.history.filter(id=first).order_by("-history_id").first()

    sql("UPDATE tickets_ticket SET summary = 'x', state = 'closed'")

    message = broken()
    assert f"tickets.HistoricalTicket object {first}, history row {newest.history_id}:" in message
    assert "the live row (tickets.Ticket) differs from its newest history row in: state, summary" in message


@pytest.mark.django_db
def test_a_live_row_without_history_is_found(tickets):
    """A row written past the history (here bulk_create, like a raw INSERT) has no chain at all."""
    [customer] = Customer.objects.bulk_create([Customer(customer_number="K-9999", name="Untergeschoben")])

    message = broken()
    assert f"customers.HistoricalCustomer object {customer.pk}: no history rows at all" in message


@pytest.mark.django_db
def test_a_clean_trail_passes_with_progress_and_a_summary(tickets, event_logs):
    out, err = verify("--progress-every", "2")

    history_rows = sum(model.history.count() for model in audited_models())
    events = SignInEvent.objects.count() + AuditExport.objects.count()
    assert f"{len(audited_models())} history tables verified ({history_rows:,} rows;" in out
    assert f"and {events:,} sign-in and export events" in out
    assert "tickets.HistoricalTicket: 2 rows verified" in err
    assert "audit.SignInEvent: 2 rows verified" in err
    assert "audit.AuditExport: 2 rows verified" in err


# --- event logs ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_every_event_is_chained_to_the_one_before(event_logs):
    for model in event_models():
        events = list(model.objects.order_by("pk"))
        assert all(event.chain_hash for event in events)
        assert len({event.chain_hash for event in events}) == len(events)
        assert EventChainHead.objects.get(log=model._meta.label).head == events[-1].chain_hash
        assert verify_events(model) is None


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("table", "log", "column", "value"),
    [
        ("audit_signinevent", "signins", "username", "jemand"),
        ("audit_signinevent", "signins", "kind", "login"),
        ("audit_auditexport", "exports", "format", "ticket_pdf"),
        ("audit_auditexport", "exports", "at", "2020-01-01 00:00:00+00:00"),
    ],
)
def test_an_altered_event_is_found_and_named(event_logs, table, log, column, value):
    victim = event_logs[log][1]
    with as_superuser_without_triggers():
        sql(f"UPDATE {table} SET {column} = %s WHERE id = %s", [value, victim.pk])

    message = broken()
    assert f"{victim._meta.label} object {victim.pk}: hash does not match" in message


@pytest.mark.django_db
@pytest.mark.parametrize(("table", "log"), LOGS)
def test_a_deleted_event_is_found(event_logs, table, log):
    events = event_logs[log]
    with as_superuser_without_triggers():
        sql(f"DELETE FROM {table} WHERE id = %s", [events[1].pk])

    assert f"{events[2]._meta.label} object {events[2].pk}: hash does not match" in broken()


@pytest.mark.django_db
@pytest.mark.parametrize(("table", "log"), LOGS)
def test_the_newest_events_removed_or_the_log_emptied_are_found_by_the_chain_head(event_logs, table, log):
    events = event_logs[log]
    with as_superuser_without_triggers():
        sql(f"DELETE FROM {table} WHERE id = %s", [events[-1].pk])
    message = broken()
    assert f"{events[-2]._meta.label} object {events[-2].pk}: chain head does not match" in message

    with as_superuser_without_triggers():
        sql(f"TRUNCATE {table}" if on_postgresql() else f"DELETE FROM {table}")
    assert f"{events[0]._meta.label}: chain head does not match" in broken()


@pytest.mark.postgres_only  # real concurrent connections
@pytest.mark.django_db(transaction=True)
def test_concurrent_events_chain_one_after_the_other(support_user):
    start = threading.Barrier(8)

    def sign_in_several_times():
        try:
            start.wait()
            for _ in range(5):
                audit_services.sign_in_event_record(kind=SignInEvent.Kind.LOGIN, user=support_user)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=sign_in_several_times) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert SignInEvent.objects.count() == 40
    assert verify_events(SignInEvent) is None


@pytest.mark.django_db(transaction=True)
def test_the_migration_chains_the_events_written_before_it(support_user):
    """Events written before R19 have no hash: migrating chains them in the order of their ids."""
    call_command("migrate", "audit", "0003", verbosity=0)
    before = MigrationLoader(connection).project_state(("audit", "0003_signin_locked_out")).apps
    for name in ("anna", "bert", "carl"):
        before.get_model("audit", "SignInEvent").objects.create(kind="login_failed", username=name)
    before.get_model("audit", "AuditExport").objects.create(user_id=support_user.pk, format="csv")

    call_command("migrate", "audit", "0004", verbosity=0)

    names = SignInEvent.objects.order_by("pk").values_list("username", flat=True)
    assert list(names) == ["anna", "bert", "carl"]
    assert all(SignInEvent.objects.values_list("chain_hash", flat=True))
    assert verify_all()[1] is None
    audit_services.sign_in_event_record(kind=SignInEvent.Kind.LOGIN, user=support_user)
    assert verify_events(SignInEvent) is None


# --- PostgreSQL refuses TRUNCATE -------------------------------------------------------------------


def protected_tables() -> list[str]:
    return [model.history.model._meta.db_table for model in audited_models()] + [
        model._meta.db_table for model in event_models()
    ]


@pytest.mark.postgres_only  # the triggers exist only there
@pytest.mark.django_db
def test_every_history_and_event_table_has_the_truncate_trigger():
    row_level, before, truncate = 1, 2, 32
    for table in protected_tables():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT tgtype, tgenabled FROM pg_trigger "
                "WHERE tgrelid = %s::regclass AND tgname = 'refuse_truncate'",
                [table],
            )
            [(tgtype, enabled)] = cursor.fetchall()
        assert enabled == "O", f"trigger disabled on {table}"
        assert tgtype & (row_level | before | truncate) == before | truncate, f"{table}: {tgtype}"


@pytest.mark.postgres_only  # the triggers exist only there
@pytest.mark.django_db
@pytest.mark.parametrize("table", ["tickets_historicalticket", "audit_signinevent", "audit_auditexport"])
def test_truncate_is_refused_without_the_test_databases_grant(tickets, event_logs, table):
    """The test database grants itself TRUNCATE for the flush between tests (tests/conftest.py); with
    the grant switched off, as on every other database, TRUNCATE is refused and nothing is lost."""
    count = f"SELECT count(*) FROM {table}"
    with connection.cursor() as cursor:
        cursor.execute(count)
        [(rows,)] = cursor.fetchall()
    assert rows > 0

    sql("SET CONSTRAINTS ALL IMMEDIATE")  # TRUNCATE waits for no pending foreign-key check
    sql("SET LOCAL supportdesk.test_flush = 'off'")
    with pytest.raises(DatabaseError, match="append-only: TRUNCATE"), transaction.atomic():
        sql(f"TRUNCATE {table}")
    with pytest.raises(DatabaseError, match="append-only: TRUNCATE"), transaction.atomic():
        sql("TRUNCATE tickets_ticket CASCADE")  # the export events refer to tickets

    with connection.cursor() as cursor:
        cursor.execute(count)
        assert cursor.fetchall() == [(rows,)]
    assert verify_all()[1] is None


@pytest.mark.postgres_only  # the triggers exist only there
@pytest.mark.django_db
def test_only_a_database_named_like_a_test_database_may_use_the_grant():
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('supportdesk.test_flush')")
        assert cursor.fetchall() == [("on",)]
        cursor.execute(
            "SELECT supportdesk_may_truncate(current_database()), supportdesk_may_truncate('supportdesk'), "
            "supportdesk_may_truncate('supportdesk_test_copy')"
        )
        assert cursor.fetchall() == [(True, False, False)]


@pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")
@pytest.mark.parametrize(
    ("engine", "name", "warned"),
    [
        ("django.db.backends.postgresql", "test_supportdesk", True),
        ("django.db.backends.postgresql", "supportdesk", False),
        ("django.db.backends.sqlite3", "test_supportdesk", False),
    ],
)
def test_check_deploy_warns_about_a_postgresql_database_named_like_a_test_database(engine, name, warned):
    with override_settings(DATABASES={"default": {"ENGINE": engine, "NAME": name}}):
        found = checks.run_checks(include_deployment_checks=True)
        assert ("audit.W001" in [message.id for message in found]) is warned
        assert "audit.W001" not in [message.id for message in checks.run_checks()]
