"""The known-solution pages: search and filters, the form with its version check, the steps (retire,
never delete) with the history, a draft from a solved ticket, the roles, and fixed query counts."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts import roles
from solutions import services
from solutions.models import KnownSolution
from tests.conftest import web_client
from tests.factories import create_ticket, run, ticket_in_state
from tickets.models import State, Ticket

pytestmark = pytest.mark.django_db

LIST = reverse("solution-list")
NEW = reverse("solution-new")
WORKERS = [roles.SUPPORT, roles.MANAGEMENT, roles.ADMIN]

PRINTING = {
    "title": "Rezeptdruck bricht mit Fehler 4711 ab",
    "symptoms": "Der Drucker meldet Fehler 4711, das Kassenrezept wird nicht gedruckt.",
    "cause": "Druckertreiber nach dem Update nicht mehr zugewiesen.",
    "solution": "1. Arbeitsplatz-Setup öffnen\n2. Rezeptdrucker neu zuweisen\n3. Probedruck",
    "kind": "workaround",
    "category": "software",
    "affected_versions": "12.2–12.3",
}
BILLING = {
    "title": "Kassenabrechnung: Datei wird abgelehnt",
    "symptoms": "Die Annahmestelle lehnt die Abrechnungsdatei ab.",
    "cause": "",
    "solution": "IK-Nummer der Kasse in den Stammdaten korrigieren und Datei neu erstellen.",
    "kind": "configuration",
    "category": "technical",
    "affected_versions": "",
}


def detail(solution):
    return reverse("solution-detail", args=[solution.pk])


def edit(solution):
    return reverse("solution-edit", args=[solution.pk])


def step(solution, name):
    return reverse("solution-transition", args=[solution.pk, name])


def from_ticket(ticket):
    return reverse("ticket-known-solution", args=[ticket.pk])


def make(by, status=KnownSolution.State.ACTIVE, **overrides):
    return services.solution_create(by=by, data={**PRINTING, **overrides}, state=status)


def fresh(solution):
    return KnownSolution.objects.get(pk=solution.pk)


def solve_calls(solution, by, count):
    """`count` calls fixed at once with the known solution, as the suggestion's one click does."""
    for _ in range(count):
        ticket = ticket_in_state(State.TRIAGE, by)
        data = {
            "resolution_kind": "known_workaround",
            "solution": solution.solution,
            "known_solution": solution.pk,
        }
        run(ticket, "fix_immediately", by, **data)


def listed(response):
    return [solution.pk for solution in response.context["page"].object_list]


# ---- roles --------------------------------------------------------------------------------------


@pytest.mark.req("R8")
@pytest.mark.parametrize("role", roles.ROLES)
def test_every_role_reads_the_list_and_a_solution(users, role):
    solution = make(users[roles.SUPPORT])
    client = web_client(users[role])
    assert 'href="/solutions/"' in client.get("/").content.decode()  # the nav link, for every role
    response = client.get(LIST)
    assert response.status_code == 200 and solution.title in response.content.decode()
    response = client.get(detail(solution))
    assert response.status_code == 200
    assert PRINTING["cause"] in response.content.decode()


@pytest.mark.req("R8")
@pytest.mark.parametrize("role", WORKERS)
def test_support_management_and_admin_may_write(users, role):
    solution = make(users[roles.SUPPORT])
    client = web_client(users[role])
    assert f'href="{NEW}"' in client.get(LIST).content.decode()
    page = client.get(detail(solution))
    assert f'href="{edit(solution)}"' in page.content.decode()
    assert [panel["name"] for panel in page.context["panels"]] == ["retire"]
    assert client.get(NEW).status_code == 200
    assert client.get(edit(solution)).status_code == 200
    response = client.post(edit(solution), {**PRINTING, "title": "Neu", "version": solution.version})
    assert response.status_code == 302
    assert client.post(step(solution, "retire"), {"reason": "Durch L-2 ersetzt."}).status_code == 302
    assert fresh(solution).state == KnownSolution.State.RETIRED


