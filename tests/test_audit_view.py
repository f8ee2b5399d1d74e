"""/audit/, its CSV and PDF exports, and the per-ticket audit report (DESIGN §5, §6, §8; R8, R9, R11)."""

import csv
import datetime
import io
import re
from contextlib import contextmanager
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from pypdf import PdfReader

from audit import exports, selectors
from audit.chain import audited_models
from audit.models import AuditExport, SignInEvent
from tests.conftest import web_client
from tests.factories import PASSWORD, CustomerFactory, create_ticket, notify, run
from tickets import services
from tickets.models import NotificationKind, Ticket

BERLIN = ZoneInfo("Europe/Berlin")


def berlin(day, hour, minute=0):
    return datetime.datetime(2026, 3, day, hour, minute, tzinfo=BERLIN)


@contextmanager
def at(moment):
    """History rows written inside get this time (simple-history stamps them with timezone.now())."""
    with mock.patch.object(timezone, "now", return_value=moment):
        yield


def call_note(ticket, by, text="Rückruf: Kundin bestätigt, Druck läuft wieder."):
    return services.ticket_add_call_note(
        ticket_id=ticket.pk, by=by, data={"direction": "outbound", "text": text}
    )


@pytest.fixture
def trail(support_user, management_user, qmb_user):
    """A small fixed trail over three days (Europe/Berlin), two customers, two tickets, two sign-ins."""
    with at(berlin(2, 9)):
        customer_a = CustomerFactory(name="Sanitätshaus Anker")
        t1 = create_ticket(support_user, customer=customer_a, summary="Anker: Rezeptdruck")
    with at(berlin(3, 9)):
        # The complaint answer left for later: one history row for the step (R15 allows it via the API).
        t1 = run(t1, "triage", management_user, category="software", risk_relevant=False)
    with at(berlin(3, 10)):
        customer_b = CustomerFactory(name="Sanitätshaus Böhm")
        t2 = create_ticket(support_user, customer=customer_b, summary="Böhm: Kassenabrechnung")
    with at(berlin(5, 0, 30)):  # 4 March 23:30 UTC: a Berlin date differs from the UTC date
        note = call_note(t2, support_user)
    SignInEvent.objects.create(kind="login", user=qmb_user, username=qmb_user.username, at=berlin(3, 12))
    SignInEvent.objects.create(
        kind="login_failed", username="mallory", at=berlin(5, 8), ip_address="10.0.0.7"
    )
    return {"a": customer_a, "b": customer_b, "t1": t1, "t2": t2, "note": note}


def labels(**params):
    """The filtered trail as (table, what, kind), newest first, restricted to the fixture's days."""
    params.setdefault("from", "2026-03-01")
    params.setdefault("to", "2026-03-31")
    form = selectors.AuditFilterForm(params)
    assert form.is_valid(), form.errors
    return [
        (entry.key.split(".")[1], entry.ticket_number or entry.object_label, entry.kind)
        for entry in selectors.audit_entries(form.audit_filter())
    ]


def rows(trail):
    t1, t2, a, b = trail["t1"].number, trail["t2"].number, trail["a"], trail["b"]
    return {
        "t1+": ("Ticket", t1, "created"),
        "t1~": ("Ticket", t1, "changed"),
        "t2+": ("Ticket", t2, "created"),
        "a+": ("Customer", f"Kunde {a.name}", "created"),
        "b+": ("Customer", f"Kunde {b.name}", "created"),
        "note+": ("CallNote", t2, "created"),
        "login": ("SignInEvent", "Anmeldeereignis", "login"),
        "failed": ("SignInEvent", "Anmeldeereignis", "login_failed"),
    }


def expect(trail, *names):
    table = rows(trail)
    return [table[name] for name in names]


# ---- filters ---------------------------------------------------------------------------------


def test_it_lists_every_table_newest_first(trail):
    assert labels() == expect(trail, "failed", "note+", "login", "t2+", "b+", "t1~", "t1+", "a+")


