"""Suggestions during the call (issue 5): beside the intake form and on a ticket in triage, the known
solutions and similar solved tickets matching what the caller said; adopting one solves the call."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts import roles
from solutions import selectors
from solutions import services as solution_services
from solutions.models import KnownSolution
from tests.conftest import web_client
from tests.factories import CustomerFactory, create_ticket, run, ticket_in_state
from tests.views.test_intake import call, counts
from tickets import intake
from tickets import selectors as ticket_selectors
from tickets.models import Channel, NotificationKind, RiskReview, State, Ticket

SUGGESTIONS = reverse("solution-suggestions")
NEW = reverse("ticket-new")
HTMX = {"HTTP_HX_REQUEST": "true"}
PRINTER_STEPS = (
    "1. Druckerprofil „Kassenrezept“ öffnen.\n2. Schacht auf „Einzelblatt“ stellen.\n3. Neu drucken."
)


def known(by, status=KnownSolution.State.ACTIVE, **fields):
    data = {
        "title": "Kassenrezept wird nicht gedruckt",
        "symptoms": "Beim Drucken eines Rezepts passiert nichts, der Druckauftrag verschwindet.",
        "solution": PRINTER_STEPS,
        "kind": KnownSolution.Kind.CONFIGURATION,
        "category": "technical",
        **fields,
    }
    return solution_services.solution_create(by=by, data=data, state=status)


def retire(solution, by):
    return solution_services.solution_transition(
        solution_id=solution.pk, name="retire", by=by, data={"reason": "Durch eine neuere Lösung ersetzt."}
    )


def solved_ticket(by, summary, solution_text, **fix):
    ticket = create_ticket(by, summary=summary, description=f"{summary}, seit heute morgen.")
    run(ticket, "triage", by)
    fix_data = {"resolution_kind": "configuration_error", "solution": solution_text, **fix}
    return run(ticket, "fix_immediately", by, **fix_data)


def fragment(client, summary="", description="", **params):
    response = client.get(SUGGESTIONS, {"summary": summary, "description": description, **params}, **HTMX)
    assert response.status_code == 200
    return response


def use(data, **choice):
    """The intake form submitted by a use-button beside it (instead of "Speichern"), the risk
    question answered "no" unless the test answers it otherwise."""
    data = {key: value for key, value in data.items() if key != "save"}
    return {"triage-risk_relevant": "false", "triage-is_complaint": "false", **data, **choice}


@pytest.fixture
def printing(support_user):
    return known(support_user)


# --- the fragment ------------------------------------------------------------------------------


@pytest.mark.req("R8")
@pytest.mark.parametrize(
    ("role", "status"), [(roles.SUPPORT, 200), (roles.MANAGEMENT, 200), (roles.ADMIN, 200), (roles.QMB, 403)]
)
def test_only_working_roles_get_suggestions(users, role, status):
    response = web_client(users[role]).get(SUGGESTIONS, {"summary": "Rezept druckt nicht"}, **HTMX)
    assert response.status_code == status


@pytest.mark.req("R8")
def test_anonymous_users_are_sent_to_the_login(client):
    response = client.get(SUGGESTIONS, {"summary": "Rezept"})
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


def test_it_refuses_writes(web):
    assert web.post(SUGGESTIONS, {"summary": "Rezept"}, **HTMX).status_code == 405


def test_it_suggests_the_matching_known_solution_with_its_steps(web, support_user, printing):
    other = known(
        support_user,
        title="Etikettendrucker druckt leere Seiten",
        symptoms="Nur leere Etiketten.",
        solution="Etikettenformat auf 62 mm stellen.",
    )
    known(support_user, title="Lizenz abgelaufen", symptoms="Meldung beim Start", solution="Lizenz erneuern.")
    response = fragment(web, "Rezept druckt nicht", "Frau Schneider kann kein Kassenrezept drucken.")
    assert [t.name for t in response.templates] == ["solutions/_suggestions.html"]
    html = response.content.decode()
    assert "<html" not in html
    assert "Kassenrezept wird nicht gedruckt" in html
    assert "Lizenz abgelaufen" not in html
    shown = [s.pk for s in response.context["suggestions"]["solutions"]]
    assert shown[0] == printing.pk
    assert other.pk in shown  # "druckt" matches
    item = html[html.index(f'id="suggested-solution-{printing.pk}"') :]
    item = item[: item.index("</li>")]
    assert "Konfiguration" in item  # the kind
    assert "noch nicht verwendet" in item
    assert "<details>" in item and "Lösungsschritte" in item
    assert "2. Schacht auf „Einzelblatt“ stellen." in item  # the steps, one click away
    button = re.search(r"<button[^>]*>", item).group(0)
    assert 'form="ticket-form"' in button
    assert 'name="use_solution"' in button
    assert f'value="{printing.pk}"' in button
    assert "Diese Lösung übernehmen" in item


def test_it_shows_the_usage_count_and_the_release_that_fixed_it(web, support_user):
    solution = known(support_user, kind=KnownSolution.Kind.FIXED_IN_RELEASE, fixed_in_version="12.4")
    for _ in range(2):
        solved_ticket(support_user, "Rezept", "Siehe bekannte Lösung.", known_solution=solution.pk)
    html = fragment(web, "Kassenrezept druckt nicht").content.decode()
    assert "in einer Version behoben · behoben in Version 12.4" in html
    assert "2 Anrufe damit gelöst" in html


def test_retired_and_draft_solutions_are_never_suggested(web, support_user, printing):
    draft = known(support_user, title="Rezeptdruck Entwurf", status=KnownSolution.State.DRAFT)
    retired = retire(known(support_user, title="Rezeptdruck alt"), support_user)
    response = fragment(web, "Rezept druckt nicht", "Rezeptdruck Kassenrezept")
    shown = [s.pk for s in response.context["suggestions"]["solutions"]]
    assert shown == [printing.pk]
    html = response.content.decode()
    assert draft.title not in html
    assert retired.title not in html


def test_it_says_when_nothing_matches(web, printing):
    html = fragment(web, "Lizenzserver", "Anmeldung unmöglich").content.decode()
    assert "Keine passende bekannte Lösung gefunden." in html
    assert "Kein ähnlicher gelöster Vorgang gefunden." in html


def test_empty_text_shows_a_hint_and_searches_nothing(web, printing):
    with CaptureQueriesContext(connection) as queries:
        html = fragment(web, "  ", "- !").content.decode()
    assert "erscheinen hier passende bekannte Lösungen" in html
    assert "Kassenrezept" not in html
    searched = [
        q["sql"] for q in queries if "solutions_knownsolution" in q["sql"] or "tickets_ticket" in q["sql"]
    ]
    assert searched == []


def test_it_lists_similar_solved_tickets_with_their_solution(web, support_user):
    solved = solved_ticket(support_user, "Rezeptdruck bricht ab", "Druckertreiber neu zugewiesen.")
    open_one = ticket_in_state(State.TRIAGE, support_user, summary="Rezeptdruck bricht ab, offen")
    html = fragment(web, "Rezept druckt nicht").content.decode()
    assert solved.number in html
    assert "Rezeptdruck bricht ab" in html
    assert "Druckertreiber neu zugewiesen." in html
    assert open_one.number not in html  # not solved
    item = html[html.index(f'id="similar-ticket-{solved.pk}"') :]
    button = re.search(r"<button[^>]*>", item).group(0)
    assert 'name="use_ticket_solution"' in button
    assert f'value="{solved.pk}"' in button
    assert 'form="ticket-form"' in button


def test_for_a_ticket_in_triage_it_links_to_the_prefilled_step_and_leaves_the_ticket_out(
    web, support_user, printing
):
    solved = solved_ticket(support_user, "Rezeptdruck bricht ab", "Druckertreiber neu zugewiesen.")
    ticket = ticket_in_state(State.TRIAGE, support_user)
    html = fragment(web, "Rezept druckt nicht", ticket=ticket.pk).content.decode()
    page = reverse("ticket-detail", args=[ticket.pk])
    assert f'href="{page}?solution={printing.pk}#step-fix_immediately"' in html
    assert f'href="{page}?from_ticket={solved.pk}#step-fix_immediately"' in html
    assert "<button" not in html  # nothing is submitted from here
    html = fragment(web, "Rezept druckt nicht", ticket=solved.pk).content.decode()
    assert solved.number not in html


def test_the_fragment_runs_a_fixed_number_of_queries(web, support_user, django_assert_max_num_queries):
    def suggest():
        with CaptureQueriesContext(connection) as queries:
            response = fragment(web, "Rezept druckt nicht", "Kassenrezept")
        return response, len(queries)

    for i in range(2):
        solution = known(support_user, title=f"Rezeptdruck Variante {i}")
        solved_ticket(support_user, f"Rezept druckt nicht {i}", "Treiber neu.", known_solution=solution.pk)
    response, few = suggest()
    assert len(response.context["suggestions"]["solutions"]) == 2
    assert len(response.context["suggestions"]["similar"]) == 2
    for i in range(18):
        known(support_user, title=f"Rezeptdruck Fall {i}", fixed_in_version="12.4")
        solved_ticket(support_user, f"Rezept druckt nicht Fall {i}", "Treiber neu.")
    with django_assert_max_num_queries(few):
        response = fragment(web, "Rezept druckt nicht", "Kassenrezept")
    assert len(response.context["suggestions"]["solutions"]) == selectors.SUGGESTED_SOLUTIONS
    assert len(response.context["suggestions"]["similar"]) == ticket_selectors.SIMILAR_TICKETS
    assert few <= 7  # session, user, groups; solutions, usage counts, tickets


# --- the intake page ---------------------------------------------------------------------------


def test_the_intake_page_asks_for_suggestions_as_summary_and_description_are_typed(web):
    html = web.get(NEW).content.decode()
    for field in ("id_summary", "id_description"):
        tag = re.search(rf'<(input|textarea)[^>]*id="{field}"[^>]*>', html).group(0)
        assert f'hx-get="{SUGGESTIONS}"' in tag
        assert 'hx-trigger="input changed delay:300ms"' in tag
        assert 'hx-include="#id_summary, #id_description, #id_customer"' in tag
        assert 'hx-target="#suggestions"' in tag
        assert 'hx-sync="closest form:replace"' in tag
        assert "autofocus" not in tag
    panel = html[html.index('id="suggestions-heading"') :]
    assert "Bekannte Lösungen" in panel
    assert '<div id="suggestions" aria-live="polite">' in panel
    assert "erscheinen hier passende bekannte Lösungen" in panel
    # After the ticket form: tabbing from the description to "Speichern" never passes a suggestion.
    assert html.index('id="ticket-form"') < html.index('id="suggestions"')


def test_adopting_a_known_solution_saves_the_call_solved_at_once(web, support_user, printing):
    customer = CustomerFactory()
    response = web.post(NEW, use(call(customer), use_solution=printing.pk))
    ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("ticket-detail", args=[ticket.pk])
    assert ticket.state == State.IMMEDIATE_FIX
    assert ticket.known_solution == printing
    assert (ticket.resolution_kind, ticket.solution) == ("known_workaround", PRINTER_STEPS)
    assert (ticket.category, ticket.risk_relevant) == ("technical", False)  # the solution's category
    assert [h.history_change_reason for h in ticket.history.order_by("history_id")] == [
        "intake",
        "triage",
        "fix_immediately",
    ]
    # The intake's call note, and the advice given on the phone with its notification (as in the API).
    assert [note.text for note in ticket.call_notes.order_by("pk")] == [ticket.description, PRINTER_STEPS]
    notification = ticket.notifications.get()
    assert (notification.kind, notification.channel) == (NotificationKind.SOLUTION, Channel.PHONE)
    assert notification.note == PRINTER_STEPS
    assert selectors.usage_counts([printing.pk]) == {printing.pk: 1}
    page = web.get(response.url).content.decode()
    assert "Sofortlösung" in page
    assert "wurde angelegt und mit der übernommenen Lösung gelöst: Sofortlösung." in page


def test_adopting_a_solution_takes_the_triage_answers_when_given(web, support_user, printing):
    data = use(
        call(CustomerFactory()),
        use_solution=printing.pk,
        **{
            "triage-category": "software",
            "triage-risk_relevant": "true",
            "triage-is_complaint": "false",
            "triage-risk_description": "Ein Rezept könnte doppelt abgerechnet werden.",
        },
    )
    assert web.post(NEW, data).status_code == 302
    ticket = Ticket.objects.get()
    assert (ticket.state, ticket.category, ticket.risk_relevant) == (State.IMMEDIATE_FIX, "software", True)
    assert ticket.risk_reviews.get().state == RiskReview.State.PENDING  # management is still asked


def test_adopting_the_solution_of_a_similar_ticket(web, support_user, printing):
    with_known = solved_ticket(support_user, "Rezept", "Profil zurückgesetzt.", known_solution=printing.pk)
    own = solved_ticket(support_user, "Etikett leer", "Etikettenformat auf 62 mm gestellt.")
    web.post(NEW, use(call(CustomerFactory()), use_ticket_solution=with_known.pk))
    web.post(NEW, use(call(CustomerFactory(), summary="Etiketten leer"), use_ticket_solution=own.pk))
    first, second = Ticket.objects.exclude(pk__in=[with_known.pk, own.pk]).order_by("pk")
    assert (first.state, first.solution, first.known_solution) == (
        State.IMMEDIATE_FIX,
        "Profil zurückgesetzt.",
        printing,
    )
    assert (second.state, second.solution, second.known_solution) == (
        State.IMMEDIATE_FIX,
        "Etikettenformat auf 62 mm gestellt.",
        None,
    )
    assert second.resolution_kind == "known_workaround"
    assert second.category == own.category
    assert second.notifications.get().kind == NotificationKind.SOLUTION


@pytest.mark.req("R3")
def test_adopting_a_solution_asks_the_risk_question_first(web, support_user, printing):
    data = {**use(call(CustomerFactory()), use_solution=printing.pk), "triage-risk_relevant": ""}
    before = counts()
    response = web.post(NEW, data)
    assert response.status_code == 400
    assert counts() == before  # no record says "not risk-relevant" without the agent's answer
    assert response.context["triage"].errors["risk_relevant"] == [str(intake.ASK_RISK_FIRST)]
    html = response.content.decode()
    assert 'class="transition" open' in html  # the triage section, open at the question


@pytest.mark.req("R14")
def test_an_invalid_call_with_a_chosen_solution_saves_nothing_and_keeps_everything(web, printing):
    before = counts()
    data = use(
        call(summary="", description="Das Kassenrezept druckt nicht, Druckauftrag verschwindet."),
        use_solution=printing.pk,
        **{"new_customer-name": "Reha-Technik Nord"},  # no customer number: refused
    )
    response = web.post(NEW, data)
    assert response.status_code == 400
    assert counts() == before
    assert response.context["problem"].errors["summary"] == ["Dieses Feld ist zwingend erforderlich."]
    html = response.content.decode()
    assert "Der Vorgang wurde nicht gespeichert" in html
    assert 'value="Reha-Technik Nord"' in html
    assert "Das Kassenrezept druckt nicht, Druckauftrag verschwindet." in html
    # The panel, rendered for the submitted text without JavaScript, still offers the solution.
    panel = html[html.index('id="suggestions"') :]
    assert "Kassenrezept wird nicht gedruckt" in panel
    assert f'name="use_solution" value="{printing.pk}"' in panel


@pytest.mark.req("R14")
def test_a_solution_retired_meanwhile_is_refused_with_a_message(web, support_user, printing):
    retire(printing, support_user)
    customer = CustomerFactory()
    before = counts()
    response = web.post(NEW, use(call(customer), use_solution=printing.pk))
    assert response.status_code == 400
    assert counts() == before
    html = response.content.decode()
    assert "Diese bekannte Lösung gibt es nicht oder sie ist nicht aktiv." in html
    assert 'value="Rezeptdruck bricht ab"' in html


@pytest.mark.req("R14")
def test_an_unsolved_ticket_cannot_lend_its_solution(web, support_user):
    open_one = ticket_in_state(State.TRIAGE, support_user)
    response = web.post(NEW, use(call(CustomerFactory()), use_ticket_solution=open_one.pk))
    assert response.status_code == 400
    assert "Diesen gelösten Vorgang gibt es nicht oder er hat keine Lösung." in response.content.decode()
    assert Ticket.objects.count() == 1


@pytest.mark.req("R8")
def test_a_qmb_cannot_adopt_a_solution(qmb_user, printing):
    response = web_client(qmb_user).post(NEW, use(call(CustomerFactory()), use_solution=printing.pk))
    assert response.status_code == 403
    assert Ticket.objects.count() == 0


# --- a ticket in triage ------------------------------------------------------------------------


def test_a_ticket_in_triage_shows_the_suggestions_for_its_text(web, support_user, printing):
    ticket = ticket_in_state(State.TRIAGE, support_user)  # "Rezeptdruck bricht ab ... Kassenrezepts"
    html = web.get(reverse("ticket-detail", args=[ticket.pk])).content.decode()
    panel = html[html.index('id="suggestions-heading"') :]
    assert "Kassenrezept wird nicht gedruckt" in panel
    assert f"?solution={printing.pk}#step-fix_immediately" in panel


def test_the_ticket_page_in_triage_runs_a_fixed_number_of_queries(
    web, support_user, django_assert_max_num_queries
):
    ticket = ticket_in_state(State.TRIAGE, support_user, summary="Rezept druckt nicht")
    url = reverse("ticket-detail", args=[ticket.pk])
    for i in range(2):
        solved_ticket(
            support_user,
            f"Rezept druckt nicht {i}",
            "Treiber neu.",
            known_solution=known(support_user, title=f"Rezeptdruck Variante {i}").pk,
        )
    with CaptureQueriesContext(connection) as few:
        assert len(web.get(url).context["suggestions"]["solutions"]) == 2
    for i in range(18):
        known(support_user, title=f"Rezeptdruck Fall {i}")
        solved_ticket(support_user, f"Rezept druckt nicht Fall {i}", "Treiber neu.")
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = web.get(url)
    assert len(response.context["suggestions"]["solutions"]) == selectors.SUGGESTED_SOLUTIONS
    assert len(response.context["suggestions"]["similar"]) == ticket_selectors.SIMILAR_TICKETS


@pytest.mark.parametrize("state", [State.INTAKE, State.ESCALATED, State.CLOSED])
def test_other_states_show_no_suggestions(web, support_user, printing, state):
    ticket = ticket_in_state(state, support_user)
    assert (
        'id="suggestions-heading"' not in web.get(reverse("ticket-detail", args=[ticket.pk])).content.decode()
    )


def test_readers_see_no_suggestions(qmb_user, support_user, printing):
    ticket = ticket_in_state(State.TRIAGE, support_user)
    html = web_client(qmb_user).get(reverse("ticket-detail", args=[ticket.pk])).content.decode()
    assert 'id="suggestions-heading"' not in html


def fix_panel(html):
    panel = html[html.index('id="step-fix_immediately"') :]
    return panel[: panel.index("</details>")]


def test_using_a_suggestion_in_triage_prefills_the_immediate_fix_to_be_adapted(web, support_user, printing):
    ticket = ticket_in_state(State.TRIAGE, support_user)
    url = reverse("ticket-detail", args=[ticket.pk])
    assert '<details class="transition" id="step-fix_immediately">' in web.get(url).content.decode()
    panel = fix_panel(web.get(url, {"solution": printing.pk}).content.decode())
    assert panel.startswith('id="step-fix_immediately" open')
    assert '<option value="known_workaround" selected>' in panel
    assert "2. Schacht auf „Einzelblatt“ stellen." in panel
    assert f'name="known_solution" value="{printing.pk}"' in panel
    # The agent adapts the text and runs the ordinary step.
    data = {
        "expected_state": "triage",
        "resolution_kind": "known_workaround",
        "solution": PRINTER_STEPS + "\n4. Mit Frau Beispiel am Telefon geprüft.",
        "known_solution": printing.pk,
    }
    response = web.post(reverse("ticket-transition", args=[ticket.pk, "fix_immediately"]), data)
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert (ticket.state, ticket.known_solution) == (State.IMMEDIATE_FIX, printing)
    assert ticket.solution.endswith("4. Mit Frau Beispiel am Telefon geprüft.")
    assert ticket.notifications.get().kind == NotificationKind.SOLUTION


def test_the_solution_of_a_similar_ticket_prefills_the_immediate_fix(web, support_user, printing):
    solved = solved_ticket(support_user, "Rezept", "Profil zurückgesetzt.", known_solution=printing.pk)
    ticket = ticket_in_state(State.TRIAGE, support_user)
    panel = fix_panel(
        web.get(reverse("ticket-detail", args=[ticket.pk]), {"from_ticket": solved.pk}).content.decode()
    )
    assert "Profil zurückgesetzt." in panel
    assert f'name="known_solution" value="{printing.pk}"' in panel


@pytest.mark.parametrize("param", ["solution", "from_ticket"])
def test_an_unusable_prefill_is_ignored(web, support_user, printing, param):
    retire(printing, support_user)
    unsolved = ticket_in_state(State.TRIAGE, support_user)
    value = printing.pk if param == "solution" else unsolved.pk
    html = web.get(reverse("ticket-detail", args=[unsolved.pk]), {param: value}).content.decode()
    assert '<details class="transition" id="step-fix_immediately">' in html  # closed, empty
    assert "Einzelblatt" not in fix_panel(html)
