"""The complaint trend on /reports/ (R15, DESIGN §10.1, §8 `/reports/`; ISO 13485 §8.2.2 / §8.4; issue
13) and duplicates counted once (DESIGN §4 `close_as_duplicate`, issue 11): figures checked against a
hand-built data set walked through the services, each step at a fixed moment (Europe/Berlin).

The first quarter of 2026, read on 15 April (customer, SaniVision version, when it came in, category,
the latest evaluation, the symptom):

- T1: A, 12.3, 10 Jan, technical; complaint, investigated; known solution P
- T2: A, 12.3, 20 Jan, technical; complaint, not investigated; known solution P
- T3: B, 12.4, 5 Feb, software; complaint, investigation open (at SIC); "Programmierung"
- T4: B, no version, 28 Feb 23:30 without received_at (the call's time), software; complaint, open
- T5: C, 12.10, received 1 Mar 00:30 (UTC: 28 Feb), logged 2 Mar, technical; investigated; P
- T6: C, 12.4, 10 Mar, question; complaint, superseded by "no": not counted
- T7: A, 12.4, 15 Mar, question; "no", superseded by a complaint, not investigated; "Fragestellung"
- T8: B, 12.4, 20 Mar, software; complaint, escalated, closed as a duplicate of T3: counted apart
- T9: A, 12.4, 1 Apr 00:10 (after the period), software; complaint
- T10: A, 12.4, 5 Jan, question; "no"
"""

import csv
import datetime
import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from audit.history import save_audited
from reports import figures, tables
from reports.models import ComplaintFacts, Step, TicketFacts
from solutions import services as solution_services
from tests.conftest import web_client
from tests.factories import CustomerFactory, create_ticket, run
from tests.test_reports import NOW, Q1, Q1_QUERY, at, t
from tests.test_solutions_api import PRINTER
from tickets import services
from tickets.models import ResolutionKind, Ticket

pytestmark = pytest.mark.django_db

URL = reverse("reports")


def call(moment, by, customer, version="", **fields):
    with at(t(moment)):
        return create_ticket(by, customer=customer, sanivision_version=version, **fields)


def triage(moment, ticket, by, category, is_complaint):
    data = {"category": category, "risk_relevant": False, "is_complaint": is_complaint}
    with at(t(moment)):
        return run(ticket, "triage", by, **data)


def evaluate(moment, ticket, by, **data):
    with at(t(moment)):
        services.ticket_evaluate_complaint(ticket_id=ticket.pk, by=by, data=data)
    return Ticket.objects.get(pk=ticket.pk)


def investigated(moment, ticket, by):
    return evaluate(
        moment, ticket, by, is_complaint=True, investigation="investigated", findings="Treiber fehlte."
    )


def not_investigated(moment, ticket, by):
    justification = "Bekannter Fehler, bei 2026-000001 untersucht."
    return evaluate(
        moment, ticket, by, is_complaint=True, investigation="not_investigated", justification=justification
    )


def solved_with(moment, ticket, by, solution):
    with at(t(moment)):
        return run(
            ticket,
            "fix_immediately",
            by,
            resolution_kind=ResolutionKind.KNOWN_WORKAROUND,
            solution=solution.solution,
            known_solution=solution.pk,
        )


def transition(moment, ticket, name, by, **data):
    with at(t(moment)):
        return run(ticket, name, by, **data)