@pytest.mark.req("R8")
def test_the_qmb_reads_only(support_user, qmb_user):
    solution = make(support_user, status=KnownSolution.State.DRAFT)
    ticket = ticket_in_state(State.IMMEDIATE_FIX, support_user)
    client = web_client(qmb_user)
    assert f'href="{NEW}"' not in client.get(LIST).content.decode()
    page = client.get(detail(solution))
    assert page.context["panels"] == []
    html = page.content.decode()
    assert f'href="{edit(solution)}"' not in html and "/transitions/" not in html
    assert (
        "Als bekannte Lösung speichern"
        not in client.get(reverse("ticket-detail", args=[ticket.pk])).content.decode()
    )
    for response in (
        client.get(NEW),
        client.post(NEW, BILLING),
        client.get(edit(solution)),
        client.post(edit(solution), {**PRINTING, "title": "Geändert", "version": solution.version}),
        client.post(step(solution, "publish")),
        client.post(step(solution, "retire"), {"reason": "Brauchen wir nicht."}),
        client.post(from_ticket(ticket)),
    ):
        assert response.status_code == 403
    assert KnownSolution.objects.count() == 1
    unchanged = fresh(solution)
    assert unchanged.title == PRINTING["title"] and unchanged.state == KnownSolution.State.DRAFT


def test_anonymous_users_are_sent_to_the_login(client, support_user):
    solution = make(support_user)
    ticket = ticket_in_state(State.IMMEDIATE_FIX, support_user)
    responses = [client.get(url) for url in (LIST, NEW, detail(solution), edit(solution))]
    responses += [
        client.post(url) for url in (NEW, edit(solution), step(solution, "retire"), from_ticket(ticket))
    ]
    for response in responses:
        assert response.status_code == 302 and response.url.startswith("/accounts/login/")
    assert KnownSolution.objects.count() == 1


# ---- the list -----------------------------------------------------------------------------------


def test_the_list_shows_the_active_solutions_by_title_with_their_columns(web, support_user):
    printing = make(support_user, fixed_in_version="12.4")
    billing = make(support_user, **BILLING)
    draft = make(support_user, status=KnownSolution.State.DRAFT, title="Aaa Entwurf")
    solve_calls(printing, support_user, 2)
    response = web.get(LIST)
    assert response.status_code == 200
    assert listed(response) == [billing.pk, printing.pk]  # by title; the draft is not active
    assert response.context["filters"]["status"].value() == "active"
    html = response.content.decode()
    for text in ("Rezeptdruck bricht", "Workaround", "12.2–12.3", "aktiv", "12.4", "gelöste Anrufe"):
        assert text in html
    rows = {solution.pk: solution.times_used for solution in response.context["page"].object_list}
    assert rows == {printing.pk: 2, billing.pk: 0}
    assert draft.title not in html


def test_the_list_filters_by_status_kind_and_category(web, support_user):
    printing = make(support_user)
    billing = make(support_user, **BILLING)
    draft = make(support_user, status=KnownSolution.State.DRAFT, title="Entwurf zum Etikettendruck")
    retired = services.solution_transition(
        solution_id=make(support_user, title="Alte Lösung").pk,
        name="retire",
        by=support_user,
        data={"reason": "veraltet"},
    )
    assert set(listed(web.get(LIST, {"status": "all"}))) == {printing.pk, billing.pk, draft.pk, retired.pk}
    assert listed(web.get(LIST, {"status": "retired"})) == [retired.pk]
    assert listed(web.get(LIST, {"status": "draft"})) == [draft.pk]
    assert listed(web.get(LIST, {"kind": "configuration"})) == [billing.pk]
    assert listed(web.get(LIST, {"category": "software", "status": "all"})) == [
        retired.pk,
        draft.pk,
        printing.pk,
    ]  # by title: "Alte …", "Entwurf …", "Rezeptdruck …"