def test_it_filters_by_berlin_dates(trail):
    assert labels(**{"from": "2026-03-03", "to": "2026-03-04"}) == expect(trail, "login", "t2+", "b+", "t1~")
    # 00:30 on 5 March in Berlin is still 4 March in UTC; the filter counts German dates.
    assert labels(**{"from": "2026-03-05", "to": "2026-03-05"}) == expect(trail, "failed", "note+")
    assert labels(**{"from": "2026-03-02", "to": "2026-03-02"}) == expect(trail, "t1+", "a+")


def test_it_filters_by_user(trail, management_user, support_user, qmb_user):
    assert labels(user=management_user.pk) == expect(trail, "t1~")
    assert labels(user=support_user.pk) == expect(trail, "note+", "t2+", "t1+")
    assert labels(user=qmb_user.pk) == expect(trail, "login")


def test_it_filters_failed_logins_by_the_account_tried(trail, support_user):
    support_user.username = "mallory"
    support_user.save()
    assert labels(user=support_user.pk, kind="signin") == expect(trail, "failed")


def test_it_filters_by_ticket_number(trail):
    assert labels(ticket=trail["t1"].number) == expect(trail, "t1~", "t1+")
    assert labels(ticket=trail["t2"].number) == expect(trail, "note+", "t2+")


def test_it_filters_by_customer(trail):
    assert labels(customer=trail["a"].pk) == expect(trail, "t1~", "t1+", "a+")
    assert labels(customer=trail["b"].pk) == expect(trail, "note+", "t2+", "b+")


def test_it_filters_by_kind_of_change(trail):
    assert labels(kind="created") == expect(trail, "note+", "t2+", "b+", "t1+", "a+")
    assert labels(kind="changed") == expect(trail, "t1~")
    assert labels(kind="signin") == expect(trail, "failed", "login")
    assert labels(kind="login_failed") == expect(trail, "failed")
    assert labels(kind="login") == expect(trail, "login")


def test_it_combines_filters(trail, support_user):
    b = trail["b"].pk
    assert labels(customer=b, kind="created", **{"from": "2026-03-05"}) == expect(trail, "note+")
    assert labels(user=support_user.pk, ticket=trail["t2"].number) == expect(trail, "note+", "t2+")
    assert labels(user=support_user.pk, customer=trail["a"].pk, kind="changed") == []


def test_it_includes_the_program_request_in_its_tickets_trail(support_user):
    ticket = create_ticket(support_user)
    for name in ("triage", "escalate", "register_program_request"):
        ticket = run(ticket, name, support_user)
    form = selectors.AuditFilterForm({"ticket": ticket.number})
    assert form.is_valid()
    keys = {entry.key for entry in selectors.audit_entries(form.audit_filter())}
    assert {"vendor.ProgramRequest", "vendor.VendorContact", "tickets.CustomerNotification"} <= keys
    form = selectors.AuditFilterForm({"customer": ticket.customer_id})
    assert form.is_valid()
    assert "vendor.ProgramRequest" in {entry.key for entry in selectors.audit_entries(form.audit_filter())}


def test_it_shows_old_and_new_values_against_the_previous_history_row(trail):
    form = selectors.AuditFilterForm({"ticket": trail["t1"].number, "kind": "changed"})
    assert form.is_valid()
    [entry] = selectors.audit_entries(form.audit_filter())
    assert ("Status", "Gemeldet", "In Prüfung") in entry.changes
    assert ("Kategorie", "—", "Programmierung") in entry.changes
    assert entry.reason == "Prüfen"


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"ticket": "2099-999999"}, "Es gibt keinen Vorgang mit der Nummer „2099-999999“."),
        ({"from": "2026-03-05", "to": "2026-03-01"}, "Das Ende des Zeitraums liegt vor seinem Anfang."),
        ({"from": "gestern"}, "Bitte ein gültiges Datum eingeben."),
        ({"kind": "delete"}, "Bitte eine gültige Auswahl treffen."),
        ({"before": "kaputt"}, "Ungültige Seitenangabe."),
        ({"before": "2026-03-01T00:00:00+00:00~auth.User~1"}, "Ungültige Seitenangabe."),
    ],
)
def test_it_refuses_bad_filters_with_a_message(qmb_user, params, message):
    response = web_client(qmb_user).get("/audit/", params)
    assert response.status_code == 400
    assert message in response.content.decode()
    csv_response = web_client(qmb_user).get("/audit/export.csv", params)
    assert csv_response.status_code == (200 if "before" in params else 400)


