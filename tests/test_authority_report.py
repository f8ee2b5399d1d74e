"""Reportable risk events (EU MDR Art. 87): the deadline from the call, its countdown, the report date."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from accounts import roles
from audit.chain import verify_all
from audit.history import save_audited
from supportdesk.errors import Conflict, InvalidData
from tests.conftest import client_for, web_client
from tests.factories import PASSWORD, run, ticket_in_state
from tickets import services
from tickets.models import AuthorityReport, RiskReview, State
from tickets.selectors import countdown, open_reports

DAYS = {"serious_incident": 15, "death_or_serious_deterioration": 10, "serious_public_health_threat": 2}


def risk_ticket(by, *, called_days_ago=0):
    ticket = run(ticket_in_state(State.TRIAGE, by), "flag_risk", by)
    if called_days_ago:
        ticket.created_at -= datetime.timedelta(days=called_days_ago)
        save_audited(ticket, by=by, reason="test: call came in earlier")
    return ticket


def sign(ticket, by, decision="report_to_authority", category="serious_incident"):
    data = {"decision": decision, "comment": "", "password": PASSWORD, "report_category": category}
    return services.risk_review_sign(ticket_id=ticket.pk, by=by, data=data)


def report(review, by, **data):
    data = {"reported_on": timezone.localdate().isoformat(), "reference": "BfArM 2026-0042", **data}
    return services.authority_report_record(review_id=review.pk, by=by, data=data)


@pytest.mark.req("R12")
@pytest.mark.parametrize(("category", "days"), DAYS.items())
def test_the_deadline_counts_from_the_call_by_the_chosen_category(
    support_user, management_user, category, days
):
    ticket = risk_ticket(support_user, called_days_ago=1)
    review = sign(ticket, management_user, category=category)
    review.refresh_from_db()
    assert review.report_category == category
    assert review.report_deadline == ticket.created_at + datetime.timedelta(days=days)
    row = review.history.order_by("history_id").last()
    assert (row.history_change_reason, row.report_category) == ("sign", category)


@pytest.mark.req("R4")
def test_reporting_to_the_authority_needs_a_category(support_user, management_user):
    ticket = risk_ticket(support_user)
    response = client_for(management_user).post(
        f"/api/v1/tickets/{ticket.pk}/risk-review/",
        {"decision": "report_to_authority", "comment": "", "password": PASSWORD},
        format="json",
    )
    assert response.status_code == 400
    assert list(response.json()) == ["report_category"]
    assert ticket.risk_reviews.get().state == RiskReview.State.PENDING


def test_the_api_takes_and_shows_the_category(support_user, management_user):
    ticket = risk_ticket(support_user)
    response = client_for(management_user).post(
        f"/api/v1/tickets/{ticket.pk}/risk-review/",
        {
            "decision": "report_to_authority",
            "password": PASSWORD,
            "report_category": "serious_public_health_threat",
        },
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["report_category"] == "serious_public_health_threat"


@pytest.mark.parametrize("decision", ["no_action", "capa"])
def test_other_decisions_have_no_deadline(support_user, management_user, decision):
    review = sign(risk_ticket(support_user), management_user, decision=decision, category="serious_incident")
    review.refresh_from_db()
    assert review.report_category == "" and review.report_deadline is None
    assert list(open_reports()) == []


def test_the_countdown_in_days_until_overdue():
    deadline = timezone.make_aware(datetime.datetime(2026, 3, 20, 10, 0))
    at = lambda *args: timezone.make_aware(datetime.datetime(*args))  # noqa: E731
    assert countdown(deadline, now=at(2026, 3, 17, 18, 0)) | {"deadline": None} == {
        "deadline": None,
        "days_left": 3,
        "overdue": False,
        "label": "noch 3 Tage",
    }
    assert countdown(deadline, now=at(2026, 3, 19, 23, 0))["label"] == "noch 1 Tag"
    assert countdown(deadline, now=at(2026, 3, 20, 9, 59))["label"] == "heute fällig"
    assert countdown(deadline, now=at(2026, 3, 20, 10, 1))["label"] == "heute überfällig"
    late = countdown(deadline, now=at(2026, 3, 22, 8, 0))
    assert (late["overdue"], late["days_left"], late["label"]) == (True, -2, "seit 2 Tagen überfällig")


def test_the_dashboard_counts_down_until_the_report_date_is_recorded(support_user, management_user):
    ticket = risk_ticket(support_user, called_days_ago=3)
    review = sign(ticket, management_user, category="death_or_serious_deterioration")
    for user in (support_user, management_user):
        response = web_client(user).get("/")
        rows = response.context["authority_reports"]
        assert [(row["review"].pk, row["days_left"], row["overdue"]) for row in rows] == [
            (review.pk, 7, False)
        ]
        assert "noch 7 Tage" in response.content.decode()

    report(review, management_user)

    response = web_client(support_user).get("/")
    assert response.context["authority_reports"] == []
    assert "Meldefristen an die Behörde" not in response.content.decode()


def test_the_dashboard_shows_an_overdue_report(support_user, management_user):
    review = sign(
        risk_ticket(support_user, called_days_ago=4), management_user, category="serious_public_health_threat"
    )
    response = web_client(management_user).get("/")
    assert response.context["authority_reports"][0]["overdue"] is True
    assert "seit 2 Tagen überfällig" in response.content.decode()
    assert review.ticket.number in response.content.decode()


def test_the_ticket_page_shows_the_deadline_and_then_the_report(support_user, management_user, qmb_user):
    ticket = risk_ticket(support_user)
    review = sign(ticket, management_user, category="serious_incident")
    deadline = timezone.localtime(ticket.created_at + datetime.timedelta(days=15)).strftime("%d.%m.%Y %H:%M")
    html = web_client(qmb_user).get(f"/tickets/{ticket.pk}/").content.decode()
    assert deadline in html and "noch 15 Tage" in html and "noch nicht gemeldet" in html
    assert reverse("authority-report", args=[review.pk]) not in html  # the QMB records nothing
    manager_page = web_client(management_user).get(f"/tickets/{ticket.pk}/").content.decode()
    assert reverse("authority-report", args=[review.pk]) in manager_page

    response = web_client(management_user).post(
        reverse("authority-report", args=[review.pk]),
        {"reported_on": timezone.localdate().isoformat(), "reference": "BfArM 2026-0042"},
    )

    assert response.status_code == 302 and response.url == f"/tickets/{ticket.pk}/"
    html = web_client(support_user).get(f"/tickets/{ticket.pk}/").content.decode()
    assert timezone.localdate().strftime("%d.%m.%Y") in html and "BfArM 2026-0042" in html
    assert "noch 15 Tage" not in html


@pytest.mark.req("R9")
def test_the_report_is_recorded_with_history_and_stays_on_its_own_record(support_user, management_user):
    review = sign(risk_ticket(support_user), management_user)
    signed_rows = review.history.count()
    recorded = report(review, management_user)
    assert recorded.review == review and recorded.created_by == management_user
    row = recorded.history.get()
    assert (row.history_change_reason, row.history_user, row.reference) == (
        "authority_report",
        management_user,
        "BfArM 2026-0042",
    )
    assert review.history.count() == signed_rows  # the signed review itself is never changed (R12)
    assert verify_all()[1] is None


@pytest.mark.req("R8")
@pytest.mark.parametrize("role", [roles.SUPPORT, roles.QMB, roles.ADMIN])
def test_only_management_records_the_report(users, role):
    review = sign(risk_ticket(users[roles.SUPPORT]), users[roles.MANAGEMENT])
    with pytest.raises(PermissionDenied):
        report(review, users[role])
    response = web_client(users[role]).post(
        reverse("authority-report", args=[review.pk]), {"reported_on": timezone.localdate().isoformat()}
    )
    assert response.status_code == 403
    assert not AuthorityReport.objects.exists()


@pytest.mark.req("R1")
def test_a_report_is_recorded_once_and_only_for_a_reporting_decision(support_user, management_user):
    review = sign(risk_ticket(support_user), management_user)
    report(review, management_user)
    with pytest.raises(Conflict):
        report(review, management_user)
    other = sign(risk_ticket(support_user), management_user, decision="capa")
    response = web_client(management_user).post(
        reverse("authority-report", args=[other.pk]), {"reported_on": timezone.localdate().isoformat()}
    )
    assert response.status_code == 409
    assert "keine Meldung an die Behörde entschieden" in response.content.decode()
    assert AuthorityReport.objects.count() == 1


@pytest.mark.req("R4")
@pytest.mark.parametrize(
    ("reported_on", "message"),
    [
        ((timezone.localdate() + datetime.timedelta(days=1)).isoformat(), "Zukunft"),
        ((timezone.localdate() - datetime.timedelta(days=30)).isoformat(), "vor dem Anruf"),
        ("gestern", "gültiges Datum"),
        ("", "zwingend erforderlich"),
    ],
)
def test_a_bad_report_date_is_refused_with_a_message(support_user, management_user, reported_on, message):
    review = sign(risk_ticket(support_user), management_user)
    with pytest.raises(InvalidData):
        report(review, management_user, reported_on=reported_on)
    response = web_client(management_user).post(
        reverse("authority-report", args=[review.pk]), {"reported_on": reported_on}
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not AuthorityReport.objects.exists()
