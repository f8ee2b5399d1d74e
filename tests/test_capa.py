"""Process CAPA proposals: raised by anyone, moved through by management and QMB, with full history."""

import pytest
from django.core.exceptions import PermissionDenied

from accounts import roles
from audit.chain import verify_all
from capa import services
from capa.models import CapaProposal, CapaTicketLink
from supportdesk.errors import Conflict, InvalidData
from tests.factories import create_ticket

PROPOSAL = {
    "title": "Checkliste Risikoprüfung am Telefon",
    "what": "Eine Checkliste mit fünf Fragen zur Risikoprüfung in die Aufnahme einbauen.",
    "why": "Zwei Vorgänge wurden erst nach Tagen als risikorelevant erkannt.",
}
STEP_DATA = {
    "accept": {"comment": "Beschluss der Qualitätsbesprechung vom 12.03."},
    "reject": {"reason": "Wird bereits durch die Schulung im April abgedeckt."},
    "implement": {"implementation": "Checkliste in die Arbeitsanweisung Version 4 aufgenommen."},
    "check_effectiveness": {
        "effective": "true",
        "result": "Seit drei Monaten kein verspätet erkanntes Risiko.",
    },
}
PATH_TO = {
    CapaProposal.State.PROPOSED: [],
    CapaProposal.State.ACCEPTED: ["accept"],
    CapaProposal.State.REJECTED: ["reject"],
    CapaProposal.State.IMPLEMENTED: ["accept", "implement"],
    CapaProposal.State.EFFECTIVENESS_CHECKED: ["accept", "implement", "check_effectiveness"],
}


def raise_capa(by, **data):
    return services.capa_create(by=by, data={**PROPOSAL, **data})


def step(capa, name, by, **data):
    return services.capa_transition(capa_id=capa.pk, name=name, by=by, data=data or STEP_DATA[name])


def capa_in_state(state, *, raised_by, decided_by):
    capa = raise_capa(raised_by)
    for name in PATH_TO[state]:
        capa = step(capa, name, decided_by)
    return capa


def reasons(capa):
    return list(
        capa.history.order_by("history_id").values_list("history_change_reason", "state", "history_user")
    )


@pytest.mark.req("R8")
@pytest.mark.parametrize("role", roles.ROLES)
def test_it_lets_every_role_raise_a_proposal(users, role):
    capa = raise_capa(users[role])
    assert capa.state == CapaProposal.State.PROPOSED
    assert capa.raised_by == users[role]
    assert reasons(capa) == [("capa_create", "proposed", users[role].pk)]


@pytest.mark.req("R9")
def test_it_links_the_tickets_given_by_number_each_with_a_history_row(support_user):
    first, second = create_ticket(support_user), create_ticket(support_user)

    capa = raise_capa(support_user, tickets=f"{second.number}, {first.number} {second.number}")

    assert list(capa.tickets.order_by("pk")) == [first, second]
    links = CapaTicketLink.objects.filter(capa=capa)
    assert [link.ticket for link in links] == [second, first]  # in the order given, duplicates once
    rows = CapaTicketLink.history.filter(capa_id=capa.pk)
    assert {(row.history_change_reason, row.history_user_id) for row in rows} == {
        ("capa_link", support_user.pk)
    }
    assert list(first.capa_proposals.all()) == [capa]
    assert verify_all()[1] is None


@pytest.mark.req("R4")
def test_it_refuses_an_unknown_ticket_number_and_saves_nothing(support_user):
    ticket = create_ticket(support_user)
    with pytest.raises(InvalidData) as refused:
        raise_capa(support_user, tickets=f"{ticket.number}, 2026-999999")
    assert "2026-999999" in refused.value.form.errors["tickets"][0]
    assert not CapaProposal.objects.exists() and not CapaTicketLink.objects.exists()


@pytest.mark.req("R4")
@pytest.mark.parametrize("missing", ["title", "what", "why"])
def test_it_needs_title_what_and_why(support_user, missing):
    with pytest.raises(InvalidData) as refused:
        raise_capa(support_user, **{missing: "  "})
    assert list(refused.value.form.errors) == [missing]


@pytest.mark.parametrize(
    ("path", "final"),
    [
        (["accept", "implement", "check_effectiveness"], CapaProposal.State.EFFECTIVENESS_CHECKED),
        (["reject"], CapaProposal.State.REJECTED),
    ],
)
@pytest.mark.parametrize("role", [roles.MANAGEMENT, roles.QMB])
def test_management_and_qmb_move_a_proposal_through_with_a_history_row_per_step(users, path, final, role):
    decider = users[role]
    capa = raise_capa(users[roles.SUPPORT])
    for name in path:
        capa = step(capa, name, decider)
    capa.refresh_from_db()
    assert capa.state == final
    rows = reasons(capa)
    assert rows[0] == ("capa_create", "proposed", users[roles.SUPPORT].pk)
    assert [row[0] for row in rows[1:]] == path
    assert {row[2] for row in rows[1:]} == {decider.pk}
    assert rows[-1][1] == final
    assert verify_all()[1] is None