# ---- the page --------------------------------------------------------------------------------


def test_it_shows_each_row_with_when_who_what_reason_and_changes(trail, qmb_user, management_user):
    response = web_client(qmb_user).get("/audit/", {"ticket": trail["t1"].number})
    assert response.status_code == 200
    page = response.content.decode()
    assert "03.03.2026 09:00:00" in page
    assert management_user.get_full_name() in page
    assert f'href="/tickets/{trail["t1"].pk}/"' in page
    assert "Prüfen" in page
    assert "Gemeldet → In Prüfung" in page
    assert 'aria-current="page">Audit-Trail' in page


def test_it_pages_with_cursors_through_every_row_once(trail, qmb_user, monkeypatch):
    monkeypatch.setattr(selectors, "PAGE_SIZE", 3)
    client = web_client(qmb_user)
    everything = list(selectors.audit_entries(selectors.AuditFilter()))
    seen, params, pages = [], {}, []
    while params is not None:
        page = client.get("/audit/", params).context["page"]
        pages.append(page)
        seen += [(entry.key, entry.row_id) for entry in page.entries]
        params = {"before": page.older} if page.older else None
    assert seen == [(entry.key, entry.row_id) for entry in everything]
    assert len(pages) == -(-len(everything) // 3)
    back = client.get("/audit/", {"after": pages[-1].entries[0].cursor}).context["page"]
    assert [e.row_id for e in back.entries] == [e.row_id for e in pages[-2].entries]
    assert pages[0].newer is None and back.newer is not None


def test_it_keeps_the_filter_in_page_and_export_links(trail, qmb_user, monkeypatch):
    monkeypatch.setattr(selectors, "PAGE_SIZE", 1)
    page = web_client(qmb_user).get("/audit/", {"customer": trail["b"].pk}).content.decode()
    assert f'href="/audit/export.csv?customer={trail["b"].pk}"' in page
    assert f'href="/audit/export.pdf?customer={trail["b"].pk}"' in page
    assert f'href="?customer={trail["b"].pk}&amp;before=' in page


def many_rows(support_user, count):
    for _ in range(count):
        ticket = run(create_ticket(support_user), "triage", support_user)
        call_note(ticket, support_user)
        SignInEvent.objects.create(kind="login_failed", username="niemand")
    AuditExport.objects.create(user=support_user, format="csv")


def test_it_reads_a_page_in_a_fixed_number_of_queries(qmb_user, support_user):
    """Few or many history rows: the same queries per page (R14 performance: no N+1, no full load)."""
    client = web_client(qmb_user)
    many_rows(support_user, 2)
    with CaptureQueriesContext(connection) as few:
        assert client.get("/audit/").status_code == 200
    many_rows(support_user, 40)
    with CaptureQueriesContext(connection) as many:
        response = client.get("/audit/")
    assert len(response.context["page"].entries) == selectors.PAGE_SIZE
    # The few rows span one table more (the vendor SIC's row from the data migration) than the newest 50.
    assert len(many.captured_queries) <= len(few.captured_queries) <= 25
    union = [q["sql"] for q in many.captured_queries if "UNION ALL" in q["sql"]]
    assert len(union) == 1 and "LIMIT" in union[0]


# ---- roles (R8) ------------------------------------------------------------------------------


@pytest.mark.req("R8")
@pytest.mark.parametrize("url", ["/audit/", "/audit/export.csv", "/audit/export.pdf"])
def test_it_refuses_support(support_user, url):
    assert web_client(support_user).get(url).status_code == 403


@pytest.mark.req("R8")
@pytest.mark.parametrize("role", ["qmb", "management", "admin"])
@pytest.mark.parametrize("url", ["/audit/", "/audit/export.csv", "/audit/export.pdf"])
def test_it_lets_qmb_management_and_admin_read_and_export(users, role, url):
    assert web_client(users[role]).get(url).status_code == 200


@pytest.mark.req("R8")
def test_it_lets_the_process_manager_read_the_trail_but_not_export_it(process_manager_user):
    client = web_client(process_manager_user)
    page = client.get("/audit/")
    assert page.status_code == 200 and "/audit/export.csv" not in page.content.decode()
    assert client.get("/audit/export.csv").status_code == 403
    assert client.get("/audit/export.pdf").status_code == 403


def test_it_sends_anonymous_visitors_to_the_login(client):
    response = client.get("/audit/export.csv")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


@pytest.mark.req("R8")
def test_it_gives_the_qmb_nothing_to_change(trail, qmb_user):
    client = web_client(qmb_user)
    page = client.get("/audit/").content.decode()
    forms = [tag for tag in re.findall(r"<form[^>]*>", page) if 'method="post"' in tag]
    post_actions = {re.search(r'action="([^"]+)"', tag).group(1) for tag in forms}
    assert post_actions == {"/accounts/logout/", "/i18n/setlang/"}
    for url in (
        "/audit/",
        "/audit/export.csv",
        "/audit/export.pdf",
        f"/tickets/{trail['t1'].pk}/audit-report.pdf",
    ):
        assert client.post(url).status_code == 405
    counts = [model.history.count() for model in audited_models()]
    client.get("/audit/export.csv").getvalue()
    client.get("/audit/export.pdf")
    assert [model.history.count() for model in audited_models()] == counts


# ---- CSV -------------------------------------------------------------------------------------


def read_csv(response):
    content = b"".join(response.streaming_content)
    assert content.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))