def test_the_search_finds_words_within_the_status_filter(web, support_user):
    printing = make(support_user)
    make(support_user, **BILLING)
    retired = services.solution_transition(
        solution_id=make(support_user, title="Drucker druckt leere Seiten").pk,
        name="retire",
        by=support_user,
        data={"reason": "ab 12.4 behoben"},
    )
    response = web.get(LIST, {"q": "Drucker"})
    assert response.status_code == 200
    assert listed(response) == [printing.pk]
    assert "beste Treffer zuerst" in response.content.decode()
    assert set(listed(web.get(LIST, {"q": "Drucker", "status": "all"}))) == {printing.pk, retired.pk}
    assert listed(web.get(LIST, {"q": "Überweisungsträger"})) == []
    assert "Keine bekannte Lösung gefunden." in web.get(LIST, {"q": "Überweisungsträger"}).content.decode()


@pytest.mark.req("R14")
@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"status": "geloescht"}, "keine gültige Auswahl"),
        ({"kind": "bug"}, "keine gültige Auswahl"),
        ({"q": "x" * 201}, "höchstens 200 Zeichen"),
    ],
)
def test_bad_filters_get_a_400_page_with_the_error(web, support_user, params, message):
    make(support_user)
    response = web.get(LIST, params)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert listed(response) == []


def test_the_list_pages_by_25(web, support_user):
    for i in range(30):
        make(support_user, title=f"Lösung {i:02d}")
    first = web.get(LIST)
    assert len(listed(first)) == 25 and "Seite 1 von 2" in first.content.decode()
    second = web.get(LIST, {"page": 2}).context["page"].object_list
    assert [s.title for s in second] == [f"Lösung {i}" for i in range(25, 30)]
    assert web.get(LIST, {"page": "x"}).status_code == 200


@pytest.mark.parametrize("params", [{}, {"q": "Rezeptdruck Fehler"}])
def test_the_list_runs_a_fixed_number_of_queries(web, support_user, params, django_assert_max_num_queries):
    solutions = [make(support_user, title=f"Rezeptdruck {i}") for i in range(3)]
    solve_calls(solutions[0], support_user, 1)
    web.get(LIST, params)  # the session and the user's roles are read once, as for any page
    with CaptureQueriesContext(connection) as few:
        response = web.get(LIST, params)
    assert len(listed(response)) == 3
    solutions += [make(support_user, title=f"Rezeptdruck {i}") for i in range(3, 30)]
    for solution in solutions[1:6]:
        solve_calls(solution, support_user, 1)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = web.get(LIST, params)
    assert len(listed(response)) == 25


# ---- the form -----------------------------------------------------------------------------------


def test_creating_a_solution_in_the_browser(web, support_user):
    response = web.post(NEW, PRINTING)
    solution = KnownSolution.objects.get()
    assert response.status_code == 302 and response.url == detail(solution)
    assert solution.state == KnownSolution.State.ACTIVE and solution.created_by == support_user
    assert (solution.title, solution.solution) == (PRINTING["title"], PRINTING["solution"])
    page = web.get(response.url)
    assert "Die bekannte Lösung wurde angelegt." in page.content.decode()
    [created] = page.context["history"]
    assert created.who == support_user.get_full_name() and created.kind == "created"