@pytest.fixture
def trend(support_user):
    s = support_user
    a = CustomerFactory(name="Sanitätshaus Alpha")
    b = CustomerFactory(name="Sanitätshaus Beta")
    c = CustomerFactory(name="Sanitätshaus Gamma")
    printer = solution_services.solution_create(by=s, data=PRINTER)
    tickets = {}

    t1 = triage("2026-01-10 09:05", call("2026-01-10 09:00", s, a, "12.3"), s, "technical", True)
    t1 = solved_with("2026-01-10 09:20", t1, s, printer)
    tickets["T1"] = investigated("2026-01-11 10:00", t1, s)

    t2 = triage("2026-01-20 09:05", call("2026-01-20 09:00", s, a, "12.3"), s, "technical", True)
    t2 = solved_with("2026-01-20 09:20", t2, s, printer)
    tickets["T2"] = not_investigated("2026-01-21 10:00", t2, s)

    t3 = triage("2026-02-05 09:05", call("2026-02-05 09:00", s, b, "12.4"), s, "software", True)
    tickets["T3"] = transition("2026-02-05 10:00", t3, "escalate", s)

    t4 = call("2026-02-28 23:30", s, b, " ")
    t4.received_at = None  # as on tickets logged before received_at was recorded
    with at(t("2026-02-28 23:35")):
        save_audited(t4, by=s, reason="test: logged before received_at was recorded")
    tickets["T4"] = triage("2026-02-28 23:40", t4, s, "software", True)

    t5 = call("2026-03-02 09:00", s, c, "12.10", received_at="2026-03-01T00:30:00+01:00")
    t5 = triage("2026-03-02 09:05", t5, s, "technical", True)
    t5 = solved_with("2026-03-02 09:20", t5, s, printer)
    tickets["T5"] = investigated("2026-03-03 10:00", t5, s)

    t6 = triage("2026-03-10 09:05", call("2026-03-10 09:00", s, c, "12.4"), s, "question", True)
    tickets["T6"] = evaluate("2026-03-11 10:00", t6, s, is_complaint=False)

    t7 = triage("2026-03-15 09:05", call("2026-03-15 09:00", s, a, "12.4"), s, "question", False)
    tickets["T7"] = not_investigated("2026-03-16 10:00", t7, s)

    t8 = triage("2026-03-20 09:05", call("2026-03-20 09:00", s, b, "12.4"), s, "software", True)
    t8 = transition("2026-03-20 10:00", t8, "escalate", s)
    reason = "Gleicher Fehler, derselbe Kunde: wird bei T3 bearbeitet."
    tickets["T8"] = transition(
        "2026-03-20 11:00", t8, "close_as_duplicate", s, duplicate_of=tickets["T3"].pk, reason=reason
    )

    tickets["T9"] = triage("2026-04-01 00:15", call("2026-04-01 00:10", s, a, "12.4"), s, "software", True)
    tickets["T10"] = triage("2026-01-05 09:05", call("2026-01-05 09:00", s, a, "12.4"), s, "question", False)
    return {"tickets": tickets, "customers": (a, b, c), "printer": printer}


def month(text):
    return datetime.date.fromisoformat(text)


@pytest.mark.req("R15")
def test_complaints_are_counted_by_month_and_category_from_the_latest_evaluation(trend):
    complaints = figures.complaints(Q1)
    assert complaints.by_month == {
        month("2026-01-01"): {"technical": 2},  # T1 T2 (T10: no complaint)
        month("2026-02-01"): {"software": 2},  # T3, T4 by its call's time (no received_at)
        month("2026-03-01"): {"technical": 1, "question": 1},  # T5 (1 March in Berlin), T7; not T6
    }
    assert complaints.by_category == {"technical": 3, "software": 2, "question": 1}
    assert complaints.total == 6
    assert complaints.duplicates == 1  # T8, counted at T3
    assert complaints.by_investigation == {"investigated": 2, "not_investigated": 2, "": 2}


@pytest.mark.req("R15")
def test_complaints_by_customer_version_and_the_pareto_of_symptoms(trend):
    a, b, c = trend["customers"]
    printer = trend["printer"]
    complaints = figures.complaints(Q1)
    assert [(row["name"], row["count"]) for row in complaints.customers] == [
        (a.name, 3),  # T1 T2 T7
        (b.name, 2),  # T3 T4
        (c.name, 1),  # T5
    ]
    assert complaints.versions == [("12.10", 1), ("12.4", 2), ("12.3", 2), ("", 1)]  # newest first
    assert [(row["solution_id"], row["category"], row["count"]) for row in complaints.symptoms] == [
        (printer.pk, "", 3),  # T1 T2 T5
        (None, "software", 2),  # T3 T4
        (None, "question", 1),  # T7
    ]
    top = figures.complaints(Q1, limit=2)
    assert [row["count"] for row in top.customers] == [3, 2]
    assert top.other_customers == 1


@pytest.mark.req("R15")
def test_a_later_evaluation_moves_the_ticket_in_and_out_of_the_trend(trend, support_user):
    t6, t7 = trend["tickets"]["T6"], trend["tickets"]["T7"]
    assert not ComplaintFacts.objects.filter(ticket_id=t6.pk).exists()  # "yes", then "no"
    assert ComplaintFacts.objects.get(ticket_id=t7.pk).investigation == "not_investigated"
    evaluate("2026-04-02 10:00", t7, support_user, is_complaint=False)
    not_investigated("2026-04-02 10:05", t6, support_user)
    complaints = figures.complaints(Q1)
    assert complaints.by_month[month("2026-03-01")] == {"technical": 1, "question": 1}  # T5, now T6
    assert [(row["name"], row["count"]) for row in complaints.customers][2] == (t6.customer.name, 2)


def get(user, url):
    with at(NOW):
        return web_client(user).get(url)