def test_it_streams_the_filtered_trail_as_csv_for_excel(trail, qmb_user, support_user):
    response = web_client(qmb_user).get("/audit/export.csv", {"customer": trail["b"].pk})
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="audit-trail-')
    header, *lines = read_csv(response)
    assert header == [
        "Zeitpunkt",
        "Benutzer",
        "Art",
        "Objekt",
        "Vorgang",
        "Grund",
        "Grund (Code)",
        "Änderungen (alt → neu)",
        "Details",
        "Tabelle",
        "Zeilen-ID",
    ]
    assert [(line[2], line[9]) for line in lines] == [
        ("angelegt", "tickets.CallNote"),
        ("angelegt", "tickets.Ticket"),
        ("angelegt", "customers.Customer"),
    ]
    note, _ticket, customer = lines
    assert note[0] == "2026-03-05T00:30:00+01:00"
    assert note[1] == support_user.get_full_name()
    assert note[4] == trail["t2"].number
    assert (note[5], note[6]) == ("Gesprächsnotiz erfasst", "call_note")
    assert "Notiz: — → Rückruf: Kundin bestätigt, Druck läuft wieder." in note[7]
    assert "Name: — → Sanitätshaus Böhm" in customer[7]


def test_it_exports_exactly_what_the_page_shows(trail, qmb_user):
    client = web_client(qmb_user)
    params = {"from": "2026-03-03", "to": "2026-03-05", "kind": "created"}
    page = client.get("/audit/", params).context["page"]
    lines = read_csv(client.get("/audit/export.csv", params))[1:]
    assert [(line[9], int(line[10])) for line in lines] == [(e.key, e.row_id) for e in page.entries]


