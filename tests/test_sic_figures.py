"""SIC's performance figures on /reports/ (DESIGN §8, ISO 13485 §7.4.1; issue 11): SIC's unprompted
reports (vendor contacts of kind vendor_report) counted apart from our inquiries (kind inquiry, the
follow-ups) and other contacts, per calendar month (Europe/Berlin); checked against a hand-built data
set, kept as the contacts are written and the same when rebuilt from the records."""

import datetime
import importlib
import io

import pytest
from django.apps import apps
from django.core.management import call_command
from django.urls import reverse

from reports import figures, periods
from reports.models import Step, TicketFacts
from tests.conftest import web_client
from tests.factories import run, ticket_in_state
from tests.test_report_facts import facts, steps
from tests.test_reports import at, read_csv, t
from tickets import services
from tickets.models import State

pytestmark = pytest.mark.django_db

PERIOD = periods.Period(datetime.date(2026, 1, 1), datetime.date(2026, 2, 28))
QUERY = "?from=2026-01-01&to=2026-02-28"
NOW = t("2026-03-15 12:00")


def contact(moment, ticket, by, kind, channel="phone"):
    with at(t(moment)):
        return services.ticket_add_vendor_contact(
            ticket_id=ticket.pk,
            by=by,
            data={"kind": kind, "channel": channel, "summary": f"{kind} am {moment}"},
        )


@pytest.fixture
def sic_contacts(support_user):
    """Two tickets at SIC with contacts of every kind, in January and February 2026 (Berlin time),
    and contacts just outside the period. By hand, per month:
    January: SIC reported on its own once (P, 7 Jan), we asked twice (P's follow-up on 12 Jan and
    an inquiry on 31 Jan 23:30, which is 22:30 UTC); February: SIC reported twice (Q on 1 Feb 00:30,
    still 31 January in UTC; Q on 20 Feb), one other contact (Q, 10 Feb), no inquiry. The
    escalations themselves (5 Jan, 1 Feb) are no contacts of these kinds."""
    s = support_user
    with at(t("2026-01-05 10:00")):
        p = ticket_in_state(State.ESCALATED, s)
    contact("2026-01-07 09:00", p, s, "vendor_report", channel="email")
    with at(t("2026-01-12 09:00")):
        p = run(p, "follow_up", s, note="SIC hat sich nicht gemeldet.", next_follow_up_date="2026-01-19")
    contact("2026-01-31 23:30", p, s, "inquiry", channel="email")
    with at(t("2026-02-01 00:15")):
        q = ticket_in_state(State.ESCALATED, s)
    contact("2026-02-01 00:30", q, s, "vendor_report", channel="portal")
    contact("2026-02-10 14:00", q, s, "other")
    contact("2026-02-20 08:00", q, s, "vendor_report")
    # Outside the period: 31 Dec 23:59 and 1 March 00:10 Berlin time (28 Feb 23:10 UTC).
    contact("2025-12-31 23:59", p, s, "inquiry")
    contact("2026-03-01 00:10", q, s, "vendor_report")
    return {"P": p, "Q": q}


def test_it_counts_sics_own_reports_apart_from_our_inquiries_per_month(sic_contacts):
    found = figures.sic_contacts(PERIOD)
    assert found.by_month == {
        datetime.date(2026, 1, 1): {"vendor_report": 1, "inquiry": 2, "other": 0},
        datetime.date(2026, 2, 1): {"vendor_report": 2, "inquiry": 0, "other": 1},
    }
    assert found.totals == {"vendor_report": 3, "inquiry": 2, "other": 1}
    assert figures.SicContacts.share(found.by_month[datetime.date(2026, 1, 1)]) == pytest.approx(1 / 3)
    assert figures.SicContacts.share(found.totals) == pytest.approx(0.6)
    # The follow-ups SIC let pass count our inquiries only, never SIC's own reports.
    asked = figures.inquiries(PERIOD)
    assert (asked.count, asked.tickets) == (2, 1)
    assert [(row["ticket_id"], row["count"]) for row in asked] == [(sic_contacts["P"].pk, 2)]


def test_every_month_of_the_period_is_listed_also_without_contacts(sic_contacts):
    quiet = figures.sic_contacts(periods.Period(datetime.date(2025, 11, 15), datetime.date(2026, 1, 6)))
    assert quiet.by_month == {
        datetime.date(2025, 11, 1): {"vendor_report": 0, "inquiry": 0, "other": 0},
        datetime.date(2025, 12, 1): {"vendor_report": 0, "inquiry": 1, "other": 0},
        datetime.date(2026, 1, 1): {"vendor_report": 0, "inquiry": 0, "other": 0},
    }
    assert figures.SicContacts.share(quiet.by_month[datetime.date(2025, 11, 1)]) is None


def test_the_page_shows_the_hand_computed_figures_and_the_csv_holds_them(sic_contacts, management_user):
    client = web_client(management_user)
    with at(NOW):
        response = client.get(reverse("reports") + QUERY)
    assert response.status_code == 200
    report = response.context["report"]
    summary = dict(report.summary.rows)
    assert summary["SIC meldete sich von selbst"] == "3"
    assert summary["Nachfragen bei SIC"] == "2"
    table = report.table("sic-contacts")
    assert table.title == "Kontakte mit SIC: von selbst gemeldet oder nachgefragt"
    assert [row[:4] for row in table.rows] == [["Januar 2026", 1, 2, 0], ["Februar 2026", 2, 0, 1]]
    html = response.content.decode()
    assert "SIC meldete sich von selbst" in html and "Nachfragen bei SIC" in html
    assert '<td class="numeric">33,3 %</td>' in html and '<td class="numeric">60,0 %</td>' in html
    with at(NOW):
        csv = read_csv(client.get(reverse("report-csv", args=["sic-contacts"]) + QUERY))
    assert csv == [
        [
            "Monat",
            "SIC meldete sich von selbst",
            "Nachfragen bei SIC",
            "sonstige Kontakte",
            "Anteil von selbst (%)",
        ],
        ["Januar 2026", "1", "2", "0", "33,3"],
        ["Februar 2026", "2", "0", "1", "100,0"],
        ["Summe", "3", "2", "1", "60,0"],
    ]


def test_the_report_still_runs_a_fixed_number_of_queries(
    sic_contacts, management_user, django_assert_max_num_queries
):
    """Session, user and roles, then the figures: no more with the contacts than for an empty period."""
    client = web_client(management_user)
    for query in (QUERY, "?from=2024-01-01&to=2024-01-31"):
        with at(NOW), django_assert_max_num_queries(3 + 16 + 4):  # + the complaints (test_complaint_trend)
            assert client.get(reverse("reports") + query).status_code == 200


def test_the_contacts_are_kept_as_written_and_the_same_when_rebuilt(sic_contacts):
    kinds = sorted(Step.objects.exclude(kind__in=["close", "escalate"]).values_list("kind", flat=True))
    assert kinds == ["inquiry"] * 3 + ["other"] + ["vendor_report"] * 4
    kept = (facts(), steps())
    TicketFacts.objects.all().delete()
    Step.objects.all().delete()
    call_command("rebuild_report_figures", stdout=io.StringIO(), stderr=io.StringIO())
    assert (facts(), steps()) == kept


def test_the_migration_adds_the_steps_of_contacts_recorded_before(sic_contacts):
    kept = steps()
    Step.objects.filter(kind__in=["vendor_report", "other"]).delete()
    migration = importlib.import_module("reports.migrations.0002_contact_steps")
    migration.add_contact_steps(apps, None)
    assert steps() == kept
