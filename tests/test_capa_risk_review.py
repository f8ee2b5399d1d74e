"""R22: a risk review signed with the decision "CAPA einleiten" opens a CAPA proposal linked to its
ticket, in the signature's transaction, and the process managers hear of it."""

import pytest

from accounts import roles
from capa.models import CapaProposal, CapaTicketLink
from tests.conftest import client_for
from tests.factories import PASSWORD, run, ticket_in_state, user_with_role
from tickets.models import RiskReview, State

RISK = "Falsche Hilfsmittelmenge auf dem Lieferschein: Patient falsch versorgt."


def risk_ticket(by):
    ticket = ticket_in_state(State.TRIAGE, by)
    return run(ticket, "flag_risk", by, risk_description=RISK)


def sign(user, ticket, **data):
    body = {"decision": "capa", "comment": "Mengenprüfung mit SIC klären.", "password": PASSWORD, **data}
    return client_for(user).post(f"/api/v1/tickets/{ticket.pk}/risk-review/", body, format="json")


@pytest.mark.req("R22")
def test_a_review_decided_capa_opens_a_proposal_linked_to_the_ticket(
    support_user, management_user, mailoutbox, django_capture_on_commit_callbacks
):
    manager_of_process = user_with_role(roles.PROCESS_MANAGER, email="prozess@example.test")
    ticket = risk_ticket(support_user)

    with django_capture_on_commit_callbacks(execute=True):
        response = sign(management_user, ticket)

    assert response.status_code == 201, response.content
    review = RiskReview.objects.get(ticket=ticket)
    capa = CapaProposal.objects.get()
    assert capa.state == CapaProposal.State.PROPOSED
    assert capa.risk_review == review and capa.raised_by == management_user
    assert list(capa.tickets.all()) == [ticket]
    assert ticket.number in capa.title and capa.why == RISK and capa.what == "Mengenprüfung mit SIC klären."
    rows = capa.history.values_list("history_change_reason", "history_user")
    assert list(rows) == [("capa_from_risk_review", management_user.pk)]
    link = CapaTicketLink.history.get(capa_id=capa.pk)
    assert (link.history_change_reason, link.history_user_id) == ("capa_link", management_user.pk)
    assert [mail.to for mail in mailoutbox] == [[manager_of_process.email]]
    assert f"CAPA-{capa.pk}" in mailoutbox[0].subject
    # The CAPA shows from the ticket's side as well.
    assert list(ticket.capa_proposals.all()) == [capa]


@pytest.mark.req("R22")
@pytest.mark.parametrize("decision", ["no_action", "report_to_authority"])
def test_other_decisions_open_no_proposal(support_user, management_user, decision):
    ticket = risk_ticket(support_user)
    extra = {"report_category": "serious_incident"} if decision == "report_to_authority" else {}
    response = sign(management_user, ticket, decision=decision, **extra)
    assert response.status_code == 201, response.content
    assert not CapaProposal.objects.exists()


@pytest.mark.req("R22")
def test_a_refused_signature_opens_no_proposal(support_user, management_user):
    ticket = risk_ticket(support_user)
    assert sign(management_user, ticket, password="falsch").status_code == 400
    assert sign(user_with_role(roles.QMB), ticket).status_code == 403
    assert not CapaProposal.objects.exists()
    assert RiskReview.objects.get(ticket=ticket).state == RiskReview.State.PENDING


@pytest.mark.req("R22")
def test_each_capa_review_of_a_ticket_opens_its_own_proposal(support_user, management_user):
    ticket = risk_ticket(support_user)
    sign(management_user, ticket)
    run(ticket, "flag_risk", support_user, risk_description="Zweites Ereignis: Doppelbuchung.")
    sign(management_user, ticket)
    proposals = CapaProposal.objects.order_by("pk")
    assert [capa.risk_review.risk_description for capa in proposals] == [
        RISK,
        "Zweites Ereignis: Doppelbuchung.",
    ]
    assert all(list(capa.tickets.all()) == [ticket] for capa in proposals)