def test_it_defuses_spreadsheet_formulas(qmb_user):
    SignInEvent.objects.create(kind="login_failed", username="=cmd|' /C calc'!A0")
    lines = read_csv(web_client(qmb_user).get("/audit/export.csv", {"kind": "login_failed"}))
    assert lines[1][1] == "'=cmd|' /C calc'!A0"


def test_it_records_each_export(trail, qmb_user):
    client = web_client(qmb_user)
    client.get("/audit/export.csv", {"ticket": trail["t2"].number}).getvalue()
    client.get("/audit/export.pdf", {"user": qmb_user.pk})
    client.get(f"/tickets/{trail['t1'].pk}/audit-report.pdf")
    exported = list(AuditExport.objects.order_by("pk").values_list("user", "format", "filters", "ticket"))
    assert exported[0] == (qmb_user.pk, "csv", f"Vorgang: {trail['t2'].number}", None)
    assert exported[1][1] == "pdf" and qmb_user.username in exported[1][2]
    assert exported[2] == (qmb_user.pk, "ticket_pdf", "", trail["t1"].pk)
    page = client.get("/audit/", {"kind": "export"}).content.decode()
    assert f"Filter: Vorgang: {trail['t2'].number}" in page
    assert "Audit-Bericht eines Vorgangs" in page


# ---- PDF -------------------------------------------------------------------------------------


def pdf_text(response) -> str:
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_it_exports_the_filtered_trail_as_a_pdf_report(trail, qmb_user, management_user):
    params = {"from": "2026-03-02", "to": "2026-03-04", "user": management_user.pk}
    text = pdf_text(web_client(qmb_user).get("/audit/export.pdf", params))
    assert "Audit-Trail" in text
    assert "von: 02.03.2026" in text and "bis: 04.03.2026" in text
    assert f"({management_user.username})" in text
    assert f"von {qmb_user.get_full_name()} ({qmb_user.username})" in text
    assert "Seite 1 von 1" in text
    assert (
        f"03.03.2026 09:00:00 · {management_user.get_full_name()} · geändert · Vorgang {trail['t1'].number}"
        in text
    )
    assert "Status: Gemeldet -> In Prüfung" in text
    assert "Zeilen: 1" in text
    assert "Hash-Kette der exportierten Tabellen: intakt" in text
    assert "Vorgänge: intakt" in text
    assert trail["t2"].number not in text


def test_it_caps_the_pdf_and_says_so(trail, qmb_user, monkeypatch):
    monkeypatch.setattr(exports, "PDF_ROW_LIMIT", 3)
    text = pdf_text(web_client(qmb_user).get("/audit/export.pdf", {"from": "2026-03-01", "to": "2026-03-31"}))
    assert "Zeilen: 3" in text
    assert "mehr als 3 Zeilen" in text and "Bitte den Filter eingrenzen" in text
    assert "mallory" in text and trail["t1"].number not in text


@pytest.mark.req("R11")
def test_it_names_the_first_bad_row_in_the_pdf(trail, qmb_user):
    Ticket.objects.filter(pk=trail["t1"].pk).update(audit_head="0" * 64)
    text = pdf_text(web_client(qmb_user).get("/audit/export.pdf", {"ticket": trail["t1"].number}))
    assert "GEBROCHEN" in text
    assert f"tickets.HistoricalTicket object {trail['t1'].pk}" in text


# ---- the per-ticket audit report --------------------------------------------------------------


@pytest.fixture
def full_case(support_user, management_user):
    """A risk-relevant ticket through SIC, a program request, its realization and the close."""
    ticket = create_ticket(support_user, summary="Hilfsmittelmenge falsch übernommen")
    ticket = run(
        ticket,
        "triage",
        support_user,
        category="software",
        risk_relevant=True,
        risk_description="Falsche Menge könnte an Patienten ausgegeben werden.",
        is_complaint=False,
    )
    call_note(ticket, support_user, text="Kundin bestätigt die falsche Menge auf dem Lieferschein.")
    services.risk_review_sign(
        ticket_id=ticket.pk,
        by=management_user,
        data={"decision": "capa", "comment": "CAPA-2026-07 eröffnet.", "password": PASSWORD},
    )
    for name in ("escalate", "register_program_request", "realize"):
        ticket = run(ticket, name, support_user)
    notify(ticket, NotificationKind.REALIZED, support_user)
    return run(ticket, "close", support_user)