def section(html: str, slug: str) -> str:
    part = html[html.index(f'id="{slug}"') :]
    return part[: part.index("</section>")]


def read_csv(response):
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:]), delimiter=";"))


def csv_of(user, slug):
    response = get(user, reverse("report-csv", args=[slug]) + Q1_QUERY)
    assert response.status_code == 200
    assert f"bericht-{slug}-2026-01-01-2026-03-31.csv" in response["Content-Disposition"]
    return read_csv(response)


@pytest.mark.req("R15")
def test_the_page_shows_the_complaint_section_with_a_chart_and_the_tables(trend, management_user):
    response = get(management_user, URL + Q1_QUERY)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Beanstandungen (ISO 13485 §8.2.2 / §8.4)" in html
    by_month = section(html, "complaints-by-month")
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img"' in by_month
    assert '<title id="chart-complaints-by-month-title">Beanstandungen je Monat</title>' in by_month
    assert '<desc id="chart-complaints-by-month-desc">Zeitreihe als Balkendiagramm' in by_month
    assert "<table>" in by_month and "Februar 2026" in by_month
    assert "1 weitere als Duplikat abgeschlossene Beanstandungen zählen hier nicht mit" in by_month
    pareto = section(html, "complaints-pareto")
    printer = trend["printer"]
    assert f'<a href="/solutions/{printer.pk}/">L-{printer.pk}: Rezept wird nicht gedruckt</a>' in pareto
    assert "3 (kumuliert 50,0 %)" in pareto and "Bewusst einfach" in pareto
    summary = dict(response.context["report"].summary.rows)
    assert summary["Beanstandungen"] == "6"
    assert summary["Beanstandungen als Duplikat abgeschlossen (nicht mitgezählt)"] == "1"
    for slug in tables.COMPLAINTS:
        assert f'href="/reports/{slug}.csv?from=2026-01-01&amp;to=2026-03-31"' in html


def test_the_page_sums_up_the_customers_after_the_first_ten(trend, management_user, monkeypatch):
    monkeypatch.setattr(figures, "COMPLAINT_CUSTOMERS_SHOWN", 2)
    a, b, c = trend["customers"]
    table = get(management_user, URL + Q1_QUERY).context["report"].table("complaints-by-customer")
    assert [row[:2] for row in table.rows] == [[a.name, 3], [b.name, 2], ["übrige Kunden", 1]]
    rows = csv_of(management_user, "complaints-by-customer")  # the CSV names every customer
    assert [row[:2] for row in rows[1:]] == [[a.name, "3"], [b.name, "2"], [c.name, "1"], ["Summe", "6"]]


@pytest.mark.req("R15")
def test_each_complaint_table_as_csv(trend, management_user):
    a, b, c = trend["customers"]
    printer = trend["printer"]
    assert csv_of(management_user, "complaints-by-month") == [
        ["Monat", "Programmierung", "Technik", "Fragestellung", "noch nicht geprüft", "Summe"],
        ["Januar 2026", "0", "2", "0", "0", "2"],
        ["Februar 2026", "2", "0", "0", "0", "2"],
        ["März 2026", "0", "1", "1", "0", "2"],
        ["Summe", "2", "3", "1", "0", "6"],
    ]
    assert csv_of(management_user, "complaints-by-category") == [
        ["Kategorie", "Beanstandungen", "Anteil (%)"],
        ["Programmierung", "2", "33,3"],
        ["Technik", "3", "50,0"],
        ["Fragestellung", "1", "16,7"],
        ["Summe", "6", ""],
    ]
    assert csv_of(management_user, "complaints-by-customer") == [
        ["Kunde", "Beanstandungen", "Anteil (%)"],
        [a.name, "3", "50,0"],
        [b.name, "2", "33,3"],
        [c.name, "1", "16,7"],
        ["Summe", "6", ""],
    ]
    assert csv_of(management_user, "complaints-by-version") == [
        ["SaniVision-Version", "Beanstandungen", "Anteil (%)"],
        ["12.10", "1", "16,7"],
        ["12.4", "2", "33,3"],
        ["12.3", "2", "33,3"],
        ["unbekannt", "1", "16,7"],
        ["Summe", "6", ""],
    ]
    assert csv_of(management_user, "complaints-investigation") == [
        ["Untersuchung", "Beanstandungen", "Anteil (%)"],
        ["untersucht", "2", "33,3"],
        ["nicht untersucht", "2", "33,3"],
        ["Untersuchung offen", "2", "33,3"],
        ["Summe", "6", ""],
    ]
    assert csv_of(management_user, "complaints-pareto") == [
        ["Symptom", "Art", "Beanstandungen", "Anteil (%)", "kumulierter Anteil (%)"],
        [f"L-{printer.pk}: Rezept wird nicht gedruckt", "bekannte Lösung", "3", "50,0", "50,0"],
        ["Programmierung", "Kategorie", "2", "33,3", "83,3"],
        ["Fragestellung", "Kategorie", "1", "16,7", "100,0"],
        ["Summe", "", "6", "", ""],
    ]