def test_each_step_records_what_was_decided_by_whom(management_user, qmb_user, support_user):
    capa = capa_in_state(
        CapaProposal.State.EFFECTIVENESS_CHECKED, raised_by=support_user, decided_by=qmb_user
    )
    capa.refresh_from_db()
    assert capa.decided_by == qmb_user and capa.decided_at
    assert capa.decision_comment == STEP_DATA["accept"]["comment"]
    assert capa.implemented_by == qmb_user and capa.implementation == STEP_DATA["implement"]["implementation"]
    assert capa.checked_by == qmb_user and capa.effective is True
    assert capa.effectiveness_result == STEP_DATA["check_effectiveness"]["result"]
    row = capa.history.order_by("history_id").last()
    assert (row.effective, row.effectiveness_result) == (True, capa.effectiveness_result)

    rejected = capa_in_state(CapaProposal.State.REJECTED, raised_by=support_user, decided_by=management_user)
    row = rejected.history.order_by("history_id").last()
    assert (row.history_change_reason, row.rejection_reason) == ("reject", STEP_DATA["reject"]["reason"])


@pytest.mark.req("R4")
@pytest.mark.parametrize("reason", ["", "   ", "zu kurz", "a b c d e f g h i"])
def test_a_rejection_needs_a_reason_of_ten_characters(management_user, support_user, reason):
    capa = raise_capa(support_user)
    with pytest.raises(InvalidData) as refused:
        step(capa, "reject", management_user, reason=reason)
    assert list(refused.value.form.errors) == ["reason"]
    capa.refresh_from_db()
    assert capa.state == CapaProposal.State.PROPOSED and capa.history.count() == 1


@pytest.mark.req("R4")
def test_the_effectiveness_check_needs_a_yes_or_no_and_a_result(management_user, support_user):
    capa = capa_in_state(CapaProposal.State.IMPLEMENTED, raised_by=support_user, decided_by=management_user)
    with pytest.raises(InvalidData) as refused:
        step(capa, "check_effectiveness", management_user, result="")
    assert set(refused.value.form.errors) == {"effective", "result"}


@pytest.mark.req("R8")
@pytest.mark.parametrize("role", [roles.SUPPORT, roles.ADMIN])
@pytest.mark.parametrize("name", ["accept", "reject"])
def test_support_and_admin_may_not_decide(users, role, name):
    capa = raise_capa(users[roles.SUPPORT])
    with pytest.raises(PermissionDenied):
        step(capa, name, users[role])
    capa.refresh_from_db()
    assert capa.state == CapaProposal.State.PROPOSED and capa.history.count() == 1


@pytest.mark.req("R1")
@pytest.mark.parametrize(
    ("state", "name"),
    [
        (CapaProposal.State.PROPOSED, "implement"),
        (CapaProposal.State.PROPOSED, "check_effectiveness"),
        (CapaProposal.State.ACCEPTED, "accept"),
        (CapaProposal.State.ACCEPTED, "reject"),
        (CapaProposal.State.REJECTED, "accept"),
        (CapaProposal.State.REJECTED, "implement"),
        (CapaProposal.State.IMPLEMENTED, "reject"),
        (CapaProposal.State.EFFECTIVENESS_CHECKED, "implement"),
    ],
)
def test_a_step_not_allowed_from_the_state_is_refused_and_nothing_changes(
    management_user, support_user, state, name
):
    capa = capa_in_state(state, raised_by=support_user, decided_by=management_user)
    rows = capa.history.count()
    with pytest.raises(Conflict):
        step(capa, name, management_user)
    capa.refresh_from_db()
    assert capa.state == state and capa.history.count() == rows


@pytest.mark.req("R6")
def test_a_step_based_on_a_state_seen_earlier_is_refused(management_user, qmb_user, support_user):
    capa = raise_capa(support_user)
    step(capa, "accept", management_user)
    with pytest.raises(Conflict):
        services.capa_transition(
            capa_id=capa.pk, name="accept", by=qmb_user, data={}, expected_state=CapaProposal.State.PROPOSED
        )


@pytest.mark.req("R7")
def test_proposals_and_links_are_never_deleted(support_user):
    ticket = create_ticket(support_user)
    capa = raise_capa(support_user, tickets=ticket.number)
    with pytest.raises(Exception, match="nie gelöscht"):
        capa.delete()
    with pytest.raises(Exception, match="nie gelöscht"):
        CapaTicketLink.objects.all().delete()
    assert CapaTicketLink.objects.count() == 1
