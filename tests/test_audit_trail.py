"""The audit trail: complete (R9), never deleted (R7), append-only (R10), tamper-evident (R11)."""

import hashlib
import io
import json
import os
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, models, transaction
from django.utils import timezone

from accounts import roles
from attachments import services as attachment_services
from audit.chain import _canonical, audited_models, row_hash, verify_all, verify_model
from audit.models import AuditedModel, DeletionRefused
from calls import services as call_services
from capa import services as capa_services
from customers import services as customer_services
from customers.models import Customer
from solutions import services as solution_services
from solutions.models import KnownSolution
from tests.factories import (
    PASSWORD,
    CustomerFactory,
    create_ticket,
    notify,
    run,
    ticket_in_state,
    transition_data,
    user_with_role,
)
from tickets import services
from tickets.models import CallNote, NotificationKind, RiskReview, State, Ticket
from vendor.models import SIC_NAME, ProgramRequest, Vendor, VendorContact

MANAGE_PY = Path(__file__).resolve().parent.parent / "manage.py"


def on_postgresql() -> bool:
    return connection.vendor == "postgresql"


@pytest.fixture
def casework(support_user, management_user):
    """A realistic day: customers edited, tickets along every path, notes, notifications, a signed review."""
    customer = customer_services.customer_create(
        by=support_user,
        data={"customer_number": "K-4711", "name": "Sanitätshaus Rhein GmbH", "city": "Neuss"},
    )
    customer_services.customer_update(
        customer_id=customer.pk,
        by=support_user,
        data={"phone": "02131 123456", "notes": "Filiale Nord", "reason": "Neue Filiale"},
    )
    contact = customer_services.contact_create(
        customer_id=customer.pk, by=support_user, data={"name": "Frau Beispiel", "phone": "0170 1234567"}
    )
    other = customer_services.customer_create(
        by=management_user, data={"customer_number": "K-0815", "name": "Orthopädie Müller", "city": "Köln"}
    )

    # A call the phone system reported, then logged.
    call, _new = call_services.call_report(by=support_user, data={"caller_phone": "0170 1234567"})
    call_services.call_handled(call_id=call.pk, by=support_user)

    # Immediate fix, closed, reopened.
    fixed = ticket_in_state(State.CLOSED, support_user, customer=customer, contact=contact.pk)
    services.ticket_add_call_note(
        ticket_id=fixed.pk, by=support_user, data={"direction": "outbound", "text": "Rückruf: geht wieder."}
    )
    run(fixed, "reopen", support_user)

    # Risk-relevant, reviewed and signed, escalated, program request rejected, closed.
    risky = create_ticket(support_user, customer=other)
    services.ticket_update(
        ticket_id=risky.pk,
        by=support_user,
        data={"reason": "Korrektur", "summary": "Falsche Menge"},
        expected_version=1,
    )
    run(
        risky,
        "triage",
        support_user,
        category="software",
        risk_relevant=True,
        risk_description="Falsche Hilfsmittelmenge auf dem Lieferschein.",
        is_complaint=False,
    )
    services.risk_review_sign(
        ticket_id=risky.pk,
        by=management_user,
        data={"decision": "capa", "comment": "CAPA 2026-03 angelegt.", "password": PASSWORD},
    )
    for name in ("escalate", "register_program_request", "follow_up", "reject"):
        risky = run(risky, name, support_user)
    notify(risky, NotificationKind.REJECTION_EXPLAINED, support_user)
    run(risky, "close", support_user)

    # Two tickets sharing one program request, realized from the request; one flagged afterwards.
    shared = ticket_in_state(State.PROGRAM_REQUEST, support_user, customer=customer)
    linked = ticket_in_state(State.ESCALATED, management_user, customer=other)
    run(
        linked,
        "register_program_request",
        management_user,
        **{**transition_data("register_program_request"), "program_request": shared.program_request_id},
    )
    known = solution_services.solution_create(
        by=support_user,
        data={
            "title": "Lieferschein zeigt falsche Menge",
            "symptoms": "Menge doppelt",
            "solution": "Position neu erfassen",
            "kind": "workaround",
            "category": "software",
            "program_request": shared.program_request_id,
        },
    )
    solution_services.solution_update(solution_id=known.pk, by=management_user, data={"cause": "Fehler"})
    services.program_request_transition(
        program_request_id=shared.program_request_id,
        name="realize",
        by=management_user,
        data={"release": "12.4"},
    )
    solution_services.solution_transition(
        solution_id=known.pk, name="retire", by=support_user, data={"reason": "ab 12.4 behoben"}
    )
    for ticket in (shared, linked):
        notify(ticket, NotificationKind.REALIZED, support_user)
    run(shared, "close", support_user)
    run(linked, "flag_risk", management_user)

    # A reportable event, reported to the authority; a CAPA proposal raised from the risky ticket.
    reported = run(create_ticket(support_user, customer=other), "flag_risk", support_user)
    review = services.risk_review_sign(
        ticket_id=reported.pk,
        by=management_user,
        data={"decision": "report_to_authority", "report_category": "serious_incident", "password": PASSWORD},
    )
    services.authority_report_record(
        review_id=review.pk, by=management_user, data={"reported_on": timezone.localdate().isoformat()}
    )
    capa = capa_services.capa_create(
        by=support_user,
        data={
            "title": "Mengenprüfung",
            "what": "Plausibilitätsprüfung",
            "why": "Falsche Menge",
            "tickets": risky.number,
        },
    )
    capa_services.capa_transition(
        capa_id=capa.pk,
        name="accept",
        by=management_user,
        data={
            "owner": management_user.pk,
            "due_date": timezone.localdate().isoformat(),
            "password": PASSWORD,
        },
    )

    # A screenshot attached to the risky ticket, then withdrawn (R16).
    screenshot = attachment_services.attachment_upload(
        ticket_id=risky.pk,
        by=support_user,
        data={},
        files={"file": ContentFile(b"\x89PNG-Bild", name="fehler.png")},
    )
    attachment_services.attachment_withdraw(
        attachment_id=screenshot.pk, by=support_user, data={"reason": "falscher Vorgang"}
    )

    # A link between two tickets, ended again; a mail received; the work instruction drafted; the
    # validation report signed by the QMB: every other audited table has rows too.
    from instructions import services as instruction_services
    from mailin import services as mail_services
    from tests.factories import user_with_role

    link = services.ticket_link(
        ticket_id=risky.pk, by=support_user, data={"target": fixed.pk, "reason": "gleicher Lieferschein"}
    )
    services.ticket_link_end(ticket_id=risky.pk, link_id=link.pk, by=support_user, data={"reason": "Irrtum"})
    mail_services.mail_receive(
        raw=b"From: unbekannt@example.org\r\nTo: support@example.org\r\nSubject: Frage\r\n"
        b"Message-ID: <casework@example.org>\r\n\r\nHallo\r\n",
        by=support_user,
    )
    process_manager = user_with_role("process_manager")
    instruction_services.revision_create(
        by=process_manager, data={"text": "# Telefon-Support", "change_summary": "Erste Ausgabe"}
    )
    qmb = user_with_role(roles.QMB)
    facts = {"commit": "c" * 40, "verdict": "VALIDIERT", "report_sha256": "0" * 64, "report_name": "r.pdf"}
    instruction_services.validation_sign(by=qmb, facts=facts, data={"password": PASSWORD})

    return {
        "customer": customer,
        "fixed": Ticket.objects.get(pk=fixed.pk),
        "risky": Ticket.objects.get(pk=risky.pk),
        "shared": Ticket.objects.get(pk=shared.pk),
        "linked": Ticket.objects.get(pk=linked.pk),
    }