def test_a_duplicate_is_counted_apart_and_never_again(trend, management_user):
    """T8 was escalated, then closed as a duplicate of T3: it is a call of the period, apart; not a
    ticket closed, nor an escalation waiting for SIC, nor a complaint (T3 carries the case)."""
    t8 = trend["tickets"]["T8"]
    assert TicketFacts.objects.get(ticket_id=t8.pk).duplicate
    assert Step.objects.get(ticket_id=t8.pk, kind=Step.Kind.ESCALATE).duplicate
    cohort = figures.opened_tickets(Q1)
    assert cohort.opened == 9  # T1 … T8 and T10: every call of the period, T8 among them
    assert cohort.duplicates == 1 and cohort.duplicates_by_category == {"software": 1}
    assert ("closed", "software") not in cohort.by_state_category
    assert cohort.total("opened") == 8  # first-call resolution: without T8
    assert figures.first_answers(Q1, NOW).escalations == 1  # T3 only
    report = get(management_user, URL + Q1_QUERY).context["report"]
    summary = dict(report.summary.rows)
    assert summary["Vorgänge eröffnet"] == "9"
    assert summary["davon als Duplikat abgeschlossen"] == "1"
    assert summary["Vorgänge abgeschlossen"] == "0"
    assert summary["Eskalationen an SIC"] == "1"
    rows = report.table("by-state-category").rows
    assert rows[-1][0] == "als Duplikat abgeschlossen" and rows[-1][1] == 1 and rows[-1][-1] == 1
    closed = next(row for row in rows if row[0] == "Abgeschlossen")
    assert closed[-1] == 0


def test_a_closed_ticket_reopened_and_closed_as_duplicate_leaves_the_time_to_close(support_user):
    other = call("2026-02-01 09:00", support_user, CustomerFactory())
    ticket = triage(
        "2026-02-02 09:05",
        call("2026-02-02 09:00", support_user, other.customer),
        support_user,
        "question",
        False,
    )
    ticket = transition("2026-02-02 09:10", ticket, "fix_immediately", support_user)
    ticket = transition("2026-02-02 09:30", ticket, "close", support_user)
    assert figures.closes(Q1).tickets == 1
    ticket = transition("2026-02-03 09:00", ticket, "reopen", support_user, reason="Kunde ruft wieder an.")
    reason = "Derselbe Fall wie der andere Vorgang."
    transition(
        "2026-02-03 09:05", ticket, "close_as_duplicate", support_user, duplicate_of=other.pk, reason=reason
    )
    closes = figures.closes(Q1)
    assert closes.tickets == 0 and closes.overall.count == 0
    cohort = figures.opened_tickets(Q1)
    assert cohort.total("decided") == 0 and cohort.duplicates == 1


def kept():
    return (
        sorted(ComplaintFacts.objects.values_list()),
        sorted(TicketFacts.objects.values_list()),
        sorted(Step.objects.values_list("ticket_id", "kind", "at", "outcome", "duration", "duplicate")),
    )


@pytest.mark.req("R15")
def test_the_rebuild_reproduces_the_complaint_figures(trend):
    before, figures_before = kept(), figures.complaints(Q1)
    ComplaintFacts.objects.all().delete()
    TicketFacts.objects.all().delete()
    Step.objects.all().delete()

    call_command("rebuild_report_figures", stdout=io.StringIO(), stderr=io.StringIO())

    assert kept() == before
    assert figures.complaints(Q1) == figures_before


@pytest.mark.parametrize("period", ["?from=2024-01-01&to=2024-01-31", Q1_QUERY])
def test_the_complaint_section_runs_a_fixed_number_of_queries(
    django_assert_num_queries, management_user, trend, period
):
    """Four queries for the complaints whatever the period holds; each of its CSVs reads only them."""
    with at(NOW):
        with django_assert_num_queries(4):
            figures.complaints(Q1)
        client = web_client(management_user)
        for slug in tables.COMPLAINTS:
            with django_assert_num_queries(3 + 4, info=slug):
                assert client.get(reverse("report-csv", args=[slug]) + period).status_code == 200
