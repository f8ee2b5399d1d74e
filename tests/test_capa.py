"""Process CAPA (R22, DESIGN §10.3): anyone proposes; management decides with a signature (password
re-entered, meaning "decision", owner and due date at acceptance); the process manager records the
implementation and the effectiveness check; full history; the process managers are e-mailed."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from accounts import roles
from audit.chain import verify_all
from capa import services
from capa.models import CapaProposal, CapaTicketLink
from outbox.models import OutgoingEmail
from supportdesk.errors import Conflict, InvalidData
from tests.factories import PASSWORD, create_ticket, user_with_role

PROPOSAL = {
    "title": "Checkliste Risikoprüfung am Telefon",
    "what": "Eine Checkliste mit fünf Fragen zur Risikoprüfung in die Aufnahme einbauen.",
    "why": "Zwei Vorgänge wurden erst nach Tagen als risikorelevant erkannt.",
}
DECIDES = {"accept", "reject"}
CARRIES_OUT = {"implement", "check_effectiveness"}
PATH_TO = {
    CapaProposal.State.PROPOSED: [],
    CapaProposal.State.ACCEPTED: ["accept"],
    CapaProposal.State.REJECTED: ["reject"],
    CapaProposal.State.IMPLEMENTED: ["accept", "implement"],
    CapaProposal.State.EFFECTIVENESS_CHECKED: ["accept", "implement", "check_effectiveness"],
}


def step_data(name, owner=None):
    return {
        "accept": {
            "owner": owner.pk if owner else None,
            "due_date": (timezone.localdate() + datetime.timedelta(days=30)).isoformat(),
            "comment": "Beschluss der Qualitätsbesprechung vom 12.03.",
            "password": PASSWORD,
        },
        "reject": {"reason": "Wird bereits durch die Schulung im April abgedeckt.", "password": PASSWORD},
        "implement": {"implementation": "Checkliste in die Arbeitsanweisung Version 4 aufgenommen."},
        "check_effectiveness": {
            "effective": "true",
            "result": "Seit drei Monaten kein verspätet erkanntes Risiko.",
        },
    }[name]


def raise_capa(by, **data):
    return services.capa_create(by=by, data={**PROPOSAL, **data})


def step(capa, name, by, owner_user=None, **data):
    body = data or step_data(name, owner_user or by)
    return services.capa_transition(capa_id=capa.pk, name=name, by=by, data=body)


def capa_in_state(state, *, raised_by, decided_by, carried_out_by=None):
    """A proposal walked to `state`: decided by `decided_by` (management), carried out by
    `carried_out_by` (a process manager, also the owner)."""
    capa = raise_capa(raised_by)
    for name in PATH_TO[state]:
        by = decided_by if name in DECIDES else carried_out_by
        capa = step(capa, name, by, owner_user=carried_out_by or decided_by)
    return capa


def reasons(capa):
    return list(
        capa.history.order_by("history_id").values_list("history_change_reason", "state", "history_user")
    )


# ---- proposing ------------------------------------------------------------------------------


@pytest.mark.req("R8")
@pytest.mark.req("R22")
@pytest.mark.parametrize("role", roles.ROLES)
def test_it_lets_every_role_raise_a_proposal(users, role):
    capa = raise_capa(users[role])
    assert capa.state == CapaProposal.State.PROPOSED
    assert capa.raised_by == users[role]
    assert reasons(capa) == [("capa_create", "proposed", users[role].pk)]


@pytest.mark.req("R8")
def test_the_phone_system_and_a_user_without_role_may_not_propose(db):
    from tests.factories import UserFactory

    for user in (user_with_role(roles.TELEPHONY), UserFactory()):
        with pytest.raises(PermissionDenied):
            raise_capa(user)
    assert not CapaProposal.objects.exists()


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


# ---- the proposal e-mails the process managers (DESIGN §10.3) -------------------------------


@pytest.mark.req("R22")
def test_a_proposal_emails_every_active_process_manager_once_committed(
    support_user, mailoutbox, django_capture_on_commit_callbacks
):
    first = user_with_role(roles.PROCESS_MANAGER, email="pm1@example.test")
    second = user_with_role(roles.PROCESS_MANAGER, email="pm2@example.test")
    user_with_role(roles.PROCESS_MANAGER, email="alt@example.test", is_active=False)
    user_with_role(roles.MANAGEMENT, email="chef@example.test")
    ticket = create_ticket(support_user)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        capa = raise_capa(support_user, tickets=ticket.number)
    assert mailoutbox == []  # nothing leaves before the proposal is committed
    queued = OutgoingEmail.objects.get()  # written in the proposal's transaction (R17)
    assert queued.kind == OutgoingEmail.Kind.CAPA and queued.state == OutgoingEmail.State.QUEUED
    assert sorted(queued.to.splitlines()) == sorted([first.email, second.email])
    for callback in callbacks:
        callback()

    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert sorted(mail.to) == sorted([first.email, second.email])
    assert f"CAPA-{capa.pk}" in mail.subject and PROPOSAL["title"] in mail.subject
    assert PROPOSAL["what"] in mail.body and ticket.number in mail.body
    assert f"/capa/{capa.pk}/" in mail.body


@pytest.mark.req("R22")
def test_a_refused_proposal_sends_no_mail(support_user, mailoutbox, django_capture_on_commit_callbacks):
    user_with_role(roles.PROCESS_MANAGER, email="pm1@example.test")
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(InvalidData):
        raise_capa(support_user, title="")
    assert mailoutbox == [] and not OutgoingEmail.objects.exists()


# ---- deciding, signed; implementing and checking ------------------------------------------


@pytest.mark.req("R22")
def test_management_decides_and_the_process_manager_carries_out_each_with_a_history_row(
    support_user, management_user, process_manager_user
):
    capa = capa_in_state(
        CapaProposal.State.EFFECTIVENESS_CHECKED,
        raised_by=support_user,
        decided_by=management_user,
        carried_out_by=process_manager_user,
    )
    assert reasons(capa) == [
        ("capa_create", "proposed", support_user.pk),
        ("accept", "accepted", management_user.pk),
        ("implement", "implemented", process_manager_user.pk),
        ("check_effectiveness", "effectiveness_checked", process_manager_user.pk),
    ]
    assert verify_all()[1] is None


@pytest.mark.req("R22")
def test_the_decision_records_signer_time_meaning_comment_owner_and_due_date(
    support_user, management_user, process_manager_user
):
    management_user.first_name, management_user.last_name = "Gerda", "Geschäftsführer"
    management_user.save()
    capa = raise_capa(support_user)
    before = timezone.now()

    step(capa, "accept", management_user, owner_user=process_manager_user)

    capa.refresh_from_db()
    assert capa.state == CapaProposal.State.ACCEPTED
    assert capa.decided_by == management_user
    assert capa.decision_signer_name == "Gerda Geschäftsführer"
    assert capa.decision_meaning == "decision"
    assert before <= capa.decided_at <= timezone.now()
    assert capa.decision_comment == "Beschluss der Qualitätsbesprechung vom 12.03."
    assert capa.owner == process_manager_user
    assert capa.due_date == timezone.localdate() + datetime.timedelta(days=30)
    row = capa.history.order_by("history_id").last()
    assert (row.decision_signer_name, row.decision_meaning, row.owner_id) == (
        "Gerda Geschäftsführer",
        "decision",
        process_manager_user.pk,
    )


@pytest.mark.req("R22")
def test_a_rejection_is_signed_too(support_user, management_user):
    capa = capa_in_state(CapaProposal.State.REJECTED, raised_by=support_user, decided_by=management_user)
    capa.refresh_from_db()
    assert capa.decided_by == management_user and capa.decision_meaning == "decision"
    assert capa.decision_signer_name and capa.decided_at
    row = capa.history.order_by("history_id").last()
    assert (row.history_change_reason, row.rejection_reason) == ("reject", step_data("reject")["reason"])


@pytest.mark.req("R22")
def test_implementation_and_effectiveness_record_what_and_who(
    support_user, management_user, process_manager_user
):
    capa = capa_in_state(
        CapaProposal.State.EFFECTIVENESS_CHECKED,
        raised_by=support_user,
        decided_by=management_user,
        carried_out_by=process_manager_user,
    )
    capa.refresh_from_db()
    assert capa.implemented_by == process_manager_user and capa.implemented_at
    assert capa.implementation == step_data("implement")["implementation"]
    assert capa.checked_by == process_manager_user and capa.checked_at and capa.effective is True
    assert capa.effectiveness_result == step_data("check_effectiveness")["result"]


@pytest.mark.req("R22")
@pytest.mark.parametrize("name", ["accept", "reject"])
@pytest.mark.parametrize("password", ["falsch", PASSWORD.lower(), f" {PASSWORD}"])
def test_a_wrong_password_signs_nothing(support_user, management_user, process_manager_user, name, password):
    capa = raise_capa(support_user)
    data = {**step_data(name, process_manager_user), "password": password}

    with pytest.raises(InvalidData) as refused:
        step(capa, name, management_user, **data)

    assert list(refused.value.form.errors) == ["password"]
    assert "Passwort ist falsch" in refused.value.form.errors["password"][0]
    capa.refresh_from_db()
    assert capa.state == CapaProposal.State.PROPOSED
    assert (capa.decided_by, capa.decided_at, capa.decision_signer_name, capa.owner) == (None, None, "", None)
    assert capa.history.count() == 1


@pytest.mark.req("R22")
@pytest.mark.parametrize("name", ["accept", "reject"])
def test_a_decision_without_password_is_refused(support_user, management_user, process_manager_user, name):
    capa = raise_capa(support_user)
    data = step_data(name, process_manager_user)
    del data["password"]
    with pytest.raises(InvalidData) as refused:
        step(capa, name, management_user, **data)
    assert list(refused.value.form.errors) == ["password"]
    capa.refresh_from_db()
    assert capa.state == CapaProposal.State.PROPOSED


@pytest.mark.req("R4")
@pytest.mark.req("R22")
def test_acceptance_needs_an_owner_and_a_due_date_not_in_the_past(support_user, management_user):
    capa = raise_capa(support_user)
    yesterday = (timezone.localdate() - datetime.timedelta(days=1)).isoformat()
    with pytest.raises(InvalidData) as refused:
        step(capa, "accept", management_user, owner="", due_date="", password=PASSWORD)
    assert set(refused.value.form.errors) == {"owner", "due_date"}
    with pytest.raises(InvalidData) as refused:
        step(capa, "accept", management_user, owner=management_user.pk, due_date=yesterday, password=PASSWORD)
    assert list(refused.value.form.errors) == ["due_date"]
    phone = user_with_role(roles.TELEPHONY)
    with pytest.raises(InvalidData) as refused:
        step(capa, "accept", management_user, owner=phone.pk, due_date=yesterday, password=PASSWORD)
    assert "owner" in refused.value.form.errors  # the phone system's account owns nothing
    capa.refresh_from_db()
    assert capa.state == CapaProposal.State.PROPOSED and capa.history.count() == 1


@pytest.mark.req("R4")
@pytest.mark.parametrize("reason", ["", "   ", "zu kurz", "a b c d e f g h i"])
def test_a_rejection_needs_a_reason_of_ten_characters(management_user, support_user, reason):
    capa = raise_capa(support_user)
    with pytest.raises(InvalidData) as refused:
        step(capa, "reject", management_user, reason=reason, password=PASSWORD)
    assert list(refused.value.form.errors) == ["reason"]
    capa.refresh_from_db()
    assert capa.state == CapaProposal.State.PROPOSED and capa.history.count() == 1


@pytest.mark.req("R4")
def test_the_effectiveness_check_needs_a_yes_or_no_and_a_result(
    management_user, support_user, process_manager_user
):
    capa = capa_in_state(
        CapaProposal.State.IMPLEMENTED,
        raised_by=support_user,
        decided_by=management_user,
        carried_out_by=process_manager_user,
    )
    with pytest.raises(InvalidData) as refused:
        step(capa, "check_effectiveness", process_manager_user, result="")
    assert set(refused.value.form.errors) == {"effective", "result"}


# ---- who may run which step (DESIGN §5) ------------------------------------------------------

MAY = {
    "accept": {roles.MANAGEMENT},
    "reject": {roles.MANAGEMENT},
    "implement": {roles.PROCESS_MANAGER},
    "check_effectiveness": {roles.PROCESS_MANAGER},
}
SOURCE = {
    "accept": CapaProposal.State.PROPOSED,
    "reject": CapaProposal.State.PROPOSED,
    "implement": CapaProposal.State.ACCEPTED,
    "check_effectiveness": CapaProposal.State.IMPLEMENTED,
}


@pytest.mark.req("R8")
@pytest.mark.req("R22")
@pytest.mark.parametrize("role", [*roles.ROLES, roles.TELEPHONY])
@pytest.mark.parametrize("name", list(MAY))
def test_each_step_is_run_only_by_its_role(users, management_user, process_manager_user, role, name):
    user = users.get(role) or user_with_role(role)
    capa = capa_in_state(
        SOURCE[name],
        raised_by=users[roles.SUPPORT],
        decided_by=management_user,
        carried_out_by=process_manager_user,
    )
    rows = capa.history.count()
    if role in MAY[name]:
        step(capa, name, user, owner_user=process_manager_user)
        capa.refresh_from_db()
        assert capa.history.count() == rows + 1
        return
    with pytest.raises(PermissionDenied):
        step(capa, name, user, owner_user=process_manager_user)
    capa.refresh_from_db()
    assert capa.state == SOURCE[name] and capa.history.count() == rows


@pytest.mark.req("R8")
def test_the_rights_of_two_roles_add_up(management_user, support_user):
    agent = user_with_role(roles.SUPPORT)
    agent.groups.add(*type(support_user.groups.first()).objects.filter(name=roles.PROCESS_MANAGER))
    agent = type(agent).objects.get(pk=agent.pk)
    assert roles.can_work(agent) and roles.can_carry_out_capa(agent) and not roles.can_decide_capa(agent)
    capa = capa_in_state(CapaProposal.State.ACCEPTED, raised_by=support_user, decided_by=management_user)
    step(capa, "implement", agent)
    capa.refresh_from_db()
    assert capa.state == CapaProposal.State.IMPLEMENTED and capa.implemented_by == agent
    with pytest.raises(PermissionDenied):  # deciding stays management's
        step(raise_capa(agent), "accept", agent)


# ---- order of the steps, conflicts, nothing deleted ------------------------------------------


@pytest.mark.req("R1")
@pytest.mark.req("R22")
@pytest.mark.parametrize(
    ("state", "name"),
    [
        (CapaProposal.State.PROPOSED, "implement"),
        (CapaProposal.State.PROPOSED, "check_effectiveness"),
        (CapaProposal.State.ACCEPTED, "accept"),
        (CapaProposal.State.ACCEPTED, "reject"),
        (CapaProposal.State.ACCEPTED, "check_effectiveness"),
        (CapaProposal.State.REJECTED, "accept"),
        (CapaProposal.State.REJECTED, "implement"),
        (CapaProposal.State.IMPLEMENTED, "reject"),
        (CapaProposal.State.IMPLEMENTED, "implement"),
        (CapaProposal.State.EFFECTIVENESS_CHECKED, "implement"),
        (CapaProposal.State.EFFECTIVENESS_CHECKED, "check_effectiveness"),
    ],
)
def test_a_step_out_of_order_is_refused_and_nothing_changes(
    management_user, support_user, process_manager_user, state, name
):
    capa = capa_in_state(
        state, raised_by=support_user, decided_by=management_user, carried_out_by=process_manager_user
    )
    rows = capa.history.count()
    by = management_user if name in DECIDES else process_manager_user
    with pytest.raises(Conflict):
        step(capa, name, by, owner_user=process_manager_user)
    capa.refresh_from_db()
    assert capa.state == state and capa.history.count() == rows


@pytest.mark.req("R6")
def test_a_step_based_on_a_state_seen_earlier_is_refused(management_user, support_user):
    capa = raise_capa(support_user)
    step(capa, "accept", management_user)
    second = user_with_role(roles.MANAGEMENT)
    with pytest.raises(Conflict):
        services.capa_transition(
            capa_id=capa.pk,
            name="reject",
            by=second,
            data=step_data("reject"),
            expected_state=CapaProposal.State.PROPOSED,
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


# ---- overdue ---------------------------------------------------------------------------------


@pytest.mark.req("R22")
def test_an_accepted_capa_past_its_due_date_is_overdue_until_implemented(
    monkeypatch, support_user, management_user, process_manager_user
):
    from capa import selectors

    capa = raise_capa(support_user)
    step(
        capa,
        "accept",
        management_user,
        owner=process_manager_user.pk,
        due_date=timezone.localdate().isoformat(),
        password=PASSWORD,
    )
    raise_capa(support_user)  # proposed: never overdue
    capa.refresh_from_db()
    assert not capa.overdue and list(selectors.overdue_capas()) == []

    later = timezone.localdate() + datetime.timedelta(days=1)
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: later)
    assert capa.overdue and list(selectors.overdue_capas()) == [capa]

    step(capa, "implement", process_manager_user)
    capa.refresh_from_db()
    assert not capa.overdue and list(selectors.overdue_capas()) == []