def verify_command() -> str:
    out = io.StringIO()
    call_command("verify_audit_trail", stdout=out)
    return out.getvalue()


def broken() -> str:
    """Run the command expecting it to fail; return its message."""
    with pytest.raises(CommandError) as failure:
        call_command("verify_audit_trail", stdout=io.StringIO())
    assert failure.value.returncode == 1
    return str(failure.value)


def history_table(model) -> str:
    return model.history.model._meta.db_table


@contextmanager
def trigger_off(model):
    """Tamper as someone with DDL rights would: on PostgreSQL, switch the append-only trigger off first."""
    table = connection.ops.quote_name(history_table(model))
    if on_postgresql():
        with connection.cursor() as cursor:
            # ALTER TABLE is refused while deferred foreign-key checks of this transaction are pending.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER append_only")
    yield
    if on_postgresql():
        with connection.cursor() as cursor:
            cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER append_only")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def raw(model, sql, params=()):
    """Raw SQL on a history table; `{table}` in sql is its quoted name."""
    with trigger_off(model), connection.cursor() as cursor:
        cursor.execute(sql.format(table=connection.ops.quote_name(history_table(model))), params)


# --- R11: the chain verifies, and every kind of tampering is found ---------------------------


@pytest.mark.req("R11")
@pytest.mark.django_db
def test_verify_audit_trail_passes_after_realistic_casework(casework):
    for model in audited_models():
        assert model.history.exists(), f"{model._meta.label} has no history: the check would prove nothing"

    output = verify_command()

    assert f"{len(audited_models())} history tables verified" in output
    assert verify_all() == (len(audited_models()), None)