@pytest.mark.req("R14")
def test_a_bad_solution_is_shown_again_with_the_errors_and_the_input(web):
    response = web.post(NEW, {**PRINTING, "title": "  ", "kind": "bug"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Dieses Feld ist zwingend erforderlich." in html
    assert "keine gültige Auswahl" in html
    assert PRINTING["symptoms"] in html  # the input is kept
    assert not KnownSolution.objects.exists()


def test_editing_shows_the_current_values_and_saves_with_history(web, support_user, management_user):
    solution = make(support_user)
    page = web.get(edit(solution))
    assert page.context["form"].initial["title"] == PRINTING["title"]
    assert f'name="version" value="{solution.version}"' in page.content.decode()
    client = web_client(management_user)
    data = {
        **PRINTING,
        "title": "Rezeptdruck: Fehler 4711",
        "fixed_in_version": "12.4",
        "version": solution.version,
    }
    response = client.post(edit(solution), data)
    assert response.status_code == 302 and response.url == detail(solution)
    saved = fresh(solution)
    assert saved.title == "Rezeptdruck: Fehler 4711" and saved.fixed_in_version == "12.4"
    assert saved.version == solution.version + 1
    html = client.get(detail(solution)).content.decode()
    assert "Die bekannte Lösung wurde gespeichert." in html
    assert f"Titel: {PRINTING['title']} → Rezeptdruck: Fehler 4711" in html
    assert management_user.get_full_name() in html


@pytest.mark.req("R14")
def test_a_bad_edit_keeps_the_input_and_changes_nothing(web, support_user):
    solution = make(support_user)
    response = web.post(
        edit(solution), {**PRINTING, "solution": "", "cause": "Neue Ursache", "version": solution.version}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Dieses Feld ist zwingend erforderlich." in html and "Neue Ursache" in html
    assert f'name="version" value="{solution.version}"' in html
    assert fresh(solution).cause == PRINTING["cause"]


@pytest.mark.req("R6")
def test_a_stale_edit_is_refused_with_the_input_kept_and_what_changed_meanwhile(
    web, support_user, management_user
):
    solution = make(support_user)
    seen = solution.version
    services.solution_update(solution_id=solution.pk, by=management_user, data={"cause": "Treiber fehlt"})
    mine = {**PRINTING, "title": "Meine Fassung", "version": seen}
    response = web.post(edit(solution), mine)
    assert response.status_code == 409
    html = response.content.decode()
    assert "von jemand anderem geändert" in html
    assert 'value="Meine Fassung"' in html  # the input is kept
    assert [change["label"] for change in response.context["changes"]] == ["Titel", "Ursache"]
    assert "Treiber fehlt" in html  # what the other person saved
    current = fresh(solution)
    assert current.title == PRINTING["title"] and current.cause == "Treiber fehlt"
    # The page now carries the current version: saving again overwrites knowingly.
    assert f'name="version" value="{current.version}"' in html
    assert web.post(edit(solution), {**mine, "version": current.version}).status_code == 302
    assert fresh(solution).title == "Meine Fassung"


@pytest.mark.req("R6")
def test_an_edit_without_a_version_counts_as_stale(web, support_user):
    solution = make(support_user)
    assert web.post(edit(solution), {**PRINTING, "title": "Ohne Version"}).status_code == 409
    assert fresh(solution).title == PRINTING["title"]


def test_unknown_solutions_are_404(web):
    for response in (
        web.get("/solutions/999/"),
        web.get("/solutions/999/edit/"),
        web.post("/solutions/999/transitions/retire/"),
    ):
        assert response.status_code == 404


# ---- the steps: publish, retire, reactivate -----------------------------------------------------


@pytest.mark.req("R7")
@pytest.mark.req("R9")
def test_retire_keeps_the_solution_and_its_history_and_it_can_be_reactivated(
    web, support_user, management_user
):
    solution = make(support_user, status=KnownSolution.State.DRAFT)
    assert [p["name"] for p in web.get(detail(solution)).context["panels"]] == ["publish", "retire"]
    response = web.post(step(solution, "publish"), {"expected_status": "draft"})
    assert response.status_code == 302 and fresh(solution).state == KnownSolution.State.ACTIVE

    client = web_client(management_user)
    response = client.post(
        step(solution, "retire"), {"reason": "Ab Version 12.4 behoben.", "expected_status": "active"}
    )
    assert response.status_code == 302
    retired = fresh(solution)
    assert (
        retired.state == KnownSolution.State.RETIRED and retired.retired_reason == "Ab Version 12.4 behoben."
    )
    page = client.get(detail(solution))
    html = page.content.decode()
    assert "„Zurückziehen“ ausgeführt. Status: zurückgezogen." in html
    assert "Status: Entwurf → aktiv" in html and "Status: aktiv → zurückgezogen" in html
    assert "Grund des Zurückziehens: — → Ab Version 12.4 behoben." in html
    assert management_user.get_full_name() in html and support_user.get_full_name() in html
    assert len(page.context["history"]) == 3
    assert solution.pk in listed(client.get(LIST, {"status": "retired"}))
    assert [p["name"] for p in page.context["panels"]] == ["reactivate"]

    assert client.post(step(solution, "reactivate"), {"expected_status": "retired"}).status_code == 302
    back = fresh(solution)
    assert back.state == KnownSolution.State.ACTIVE and back.retired_reason == ""
    assert KnownSolution.history.filter(id=solution.pk).count() == 4


@pytest.mark.req("R14")
def test_retiring_without_a_reason_is_a_400_with_the_form_open(web, support_user):
    solution = make(support_user)
    response = web.post(step(solution, "retire"), {"reason": "  ", "expected_status": "active"})
    assert response.status_code == 400
    html = response.content.decode()
    assert '<details class="transition" id="step-retire" open>' in html
    assert "Dieses Feld ist zwingend erforderlich." in html
    assert fresh(solution).state == KnownSolution.State.ACTIVE


@pytest.mark.req("R1")
def test_a_step_that_does_not_fit_the_status_is_a_409(web, support_user):
    solution = make(support_user)
    response = web.post(step(solution, "publish"))
    assert response.status_code == 409
    assert "„Freigeben“ ist im Status „aktiv“ nicht möglich." in response.content.decode()
    # Someone else retired it while this page was open.
    services.solution_transition(
        solution_id=solution.pk, name="retire", by=support_user, data={"reason": "veraltet"}
    )
    response = web.post(step(solution, "retire"), {"reason": "doppelt", "expected_status": "active"})
    assert response.status_code == 409
    assert fresh(solution).retired_reason == "veraltet"
    assert web.post(step(solution, "delete")).status_code == 404


def test_there_is_no_delete_not_even_in_the_admin(support_user, admin_user):
    solution = make(support_user)
    client = web_client(admin_user)
    assert client.get(reverse("admin:solutions_knownsolution_changelist")).status_code == 200
    assert client.get(reverse("admin:solutions_knownsolution_change", args=[solution.pk])).status_code == 200
    assert client.post(reverse("admin:solutions_knownsolution_delete", args=[solution.pk])).status_code == 403
    assert client.get(reverse("admin:solutions_knownsolution_add")).status_code == 403
    assert KnownSolution.objects.filter(pk=solution.pk).exists()


# ---- the solution page --------------------------------------------------------------------------


def test_the_page_shows_the_program_request_the_source_and_the_calls_it_solved(web, support_user):
    ticket = ticket_in_state(State.PROGRAM_REQUEST, support_user)
    source = ticket_in_state(State.CLOSED, support_user)
    solution = services.solution_create(
        by=support_user,
        data={**PRINTING, "kind": "fixed_in_release", "program_request": ticket.program_request_id},
        source_ticket=source,
    )
    solve_calls(solution, support_user, 12)
    response = web.get(detail(solution))
    html = response.content.decode()
    assert f'href="{reverse("program-request-detail", args=[ticket.program_request_id])}"' in html
    assert f'href="{reverse("ticket-detail", args=[source.pk])}"' in html
    assert response.context["solution"].times_used == 12
    shown = response.context["tickets"]
    newest = list(Ticket.objects.filter(known_solution=solution).order_by("-created_at", "-pk")[:10])
    assert shown == newest
    assert "Die letzten 10 von 12:" in html
    assert newest[0].number in html and newest[0].customer.name in html
    assert newest[0].created_at.strftime("%d.%m.%Y") in html


@pytest.mark.parametrize("role", [roles.SUPPORT, roles.QMB])
def test_the_page_runs_a_fixed_number_of_queries(users, role, django_assert_max_num_queries):
    support = users[roles.SUPPORT]
    program = ticket_in_state(State.PROGRAM_REQUEST, support)
    solution = make(support, program_request=program.program_request_id)
    solve_calls(solution, support, 1)
    services.solution_update(solution_id=solution.pk, by=support, data={"cause": "Ursache"})
    client = web_client(users[role])
    client.get(detail(solution))
    with CaptureQueriesContext(connection) as few:
        response = client.get(detail(solution))
    small = len(response.context["history"])
    solve_calls(solution, support, 14)
    for i in range(8):
        services.solution_update(solution_id=solution.pk, by=support, data={"cause": f"Ursache {i}"})
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(detail(solution))
    assert len(response.context["tickets"]) == 10 and len(response.context["history"]) == small + 8


# ---- from a solved ticket -----------------------------------------------------------------------


def test_a_solved_ticket_becomes_a_draft_in_two_clicks(web, support_user):
    ticket = ticket_in_state(State.IMMEDIATE_FIX, support_user, summary="Etikettendruck verschoben")
    page = web.get(reverse("ticket-detail", args=[ticket.pk])).content.decode()
    assert f'action="{from_ticket(ticket)}"' in page and "Als bekannte Lösung speichern" in page

    response = web.post(from_ticket(ticket))
    draft = KnownSolution.objects.get()
    assert response.status_code == 302 and response.url == edit(draft)
    assert draft.state == KnownSolution.State.DRAFT and draft.source_ticket == ticket
    assert draft.created_by == support_user
    assert (draft.title, draft.symptoms, draft.solution) == (
        ticket.summary,
        ticket.description,
        ticket.solution,
    )
    assert (draft.kind, draft.category) == (KnownSolution.Kind.USER_ERROR, ticket.category)
    html = web.get(response.url).content.decode()
    assert "Entwurf angelegt – bitte prüfen und freigeben." in html
    assert "Etikettendruck verschoben" in html and ticket.number in html

    # The ticket page now links the draft instead of offering a second one.
    page = web.get(reverse("ticket-detail", args=[ticket.pk])).content.decode()
    assert f'href="{detail(draft)}"' in page and f'action="{from_ticket(ticket)}"' not in page


@pytest.mark.parametrize("state", [State.TRIAGE, State.ESCALATED])
def test_an_unsolved_ticket_offers_no_draft_and_refuses_one_with_409(web, support_user, state):
    ticket = ticket_in_state(state, support_user)
    page = web.get(reverse("ticket-detail", args=[ticket.pk])).content.decode()
    assert "Als bekannte Lösung speichern" not in page
    response = web.post(from_ticket(ticket))
    assert response.status_code == 409
    assert response.context["ticket"] == ticket
    assert "Nur ein gelöster Vorgang mit eigener Lösung" in response.content.decode()
    assert not KnownSolution.objects.exists()


def test_a_ticket_solved_with_a_known_solution_offers_no_new_one(web, support_user):
    solution = make(support_user)
    solve_calls(solution, support_user, 1)
    ticket = Ticket.objects.get(known_solution=solution)
    assert (
        "Als bekannte Lösung speichern"
        not in web.get(reverse("ticket-detail", args=[ticket.pk])).content.decode()
    )
    assert web.post(from_ticket(ticket)).status_code == 409
    assert web.post(from_ticket(create_ticket(support_user))).status_code == 409
    assert web.post("/tickets/999999/known-solution/").status_code == 404
    assert KnownSolution.objects.count() == 1