@pytest.mark.req("R8")
@pytest.mark.parametrize("role", ["management", "qmb", "admin"])
def test_it_gives_those_who_export_the_tickets_audit_report(users, role, full_case):
    response = web_client(users[role]).get(f"/tickets/{full_case.pk}/audit-report.pdf")
    assert response.status_code == 200
    assert f"audit-bericht-{full_case.number}" in response["Content-Disposition"]


@pytest.mark.req("R8")
@pytest.mark.parametrize("role", ["support", "process_manager"])
def test_it_refuses_the_tickets_audit_report_to_support_and_the_process_manager(users, role, full_case):
    # DESIGN §5: the audit report is an export (management, QMB, admin)
    assert web_client(users[role]).get(f"/tickets/{full_case.pk}/audit-report.pdf").status_code == 403
    page = web_client(users[role]).get(f"/tickets/{full_case.pk}/").content.decode()
    assert "audit-report.pdf" not in page


def test_it_links_the_report_from_the_ticket_page(qmb_user, full_case):
    page = web_client(qmb_user).get(f"/tickets/{full_case.pk}/").content.decode()
    assert f'href="/tickets/{full_case.pk}/audit-report.pdf"' in page


def test_it_puts_every_step_of_the_case_in_the_report(full_case, qmb_user, management_user, support_user):
    text = pdf_text(web_client(qmb_user).get(f"/tickets/{full_case.pk}/audit-report.pdf"))
    text = re.sub(r"\s+", " ", text)
    assert f"Audit-Bericht Vorgang {full_case.number}" in text
    assert "Hilfsmittelmenge falsch übernommen" in text
    assert f"Kunde: {full_case.customer}" in text
    for step in (
        "Anruf erfasst",
        "Prüfen",
        "An SIC eskalieren",
        "Programmwunsch erfassen",
        "Realisiert",
        "Abschließen",
    ):
        assert f"Grund: {step}" in text, step
    assert "Status: Realisiert -> Abgeschlossen" in text
    assert "Kundin bestätigt die falsche Menge auf dem Lieferschein." in text  # the call note
    assert "Inhalt: - -> Realisierung mitgeteilt" in text  # the notification
    assert "Mit SIC-Hotline besprochen, Fehler bekannt." in text  # the vendor contact
    assert "Referenz bei SIC: PW-2026-17" in text  # the program request
    review = full_case.risk_reviews.get()
    assert f"Unterschrift (Name): {review.signer_name}" in text
    assert "Bedeutung der Unterschrift: geprüft und bewertet durch die Geschäftsleitung" in text
    assert "Entscheidung: CAPA einleiten" in text
    assert f"unterschrieben am: {timezone.localtime(review.signed_at):%d.%m.%Y %H:%M:%S}" in text
    assert management_user.get_full_name() in text and support_user.get_full_name() in text
    assert "Hash-Kette aller Datensätze des Vorgangs: intakt" in text
    assert "Kontakte bei SIC: intakt" in text and "Programmwünsche: intakt" in text


@pytest.mark.req("R11")
def test_it_reports_a_broken_chain_of_the_case(full_case, qmb_user):
    full_case.call_notes.update(audit_head="f" * 64)
    text = pdf_text(web_client(qmb_user).get(f"/tickets/{full_case.pk}/audit-report.pdf"))
    assert "Hash-Kette aller Datensätze des Vorgangs: GEBROCHEN" in text
    assert "tickets.HistoricalCallNote object" in text


def test_it_answers_404_for_a_missing_tickets_report(qmb_user):
    assert web_client(qmb_user).get("/tickets/999999/audit-report.pdf").status_code == 404