@pytest.mark.req("R11")
@pytest.mark.django_db
@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("problem_description", "Nachträglich geschönt."),  # a case field
        ("history_change_reason", "reject"),  # the reason
        ("history_type", "-"),  # the kind of change
        ("history_date", "2020-01-01 00:00:00+00:00"),  # the time
        ("history_user_id", None),  # who did it
    ],
)
def test_an_altered_history_field_is_found_and_named(casework, column, value):
    ticket = casework["risky"]
    row = ticket.history.get(history_change_reason="escalate")

    raw(Ticket, f"UPDATE {{table}} SET {column} = %s WHERE history_id = %s", [value, row.history_id])

    message = broken()
    assert "tickets.HistoricalTicket" in message
    assert f"object {ticket.pk}, history row {row.history_id}:" in message
    assert "hash does not match" in message


@pytest.mark.req("R11")
@pytest.mark.django_db
def test_an_altered_row_with_a_recomputed_hash_breaks_the_next_link(casework):
    """The hash covers the previous row's hash: rewriting one row and its hash is still found."""
    ticket = casework["fixed"]
    rows = list(ticket.history.order_by("history_id"))
    victim, following = rows[1], rows[2]
    victim.solution = "Nachträglich geändert."
    forged = row_hash(victim, rows[0].history_hash)
    raw(
        Ticket,
        "UPDATE {table} SET solution = %s, history_hash = %s WHERE history_id = %s",
        [victim.solution, forged, victim.history_id],
    )

    message = broken()
    assert f"history row {following.history_id}:" in message


@pytest.mark.req("R11")
@pytest.mark.django_db
def test_a_deleted_last_history_row_is_found_by_the_chain_head(casework):
    ticket = casework["linked"]
    rows = list(ticket.history.order_by("history_id"))
    assert rows[-1].history_change_reason == "flag_risk"

    raw(Ticket, "DELETE FROM {table} WHERE history_id = %s", [rows[-1].history_id])

    message = broken()
    assert f"tickets.HistoricalTicket object {ticket.pk}, history row {rows[-2].history_id}:" in message
    assert "chain head does not match" in message


@pytest.mark.req("R11")
@pytest.mark.django_db
def test_a_deleted_middle_history_row_is_found(casework):
    ticket = casework["risky"]
    rows = list(ticket.history.order_by("history_id"))
    raw(Ticket, "DELETE FROM {table} WHERE history_id = %s", [rows[3].history_id])

    assert f"history row {rows[4].history_id}:" in broken()


@pytest.mark.req("R11")
@pytest.mark.django_db
def test_a_whole_deleted_history_is_found(casework):
    customer = casework["customer"]
    raw(Customer, "DELETE FROM {table} WHERE id = %s", [customer.pk])

    message = broken()
    assert f"customers.HistoricalCustomer object {customer.pk}" in message
    assert "no history rows" in message


