"""The reports page /reports/ (DESIGN §8, issue 4 "Reports"): figures checked against hand-computed values.

The data set is walked through the real services, each step at a fixed moment: `at()` freezes
django.utils.timezone.now (and the model defaults that captured it), so every history row gets its
time when it is written; history rows are append-only and never changed afterwards.
"""

import csv
import datetime
import io
import zoneinfo
from contextlib import ExitStack, contextmanager
from unittest import mock

import pytest
from django.apps import apps
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts import roles
from reports import figures, periods, svg, tables
from solutions import services as solution_services
from tests.conftest import web_client
from tests.factories import PASSWORD, create_ticket, notify, run, ticket_in_state, user_with_role
from tests.test_solutions_api import PRINTER, create_solution, solved_with
from tickets import services
from tickets.models import State
from vendor.models import ProgramRequest

pytestmark = pytest.mark.django_db

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
Q1 = periods.Period(datetime.date(2026, 1, 1), datetime.date(2026, 3, 31))
Q1_QUERY = "?from=2026-01-01&to=2026-03-31"
NOW = datetime.datetime(2026, 4, 15, 12, 0, tzinfo=BERLIN)
URL = reverse("reports")
H = datetime.timedelta(hours=1)
MIN = datetime.timedelta(minutes=1)


def t(text: str) -> datetime.datetime:
    """A moment in Europe/Berlin, e.g. t("2026-01-05 09:00")."""
    return datetime.datetime.fromisoformat(text).replace(tzinfo=BERLIN)


@contextmanager
def at(moment: datetime.datetime):
    """Freeze "now": timezone.now, and every model field whose default is timezone.now itself."""
    original = timezone.now

    def frozen():
        return moment

    with ExitStack() as stack:
        stack.enter_context(mock.patch.object(timezone, "now", frozen))
        for model in apps.get_models():
            for field in model._meta.concrete_fields:
                if field.default is original:
                    stack.enter_context(mock.patch.object(field, "_get_default", frozen))
        yield


def step(moment, ticket, name, by, **data):
    with at(t(moment)):
        return run(ticket, name, by, **data)


def call(moment, by, **kwargs):
    with at(t(moment)):
        return create_ticket(by, **kwargs)


def inform(moment, ticket, kind, by):
    with at(t(moment)):
        notify(ticket, kind, by)


def triage(moment, ticket, by, category, **risk):
    data = {"category": category, "risk_relevant": bool(risk), "is_complaint": False, **risk}
    return step(moment, ticket, "triage", by, **data)


def escalate(moment, ticket, by):
    return step(moment, ticket, "escalate", by)


def register(moment, ticket, by, kind, follow_up):
    return step(
        moment,
        ticket,
        "register_program_request",
        by,
        kind=kind,
        vendor_reference=f"PW-{ticket.number}",
        follow_up_date=follow_up,
    )


def follow_up(moment, ticket, by, next_date):
    return step(
        moment, ticket, "follow_up", by, note="SIC hat sich nicht gemeldet.", next_follow_up_date=next_date
    )


def sign(moment, ticket, by, decision):
    with at(t(moment)):
        services.risk_review_sign(
            ticket_id=ticket.pk, by=by, data={"decision": decision, "comment": "", "password": PASSWORD}
        )