@pytest.mark.req("R11")
@pytest.mark.django_db
def test_a_changed_chain_head_on_the_live_row_is_found(casework):
    review = RiskReview.objects.get(ticket=casework["risky"])
    last = review.history.order_by("-history_id").first()
    table = connection.ops.quote_name(RiskReview._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET audit_head = %s WHERE id = %s", ["0" * 64, review.pk])

    message = broken()
    assert f"tickets.HistoricalRiskReview object {review.pk}, history row {last.history_id}:" in message
    assert "chain head does not match" in message


@pytest.mark.req("R11")
@pytest.mark.django_db
def test_the_command_exits_0_or_1_like_a_shell_sees_it(casework, capsys, monkeypatch):
    """run_from_argv is what manage.py runs: it exits 1 and prints the first bad row."""
    from django.core.management import base

    from audit.management.commands.verify_audit_trail import Command

    # It closes the connections when done; the test's transaction must stay open.
    monkeypatch.setattr(base.connections, "close_all", lambda: None)

    Command().run_from_argv(["manage.py", "verify_audit_trail"])  # returns: exit status 0
    assert "Audit trail intact" in capsys.readouterr().out

    note = CallNote.objects.first()
    raw(CallNote, "UPDATE {table} SET text = 'x' WHERE id = %s", [note.pk])
    with pytest.raises(SystemExit) as exit_:
        Command().run_from_argv(["manage.py", "verify_audit_trail"])
    assert exit_.value.code == 1
    assert f"tickets.HistoricalCallNote object {note.pk}" in capsys.readouterr().err


@pytest.mark.req("R11")
@pytest.mark.postgres_only  # a second process cannot see the in-memory SQLite test database
@pytest.mark.django_db(transaction=True)
def test_manage_py_verify_audit_trail_exit_status():
    """The real command line, in its own process, against this test database."""
    admin = user_with_role(roles.ADMIN)
    ticket = ticket_in_state(State.IMMEDIATE_FIX, admin, customer=CustomerFactory())
    db = connection.settings_dict
    url = f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    env = {**os.environ, "DATABASE_URL": url}

    def manage_py():
        return subprocess.run(
            [sys.executable, str(MANAGE_PY), "verify_audit_trail"],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    intact = manage_py()
    assert intact.returncode == 0, intact.stderr
    assert "Audit trail intact" in intact.stdout

    row = ticket.history.get(history_change_reason="triage")
    raw(Ticket, "UPDATE {table} SET category = 'question' WHERE history_id = %s", [row.history_id])
    tampered = manage_py()
    assert tampered.returncode == 1
    assert f"tickets.HistoricalTicket object {ticket.pk}, history row {row.history_id}" in tampered.stderr


# --- R10: on PostgreSQL the database itself refuses to change history ------------------------


@pytest.mark.req("R10")
@pytest.mark.django_db
@pytest.mark.postgres_only  # the append-only triggers exist only there
def test_every_history_table_has_the_append_only_trigger():
    row_level, before, delete, update, insert = 1, 2, 8, 16, 4
    for model in audited_models():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT tgtype, tgenabled FROM pg_trigger "
                "WHERE tgrelid = %s::regclass AND tgname = 'append_only'",
                [history_table(model)],
            )
            found = cursor.fetchall()
        assert len(found) == 1, f"no append-only trigger on {history_table(model)}"
        tgtype, enabled = found[0]
        assert enabled == "O", f"trigger disabled on {history_table(model)}"
        assert tgtype & (row_level | before | delete | update) == row_level | before | delete | update
        assert not tgtype & insert


@pytest.mark.req("R10")
@pytest.mark.django_db
@pytest.mark.postgres_only  # the append-only triggers exist only there
def test_the_database_refuses_update_and_delete_on_every_history_table(casework):
    for model in audited_models():
        table = connection.ops.quote_name(history_table(model))
        row_id = model.history.order_by("history_id").values_list("history_id", flat=True).first()
        assert row_id, f"{model._meta.label} has no history row to attack"
        for sql in (
            f"UPDATE {table} SET history_change_reason = 'forged' WHERE history_id = %s",
            f"DELETE FROM {table} WHERE history_id = %s",
        ):
            with (
                pytest.raises(DatabaseError, match="append-only"),
                transaction.atomic(),
                connection.cursor() as cursor,
            ):
                cursor.execute(sql, [row_id])
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        Ticket.history.all().delete()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        Ticket.history.update(history_change_reason="forged")

    assert verify_all()[1] is None


# --- R7: nothing is ever hard-deleted ---------------------------------------------------------


@pytest.mark.req("R7")
@pytest.mark.django_db
def test_case_data_and_history_rows_cannot_be_deleted(casework):
    ticket = casework["risky"]
    objects = [
        ticket,
        casework["customer"],
        ticket.notifications.first(),
        ticket.risk_reviews.first(),
        ticket.vendor_contacts.first(),
        ticket.program_request,
        casework["fixed"].call_notes.first(),
        ticket.history.first(),
    ]
    for obj in objects:
        assert obj is not None
        with pytest.raises(DeletionRefused):
            obj.delete()
        if isinstance(obj, AuditedModel):
            with pytest.raises(DeletionRefused):
                type(obj).objects.filter(pk=obj.pk).delete()
    with pytest.raises(TypeError):
        Ticket.objects.filter(pk=ticket.pk).update(summary="ohne Historie")

    assert Ticket.objects.filter(pk=ticket.pk).exists()
    assert verify_all()[1] is None


@pytest.mark.req("R7")
def test_every_foreign_key_of_case_data_protects_its_target():
    for model in audited_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, models.ForeignKey):
                assert field.remote_field.on_delete is models.PROTECT, f"{model._meta.label}.{field.name}"