@pytest.fixture(scope="module")
def q1_data(django_db_setup, django_db_blocker):
    """Built once for this module inside a transaction that is rolled back after its last test (each
    test's own transaction is a savepoint within it); rolled back, not deleted: history is append-only."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield build_q1(user_with_role(roles.SUPPORT), user_with_role(roles.MANAGEMENT))
        transaction.set_rollback(True)


@pytest.fixture
def q1(q1_data, db):
    return q1_data


def build_q1(s, management_user):
    """The first quarter of 2026, ticket by ticket (times Europe/Berlin); the report is read on NOW."""
    tickets = {}
    # J: called before the period, closed in it: support's immediate fix, 42 h.
    j = call("2025-12-31 16:00", s)
    j = triage("2025-12-31 16:05", j, s, "question")
    j = step("2026-01-02 09:00", j, "fix_immediately", s)
    tickets["J"] = step("2026-01-02 10:00", j, "close", s)
    # A: the call at 00:30 on 1 January (still 31 December in UTC); fixed on the phone, closed after 30 min.
    a = call("2026-01-01 00:30", s)
    a = triage("2026-01-01 00:35", a, s, "question")
    a = step("2026-01-01 00:40", a, "fix_immediately", s)
    tickets["A"] = step("2026-01-01 01:00", a, "close", s)
    # B: fixed on the phone, closed after 60 min.
    b = call("2026-01-06 10:00", s)
    b = triage("2026-01-06 10:00", b, s, "technical")
    b = step("2026-01-06 10:20", b, "fix_immediately", s)
    tickets["B"] = step("2026-01-06 11:00", b, "close", s)
    # C: fixed on the phone and closed (60 min), reopened, escalated, SIC's immediate solution after 48 h,
    # closed again 5 days 2 h after the call.
    c = call("2026-01-07 08:00", s)
    c = triage("2026-01-07 08:05", c, s, "software")
    c = step("2026-01-07 08:30", c, "fix_immediately", s)
    c = step("2026-01-07 09:00", c, "close", s)
    c = step("2026-01-10 08:00", c, "reopen", s)
    c = escalate("2026-01-10 09:00", c, s)
    c = step("2026-01-12 09:00", c, "fix_immediately", s)
    inform("2026-01-12 09:30", c, "solution", s)
    tickets["C"] = step("2026-01-12 10:00", c, "close", s)
    # L: escalated, a complaint after 24 h, still open (due 1 May).
    lt = call("2026-01-15 09:00", s)
    lt = triage("2026-01-15 09:05", lt, s, "software")
    lt = escalate("2026-01-15 10:00", lt, s)
    tickets["L"] = register("2026-01-16 10:00", lt, s, "complaint", "2026-05-01")
    # K: risk-relevant, fixed on the phone, management decides CAPA, closed 24 h after the call.
    k = call("2026-01-20 09:00", s)
    k = triage("2026-01-20 09:05", k, s, "technical", risk_description="Falsche Menge an Patienten möglich.")
    k = step("2026-01-20 09:30", k, "fix_immediately", s)
    sign("2026-01-21 08:00", k, management_user, "capa")
    tickets["K"] = step("2026-01-21 09:00", k, "close", s)
    # D: escalated, SIC's immediate solution after 24 h, closed 27 h after the call.
    d = call("2026-02-02 09:00", s)
    d = triage("2026-02-02 09:10", d, s, "software")
    d = escalate("2026-02-02 09:20", d, s)
    d = step("2026-02-03 09:20", d, "fix_immediately", s)
    inform("2026-02-03 10:00", d, "solution", s)
    tickets["D"] = step("2026-02-03 12:00", d, "close", s)
    # E: complaint after 24 h, one inquiry, rejected, closed 20 days 3 h after the call.
    e = call("2026-02-10 09:00", s)
    e = triage("2026-02-10 09:05", e, s, "software")
    e = escalate("2026-02-10 10:00", e, s)
    e = register("2026-02-11 10:00", e, s, "complaint", "2026-02-20")
    e = follow_up("2026-02-20 09:00", e, s, "2026-03-01")
    e = step("2026-03-02 10:00", e, "reject", s)
    inform("2026-03-02 11:00", e, "rejection_explained", s)
    tickets["E"] = step("2026-03-02 12:00", e, "close", s)
    # F: wish after 48 h (request of 17 Feb), two inquiries, released 10 Mar (21 days), closed after 24 days.
    f = call("2026-02-15 09:00", s)
    f = triage("2026-02-15 09:05", f, s, "software")
    f = escalate("2026-02-15 09:30", f, s)
    f = register("2026-02-17 09:30", f, s, "wish", "2026-03-01")
    f = follow_up("2026-03-01 09:00", f, s, "2026-03-05")
    f = follow_up("2026-03-05 09:00", f, s, "2026-03-12")
    f = step("2026-03-10 10:00", f, "realize", s, release="26.1", realized_on="2026-03-10")
    inform("2026-03-11 08:00", f, "realized", s)
    tickets["F"] = step("2026-03-11 09:00", f, "close", s)
    # G: escalated, no answer from SIC; one inquiry, follow-up of 23 Mar overdue; flagged as a risk.
    g = call("2026-03-20 09:00", s)
    g = triage("2026-03-20 09:05", g, s, "software")
    g = escalate("2026-03-20 10:00", g, s)
    g = step("2026-03-20 11:00", g, "flag_risk", s, risk_description="Rezeptmenge falsch gedruckt.")
    tickets["G"] = follow_up("2026-03-21 10:00", g, s, "2026-03-23")
    # H: the call at 23:30 on the last day (22:30 UTC), flagged as a risk at 23:45, still in intake.
    h = call("2026-03-31 23:30", s)
    tickets["H"] = step(
        "2026-03-31 23:45", h, "flag_risk", s, risk_description="Unklar, ob Patienten betroffen."
    )
    # I: 00:10 on 1 April (still 31 March in UTC): after the period; a risk event after it too.
    i = call("2026-04-01 00:10", s)
    tickets["I"] = triage("2026-04-01 00:15", i, s, "software", risk_description="Nach dem Zeitraum.")
    # N: a complaint requested in September 2025, still open (follow-up due today: not overdue).
    n = call("2025-08-30 09:00", s)
    n = triage("2025-08-30 09:05", n, s, "software")
    n = escalate("2025-08-30 10:00", n, s)
    tickets["N"] = register("2025-09-01 10:00", n, s, "complaint", "2026-04-15")
    # M: a wish requested on 10 April, follow-up of 14 April overdue.
    m = call("2026-04-10 09:00", s)
    m = triage("2026-04-10 09:05", m, s, "software")
    m = escalate("2026-04-10 09:30", m, s)
    tickets["M"] = register("2026-04-10 10:00", m, s, "wish", "2026-04-14")
    return tickets


# ---- the figures, computed by hand from the data set above ----------------------------------------


def test_it_counts_the_tickets_opened_in_the_period_by_state_and_category(q1):
    cohort = figures.opened_tickets(Q1)
    assert cohort.opened == 10  # A B C D E F G H K L; not J (before), I (1 April 00:10), M, N
    assert cohort.by_state_category == {
        ("closed", "question"): 1,  # A
        ("closed", "technical"): 2,  # B K
        ("closed", "software"): 4,  # C D E F
        ("escalated", "software"): 1,  # G
        ("program_request", "software"): 1,  # L
        ("intake", ""): 1,  # H
    }


def test_it_computes_the_first_call_resolution_rate(q1):
    cohort = figures.opened_tickets(Q1)
    assert cohort.by_category["question"] == {
        "opened": 1, "decided": 1, "first_call": 1, "escalated": 0, "reopened_after_fix": 0,
    }  # fmt: skip
    assert cohort.by_category["technical"] == {
        "opened": 2, "decided": 2, "first_call": 2, "escalated": 0, "reopened_after_fix": 0,
    }  # fmt: skip
    # C was fixed on the phone but reopened: not a first-call resolution.
    assert cohort.by_category["software"] == {
        "opened": 6, "decided": 6, "first_call": 0, "escalated": 5, "reopened_after_fix": 1,
    }  # fmt: skip
    assert cohort.by_category[""] == {
        "opened": 1, "decided": 0, "first_call": 0, "escalated": 0, "reopened_after_fix": 0,
    }  # fmt: skip
    assert cohort.first_call_rate == pytest.approx(3 / 9)  # A B K of the 9 decided


def test_it_measures_the_time_to_close_per_path(q1):
    closes = figures.closes(Q1)
    assert closes.tickets == 8  # A B C D E F J K; C closed twice
    support = closes.by_path[figures.Path.SUPPORT_FIX]  # A 0.5 h, B 1 h, C 1 h, K 24 h, J 42 h
    assert (support.count, support.median, support.p90) == (5, 1 * H, 42 * H)
    sic = closes.by_path[figures.Path.SIC_FIX]  # D 27 h, C 122 h (5 days 2 h from the first call)
    assert (sic.count, sic.median, sic.p90) == (2, 74.5 * H, 122 * H)
    rejected = closes.by_path[figures.Path.REJECTED]  # E: 20 days 3 h
    assert (rejected.count, rejected.median, rejected.p90) == (1, 483 * H, 483 * H)
    realized = closes.by_path[figures.Path.REALIZED]  # F: 24 days
    assert (realized.count, realized.median, realized.p90) == (1, 576 * H, 576 * H)
    # 0.5 1 1 24 27 42 122 483 576: the 5th of 9 is the median, the 9th the 90th percentile (nearest rank)
    assert (closes.overall.count, closes.overall.median, closes.overall.p90) == (9, 27 * H, 576 * H)


def test_it_lists_the_follow_ups_overdue_now(q1):
    count, overdue = figures.overdue_follow_ups(NOW.date())
    # G (23 March) and M (14 April); N is due today, which is not overdue; L is due in May.
    assert count == 2
    assert [ticket.pk for ticket in overdue] == [q1["G"].pk, q1["M"].pk]


def test_it_lists_the_risk_events_of_the_period_and_their_decisions(q1):
    events = figures.risk_events(Q1)
    # K (signed: CAPA), G (pending), H (pending, 23:45 on 31 March); not I (1 April).
    assert [review.ticket_id for review in events.reviews] == [q1["K"].pk, q1["G"].pk, q1["H"].pk]
    assert events.by_decision == {"pending": 2, "no_action": 0, "capa": 1, "report_to_authority": 0}


def test_it_measures_the_time_to_sics_first_answer(q1):
    answers = figures.first_answers(Q1, NOW)
    fix = answers.by_answer["fix_immediately"]  # C 48 h, D 24 h
    assert (fix.count, fix.median, fix.p90) == (2, 36 * H, 48 * H)
    classified = answers.by_answer["register_program_request"]  # L 24 h, E 24 h, F 48 h
    assert (classified.count, classified.median, classified.p90) == (3, 24 * H, 48 * H)
    assert (answers.answered.count, answers.answered.median, answers.answered.p90) == (5, 24 * H, 48 * H)
    # G waits since 20 March 10:00 CET; NOW is 15 April 12:00 CEST: 26 days and 1 hour.
    assert (answers.waiting.count, answers.waiting.median) == (1, 625 * H)
    assert answers.escalations == 6


def test_it_reports_sics_decisions_on_program_requests(q1):
    decisions = figures.program_request_decisions(Q1)
    complaint, wish = decisions.by_kind["complaint"], decisions.by_kind["wish"]
    assert (complaint["decided"], complaint["realized"], complaint["rejected"]) == (1, 0, 1)  # E's
    assert (wish["decided"], wish["realized"], wish["rejected"]) == (1, 1, 0)  # F's
    assert (wish["release"].count, wish["release"].median) == (1, 21)  # 17 Feb to 10 Mar
    assert decisions.rejection_rate == 0.5
    assert (decisions.release.median, decisions.release.p90) == (21, 21)


def test_it_counts_open_program_requests_by_kind_and_age(q1):
    # L: 89 days old (31-90), N: 226 days (over 180), M: 5 days (up to 30).
    assert figures.open_program_requests(NOW.date()) == {"complaint": [0, 1, 0, 1], "wish": [1, 0, 0, 0]}


def test_it_counts_the_follow_ups_sic_let_pass(q1):
    rows = figures.inquiries(Q1)
    assert [(row["ticket_id"], row["count"]) for row in rows] == [
        (q1["F"].pk, 2),
        (q1["E"].pk, 1),
        (q1["G"].pk, 1),
    ]


def test_an_empty_period_has_no_figures_and_no_division_by_zero(q1):
    empty = periods.Period(datetime.date(2024, 1, 1), datetime.date(2024, 1, 31))
    report = tables.build(empty, NOW)
    assert figures.opened_tickets(empty).first_call_rate is None
    assert figures.closes(empty).overall == figures.Spread(0, None, None)
    assert report.table("time-to-close").footer == ["alle Wege", 0, None, None]


@pytest.mark.parametrize(
    ("values", "median", "p90"),
    [
        ([], None, None),
        ([7], 7, 7),
        ([3, 1], 2, 3),
        (list(range(1, 11)), 5.5, 9),  # ceil(0.9 * 10) = 9th value
        (list(range(1, 12)), 6, 10),  # ceil(0.9 * 11) = 10th value
        ([5, 1, 4, 2, 3], 3, 5),
    ],
)
def test_median_and_90th_percentile_by_nearest_rank(values, median, p90):
    assert figures.median(values) == median
    assert figures.percentile_90(values) == p90


def test_the_default_period_is_the_last_90_days_and_quarters_are_calendar_quarters():
    today = datetime.date(2026, 5, 20)
    assert periods.default_period(today) == periods.Period(datetime.date(2026, 2, 20), today)
    assert periods.quarter_of(today) == periods.Period(datetime.date(2026, 4, 1), datetime.date(2026, 6, 30))
    q4 = periods.quarter_of(datetime.date(2025, 11, 3))
    assert q4 == periods.Period(datetime.date(2025, 10, 1), datetime.date(2025, 12, 31))
    # Midnight in Berlin, in winter and in summer time.
    assert Q1.start == t("2026-01-01 00:00")
    assert periods.Period(datetime.date(2026, 7, 1), datetime.date(2026, 7, 31)).end == t("2026-08-01 00:00")


# ---- the page -------------------------------------------------------------------------------------


def get(user, url):
    with at(NOW):
        return web_client(user).get(url)


@pytest.mark.req("R8")
@pytest.mark.parametrize(
    ("role", "status"),
    [("support", 403), ("management", 200), ("qmb", 200), ("process_manager", 200), ("admin", 200)],
)
def test_management_qmb_and_admin_read_the_reports_support_does_not(users, role, status):
    assert web_client(users[role]).get(URL).status_code == status
    assert web_client(users[role]).get(reverse("report-csv", args=["summary"])).status_code == status


@pytest.mark.req("R8")
def test_the_nav_links_the_reports_only_for_roles_that_may_read_them(users):
    assert 'href="/reports/"' in web_client(users["qmb"]).get(URL).content.decode()
    assert 'href="/reports/"' not in web_client(users["support"]).get(reverse("dashboard")).content.decode()


@pytest.mark.req("R8")
def test_anonymous_users_are_sent_to_the_login(client):
    for url in (URL, reverse("report-csv", args=["summary"])):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith("/accounts/login/")


def test_it_only_answers_get(management_user):
    assert web_client(management_user).post(URL).status_code == 405


def test_the_page_shows_the_hand_computed_figures(q1, management_user):
    response = get(management_user, URL + Q1_QUERY)
    assert response.status_code == 200
    report = response.context["report"]
    summary = dict(report.summary.rows)
    assert summary["Vorgänge eröffnet"] == "10"
    assert summary["Vorgänge abgeschlossen"] == "8"
    assert summary["Erstlösungsquote"] == "33,3 %"
    assert summary["Anrufe mit einer bekannten Lösung gelöst"] == "0"
    assert summary["Zeit bis zum Abschluss (Median, alle Wege)"] == "27,0 Std."
    assert summary["Überfällige Wiedervorlagen (heute)"] == "2"
    assert summary["Risikorelevante Ereignisse (davon unbewertet)"] == "3 (2)"
    assert summary["Ablehnungsquote der Programmwünsche"] == "50,0 %"
    assert summary["Nachfragen bei SIC"] == "4"
    html = response.content.decode()
    assert '<td class="numeric">3,1 Tage</td>' in html  # SIC's immediate solutions: median 74.5 h
    assert '<td class="numeric">20,1 Tage</td>' in html  # the rejected path: 483 h
    assert '<td class="numeric">1,0 Std.</td>' in html  # support's immediate fixes: median 60 min
    assert '<tfoot><tr><th scope="row">alle Wege</th><td class="numeric">' in html  # the totals row


def test_the_charts_are_inline_svg_with_a_title_and_the_numbers_as_text(q1, management_user):
    html = get(management_user, URL + Q1_QUERY).content.decode()
    assert html.count("<svg") == 5  # and the complaints by month and their Pareto
    assert 'role="img"' in html
    assert '<title id="chart-time-to-close-title">Zeit bis zum Abschluss je Weg</title>' in html
    assert '<title id="chart-by-state-title">Eröffnete Vorgänge nach heutigem Status</title>' in html
    assert '<title id="chart-by-category-title">Eröffnete Vorgänge nach Kategorie</title>' in html
    assert "Median: 3,1 Tage" in html and "90. Perzentil: 5,1 Tage" in html  # text, not colour only
    assert "<script" not in html.split("<main", 1)[1].split("</main>", 1)[0]  # no chart library


def test_each_table_has_a_csv_download(q1, management_user):
    html = get(management_user, URL + Q1_QUERY).content.decode()
    for slug in tables.SLUGS:
        assert f'href="/reports/{slug}.csv?from=2026-01-01&amp;to=2026-03-31"' in html
        response = get(management_user, reverse("report-csv", args=[slug]) + Q1_QUERY)
        assert response.status_code == 200
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        assert f"bericht-{slug}-2026-01-01-2026-03-31.csv" in response["Content-Disposition"]


def read_csv(response):
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:]), delimiter=";"))


def test_the_time_to_close_csv_holds_the_figures_in_hours(q1, management_user):
    response = get(management_user, reverse("report-csv", args=["time-to-close"]) + Q1_QUERY)
    assert read_csv(response) == [
        ["Weg", "Abschlüsse", "Median (Stunden)", "90. Perzentil (Stunden)"],
        ["Sofortlösung durch den Support", "5", "1,00", "42,00"],
        ["Sofortlösung von SIC", "2", "74,50", "122,00"],
        ["Programmwunsch abgelehnt", "1", "483,00", "483,00"],
        ["Programmwunsch realisiert", "1", "576,00", "576,00"],
        ["alle Wege", "9", "27,00", "576,00"],
    ]


def test_the_csv_of_overdue_follow_ups_and_of_open_program_requests(q1, management_user):
    overdue = read_csv(get(management_user, reverse("report-csv", args=["overdue-follow-ups"]) + Q1_QUERY))
    assert [row[0] for row in overdue[1:]] == [q1["G"].number, q1["M"].number]
    assert [row[-2:] for row in overdue[1:]] == [["2026-03-23", "23"], ["2026-04-14", "1"]]
    ages = read_csv(get(management_user, reverse("report-csv", args=["open-program-requests"]) + Q1_QUERY))
    assert ages == [
        ["Art", "bis 30 Tage", "31–90 Tage", "91–180 Tage", "über 180 Tage", "Summe"],
        ["Beanstandung", "0", "1", "0", "1", "2"],
        ["Kundenwunsch", "1", "0", "0", "0", "1"],
        ["Summe", "1", "1", "0", "1", "3"],
    ]


def test_the_csv_of_program_request_decisions_and_first_call_resolution(q1, management_user):
    decisions = read_csv(
        get(management_user, reverse("report-csv", args=["program-request-decisions"]) + Q1_QUERY)
    )
    assert decisions[1:] == [
        ["Beanstandung", "1", "0", "1", "100,0", "", ""],
        ["Kundenwunsch", "1", "1", "0", "0,0", "21,0", "21,0"],
        ["Summe", "2", "1", "1", "50,0", "21,0", "21,0"],
    ]
    first = read_csv(get(management_user, reverse("report-csv", args=["first-call-resolution"]) + Q1_QUERY))
    assert first[-1] == ["Summe", "10", "9", "3", "1", "5", "33,3"]


def test_csv_cells_never_start_a_formula(management_user, support_user):
    with at(t("2024-02-01 10:00")):
        ticket = create_ticket(support_user, summary="-1+1")
        run(ticket, "triage", support_user)
        run(ticket, "escalate", support_user)
        run(ticket, "follow_up", support_user, note="Nachgefragt.", next_follow_up_date="2024-02-05")
    rows = read_csv(
        get(management_user, reverse("report-csv", args=["sic-inquiries"]) + "?from=2024-02-01&to=2024-02-01")
    )
    assert rows[1][1] == "'-1+1"
    rows = read_csv(
        get(management_user, reverse("report-csv", args=["overdue-follow-ups"]) + "?from=2024-02-01")
    )
    assert "'-1+1" in rows[1]


@pytest.mark.parametrize("period", ["?from=2024-01-01&to=2024-01-31", Q1_QUERY])
def test_the_report_runs_a_fixed_number_of_queries(
    django_assert_num_queries, django_assert_max_num_queries, management_user, q1, period
):
    """Session, user and roles, then the figures: at most as many for the full data set as for an empty
    period (the tickets asked about most and the known solutions used are named only when there are
    some). A CSV reads only the figures of its table: every overdue follow-up, so no separate count."""
    client = web_client(management_user)
    with at(NOW), django_assert_max_num_queries(3 + 16 + 4):  # the complaints: 4
        assert client.get(URL + period).status_code == 200
    with at(NOW), django_assert_num_queries(3 + 1):
        assert client.get(reverse("report-csv", args=["overdue-follow-ups"]) + period).status_code == 200


# ---- known solutions: which solve the most calls ---------------------------------------------------------

JUNE = periods.Period(datetime.date(2025, 6, 1), datetime.date(2025, 6, 30))
JUNE_QUERY = "?from=2025-06-01&to=2025-06-30"


def solved_on(moment, solution, by, count=1):
    with at(t(moment)):
        solved_with(solution, by, count)


def test_it_counts_the_calls_each_known_solution_solved_in_the_period(support_user, management_user):
    printer = solution_services.solution_create(by=support_user, data=PRINTER)
    licence = create_solution(support_user)
    create_solution(support_user, title="Nie gebraucht")
    solved_on("2025-05-31 23:50", printer, support_user)  # the call came in before the period
    solved_on("2025-06-01 00:10", printer, support_user, count=2)
    solved_on("2025-06-30 23:30", printer, support_user)
    solved_on("2025-06-15 10:00", licence, support_user)
    solved_on("2025-07-01 00:05", licence, support_user)  # after it
    with at(t("2025-06-20 10:00")):  # fixed with support's own solution: no known solution used
        run(ticket_in_state(State.TRIAGE, support_user), "fix_immediately", support_user)
    solution_services.solution_transition(
        solution_id=licence.pk, name="retire", by=support_user, data={"reason": "Ab 13.0 behoben."}
    )

    usage = figures.known_solution_usage(JUNE)
    assert (usage.calls, usage.solutions) == (4, 2)
    assert [(row["id"], row["calls"], row["status"]) for row in usage.rows] == [
        (printer.pk, 3, "active"),
        (licence.pk, 1, "retired"),
    ]

    response = get(management_user, URL + JUNE_QUERY)
    assert dict(response.context["report"].summary.rows)["Anrufe mit einer bekannten Lösung gelöst"] == "4"
    html = response.content.decode()
    section = html[html.index('id="known-solutions"') :]
    section = section[: section.index("</section>")]
    assert "Bekannte Lösungen, die die meisten Anrufe lösen" in section
    assert f'<a href="/solutions/{printer.pk}/">L-{printer.pk}: Rezept wird nicht gedruckt</a>' in section
    assert '<td class="numeric">75,0 %</td>' in section
    assert "Nie gebraucht" not in section
    assert "häufigsten von" not in section  # every solution used is shown

    rows = read_csv(get(management_user, reverse("report-csv", args=["known-solutions"]) + JUNE_QUERY))
    assert rows == [
        ["Bekannte Lösung", "Art", "Status (heute)", "Anrufe gelöst", "Anteil (%)"],
        [f"L-{printer.pk}: Rezept wird nicht gedruckt", "Konfiguration", "aktiv", "3", "75,0"],
        [
            f"L-{licence.pk}: Lizenz abgelaufen beim Programmstart",
            "Antwort auf eine Frage",
            "zurückgezogen",
            "1",
            "25,0",
        ],
        ["alle bekannten Lösungen", "", "", "4", ""],
    ]


def test_the_page_shows_the_ten_known_solutions_used_most_and_the_csv_all(support_user, management_user):
    most = create_solution(support_user, title="Z: am häufigsten")
    solved_on("2025-06-02 09:00", most, support_user, count=2)
    for i in range(11):
        solved_on("2025-06-03 09:00", create_solution(support_user, title=f"Lizenz {i:02d}"), support_user)

    table = get(management_user, URL + JUNE_QUERY).context["report"].table("known-solutions")
    assert [row[0][1].split(": ", 1)[1] for row in table.rows] == [
        "Z: am häufigsten",
        *(f"Lizenz {i:02d}" for i in range(9)),
    ]
    assert (
        table.note == "Die 10 häufigsten von 12 verwendeten bekannten Lösungen; alle stehen in der CSV-Datei."
    )
    assert table.footer[3] == 13

    rows = read_csv(get(management_user, reverse("report-csv", args=["known-solutions"]) + JUNE_QUERY))
    assert len(rows) == 1 + 12 + 1
    assert rows[-2][0].endswith("Lizenz 10")


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("?from=2026-02-30", "Bitte ein Datum im Format JJJJ-MM-TT angeben"),
        ("?to=31.03.2026", "Bitte ein Datum im Format JJJJ-MM-TT angeben"),
        ("?from=2026-04-01&to=2026-03-31", "Der Beginn des Zeitraums liegt nach seinem Ende."),
        ("?from=1900-01-01&to=2026-03-31", "Der Zeitraum ist zu lang: höchstens 3660 Tage."),
    ],
)
@pytest.mark.req("R14")
def test_a_bad_period_is_a_german_400_not_a_500(management_user, query, message):
    client = web_client(management_user)
    page = client.get(URL + query)
    assert page.status_code == 400
    assert message in page.content.decode()
    assert "report" not in page.context
    download = client.get(reverse("report-csv", args=["summary"]) + query)
    assert download.status_code == 400
    assert message in download.content.decode()


def test_one_date_left_out_takes_its_default(management_user):
    with at(NOW):
        response = web_client(management_user).get(URL + "?to=2026-03-31")
    assert response.context["report"].period == periods.Period(
        datetime.date(2026, 1, 1), datetime.date(2026, 3, 31)
    )
    with at(NOW):
        response = web_client(management_user).get(URL)
    assert response.context["report"].period == periods.Period(datetime.date(2026, 1, 16), NOW.date())


def test_an_unknown_table_is_404(management_user):
    assert web_client(management_user).get("/reports/nonsense.csv").status_code == 404


def test_svg_text_is_escaped_and_a_chart_of_zeros_draws():
    chart = svg.bar_chart(
        chart_id="c",
        title="<b>T</b>",
        description="D & E",
        groups=[svg.Group("<script>", (svg.Bar(0, "0"),))],
    )
    assert "<script>" not in chart and "&lt;script&gt;" in chart
    assert '<title id="c-title">&lt;b&gt;T&lt;/b&gt;</title>' in chart
    assert 'width="0.0"' in chart


def test_program_requests_in_the_data_set_are_made_at_the_frozen_time(q1):
    """The freezing helper reaches auto_now_add and field defaults (guards the data set itself)."""
    created = ProgramRequest.objects.get(tickets=q1["F"]).created_at
    assert created == t("2026-02-17 09:30")
    assert q1["G"].vendor_contacts.get(kind="inquiry").created_at == t("2026-03-21 10:00")
    assert roles.can_read_reports(q1["G"].taken_by) is False