# --- R9: every change has its user, time, values and reason ----------------------------------


@pytest.mark.req("R9")
@pytest.mark.django_db
def test_every_history_row_has_a_user_and_a_reason(casework):
    migration_rows = 0
    for model in audited_models():
        for row in model.history.all():
            assert row.history_change_reason.strip(), (
                f"{model._meta.label} row {row.history_id} has no reason"
            )
            assert row.history_date is not None
            if row.history_user_id is None:
                # Only what a data migration made has no user; its reason says so.
                assert row.history_change_reason.startswith("data migration"), (model, row.history_id)
                migration_rows += 1
    assert migration_rows == 1  # SIC


@pytest.mark.req("R9")
@pytest.mark.django_db
def test_a_transitions_reason_is_its_name_and_creation_records_initial_values(casework, support_user):
    risky = casework["risky"]
    assert list(risky.history.order_by("history_id").values_list("history_change_reason", flat=True)) == [
        "intake",
        "edit: Korrektur",
        "triage",
        "escalate",
        "register_program_request",
        "follow_up",
        "reject",
        "close",
    ]
    first = risky.history.order_by("history_id").first()
    assert first.history_type == "+"
    assert first.history_user == support_user
    assert first.summary == "Rezeptdruck bricht ab"  # the value before the edit
    assert first.number == risky.number
    edit = risky.history.get(history_change_reason="edit: Korrektur")
    assert (edit.prev_record.summary, edit.summary) == ("Rezeptdruck bricht ab", "Falsche Menge")

    program_request = ProgramRequest.objects.get(pk=casework["shared"].program_request_id)
    assert list(
        program_request.history.values_list("history_change_reason", flat=True).order_by("history_id")
    ) == [
        "register_program_request",
        "realize",
    ]
    for ticket in (casework["shared"], casework["linked"]):
        assert ticket.history.filter(history_change_reason="realize").count() == 1


# --- The data migration's SIC -----------------------------------------------------------------


@pytest.mark.req("R11")
@pytest.mark.django_db
def test_the_sic_vendor_from_the_data_migration_has_a_verified_history():
    sic = Vendor.objects.get(name=SIC_NAME)
    rows = list(sic.history.all())
    assert len(rows) == 1
    assert rows[0].history_type == "+"
    assert rows[0].history_change_reason == "data migration: vendor SIC"
    assert sic.audit_head == rows[0].history_hash != ""
    assert verify_model(Vendor) is None
    assert verify_model(VendorContact) is None


@pytest.mark.req("R11")
@pytest.mark.django_db
def test_a_renamed_field_keeps_its_first_name_in_the_hash(support_user):
    """KnownSolution.status became `state`; the rows written before (hashed with "status") still verify."""
    solution = solution_services.solution_create(
        by=support_user,
        data={
            "title": "Etikett",
            "symptoms": "leer",
            "solution": "neu",
            "kind": "workaround",
            "category": "question",
        },
    )
    row = solution.history.get()
    values = {}
    for f in row._meta.concrete_fields:
        value = getattr(row, f.attname)
        if f.attname not in ("history_id", "history_hash") and value not in (None, "", False):
            values["status" if f.attname == "state" else f.attname] = _canonical(f, value)
    payload = json.dumps(
        [row._meta.label, "", values], sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    assert row.history_hash == hashlib.sha256(payload.encode()).hexdigest()
    assert verify_model(KnownSolution) is None


def test_a_field_left_out_of_a_query_loads_on_demand_also_on_a_state_machine(support_user):
    ticket = run(create_ticket(support_user), "triage", support_user)
    partial = Ticket.objects.only("number", "state").get(pk=ticket.pk)
    assert (partial.summary, partial.assignee_id, partial.state) == (
        ticket.summary,
        support_user.pk,
        State.TRIAGE,
    )
    without_state = Ticket.objects.only("number").get(pk=ticket.pk)
    assert (without_state.caller_name, without_state.state) == (ticket.caller_name, State.TRIAGE)
