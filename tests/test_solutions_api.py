"""Known solutions over the API (issue 5): ranked search, create/edit/steps through the services,
no delete, roles, a fixed number of queries, and the OpenAPI schema."""

import io

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from hypothesis import given

from accounts import roles
from solutions import services
from solutions.api import KnownSolutionWriteSerializer
from solutions.forms import KnownSolutionForm
from solutions.models import KnownSolution
from tests.conftest import client_for
from tests.factories import UserFactory, run, ticket_in_state
from tests.test_api_input import FUZZ, assert_clear_answer, payloads, post_json
from tickets.models import ResolutionKind, State

API = "/api/v1"
URL = f"{API}/solutions/"

PRINTER = {
    "title": "Rezept wird nicht gedruckt",
    "symptoms": "Beim Drucken des Kassenrezepts passiert nichts, der Drucker bleibt stumm.",
    "cause": "Dem Arbeitsplatz ist nach dem Update kein Rezeptdrucker zugewiesen.",
    "solution": "Im Arbeitsplatz-Setup den Rezeptdrucker neu zuweisen und SaniVision neu starten.",
    "kind": "configuration",
    "category": "technical",
    "affected_versions": "12.3–12.4",
}
LABELS = {
    "title": "Etiketten werden leer gedruckt",
    "symptoms": "Der Etikettendrucker gibt leere Etiketten aus.",
    "solution": "Im Druckdialog die Vorlage „Etikett 62 mm“ wählen.",
    "kind": "workaround",
    "category": "technical",
}
LICENCE = {
    "title": "Lizenz abgelaufen beim Programmstart",
    "symptoms": "Meldung L-17 beim Start: Die Lizenz ist abgelaufen.",
    "solution": "Lizenzdatei über das SIC-Kundenportal neu einspielen.",
    "kind": "answer",
    "category": "question",
}


def solution_data(**overrides) -> dict:
    return {**LICENCE, **overrides}


def create_solution(by, status=KnownSolution.State.ACTIVE, **overrides) -> KnownSolution:
    return services.solution_create(by=by, data=solution_data(**overrides), state=status)


def solved_with(solution, by, count=1):
    """`count` calls fixed on the phone with the known solution."""
    for _ in range(count):
        ticket = ticket_in_state(State.TRIAGE, by)
        run(
            ticket,
            "fix_immediately",
            by,
            resolution_kind=ResolutionKind.KNOWN_WORKAROUND,
            solution=solution.solution,
            known_solution=solution.pk,
        )


def titles(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["title"] for item in response.json()["results"]]


# --- search and list ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_search_ranks_the_best_match_first_not_by_title(api, support_user):
    printer = services.solution_create(by=support_user, data=PRINTER)
    services.solution_create(by=support_user, data=LABELS)
    services.solution_create(by=support_user, data=LICENCE)

    assert titles(api.get(URL)) == [LABELS["title"], LICENCE["title"], PRINTER["title"]]  # by title
    found = titles(api.get(URL, {"q": "Rezept druckt nicht"}))
    assert found[0] == printer.title
    assert LICENCE["title"] not in found
    # words anywhere: symptoms and solution count too
    assert titles(api.get(URL, {"q": "Kundenportal"})) == [LICENCE["title"]]
    assert titles(api.get(URL, {"q": "Fernwartung"})) == []
    # only punctuation: no search words, nothing found (rather than everything)
    assert titles(api.get(URL, {"q": "?!"})) == []


@pytest.mark.django_db
def test_the_list_shows_active_solutions_unless_a_status_is_chosen(api, support_user):
    active = create_solution(support_user, title="Lizenz aktiv")
    draft = create_solution(support_user, KnownSolution.State.DRAFT, title="Lizenz Entwurf")
    retired = create_solution(support_user, title="Lizenz zurückgezogen")
    services.solution_transition(
        solution_id=retired.pk, name="retire", by=support_user, data={"reason": "durch L-1 ersetzt"}
    )

    assert titles(api.get(URL)) == [active.title]
    assert titles(api.get(URL, {"q": "Lizenz"})) == [active.title]
    assert titles(api.get(URL, {"status": "draft"})) == [draft.title]
    assert titles(api.get(URL, {"status": "retired", "q": "Lizenz"})) == [retired.title]
    assert sorted(titles(api.get(URL, {"status": "all"}))) == sorted(
        [active.title, draft.title, retired.title]
    )
    # a retired or draft solution is still found by its id
    assert api.get(f"{URL}{retired.pk}/").json()["status"] == "retired"
    assert api.get(f"{URL}{draft.pk}/").json()["status_label"] == "Entwurf"


@pytest.mark.django_db
def test_the_list_filters_by_kind_and_category(api, support_user):
    services.solution_create(by=support_user, data=PRINTER)
    services.solution_create(by=support_user, data=LABELS)
    services.solution_create(by=support_user, data=LICENCE)

    assert titles(api.get(URL, {"kind": "workaround"})) == [LABELS["title"]]
    assert titles(api.get(URL, {"category": "technical"})) == [LABELS["title"], PRINTER["title"]]
    assert titles(api.get(URL, {"category": "technical", "q": "Rezept"})) == [PRINTER["title"]]


@pytest.mark.req("R14")
@pytest.mark.django_db
@pytest.mark.parametrize(
    "query",
    [
        {"status": "offen"},
        {"status": "\x00"},
        {"kind": "bug"},
        {"category": "hardware"},
        {"q": "abc\x00def"},
        {"q": "x" * 201},
    ],
)
def test_an_unknown_filter_value_is_a_400(api, support_user, query):
    create_solution(support_user)
    response = api.get(URL, query)
    assert response.status_code == 400, response.content
    # a NUL character is refused for the whole address before any filter (supportdesk.middleware)
    assert set(response.json()) == ({"detail"} if "\x00" in "".join(query.values()) else set(query))


@pytest.mark.django_db
def test_each_item_carries_its_fields_labels_steps_and_usage(api, support_user):
    printer = services.solution_create(by=support_user, data=PRINTER)
    create_solution(support_user)
    solved_with(printer, support_user, count=2)

    items = {item["title"]: item for item in api.get(URL).json()["results"]}
    item = items[PRINTER["title"]]
    assert set(item) == {
        "id", "title", "symptoms", "cause", "solution", "kind", "kind_label", "category",
        "affected_versions", "program_request", "fixed_in_version", "status", "status_label",
        "retired_reason", "source_ticket", "times_used", "version", "created_by", "created_at",
        "updated_at", "available_transitions",
    }  # fmt: skip
    assert item["id"] == printer.pk
    assert {key: item[key] for key in PRINTER} == PRINTER
    assert (item["kind_label"], item["status"], item["status_label"]) == ("Konfiguration", "active", "aktiv")
    assert (item["program_request"], item["source_ticket"], item["fixed_in_version"]) == (None, None, "")
    assert item["times_used"] == 2
    assert items[LICENCE["title"]]["times_used"] == 0
    assert item["available_transitions"] == ["retire"]
    assert item["created_by"] == support_user.username
    assert api.get(f"{URL}{printer.pk}/").json() == item


# --- create and edit --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_support_creates_a_solution_with_a_history_row(api, support_user):
    response = api.post(URL, PRINTER, format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    solution = KnownSolution.objects.get(pk=body["id"])
    assert (solution.title, solution.state, solution.created_by) == (
        PRINTER["title"],
        "active",
        support_user,
    )
    assert (body["version"], body["times_used"]) == (1, 0)
    row = solution.history.get()
    assert (row.history_user, row.history_change_reason) == (support_user, "solution_create")


@pytest.mark.req("R4")
@pytest.mark.django_db
def test_a_create_with_missing_or_wrong_fields_gets_the_field_errors_and_saves_nothing(api):
    response = api.post(
        URL,
        {
            "title": "",
            "symptoms": "Drucker stumm",
            "kind": "bug",
            "category": "software",
            "program_request": 999,
        },
        format="json",
    )
    assert response.status_code == 400
    errors = response.json()
    assert set(errors) == {"title", "solution", "kind", "program_request"}
    assert all(isinstance(m, str) and m for messages in errors.values() for m in messages)
    assert KnownSolution.objects.count() == 0

    response = api.post(URL, [PRINTER], format="json")  # not an object
    assert response.status_code == 400
    assert response.json()["detail"]


@pytest.mark.django_db
def test_an_edit_changes_only_the_fields_sent(api, support_user):
    solution = services.solution_create(by=support_user, data=PRINTER)

    response = api.patch(
        f"{URL}{solution.pk}/", {"title": "Kassenrezept druckt nicht", "version": 1}, format="json"
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["title"], body["version"], body["solution"]) == (
        "Kassenrezept druckt nicht",
        2,
        PRINTER["solution"],
    )
    assert list(solution.history.order_by("history_id").values_list("history_change_reason", flat=True)) == [
        "solution_create",
        "solution_edit",
    ]
    # without a version the edit is applied to whatever is current
    response = api.patch(f"{URL}{solution.pk}/", {"affected_versions": "12.3–13.0"}, format="json")
    assert response.json()["version"] == 3


@pytest.mark.req("R6")
@pytest.mark.django_db
def test_an_edit_based_on_an_old_version_is_refused_with_409(api, support_user, management_user):
    solution = services.solution_create(by=support_user, data=PRINTER)
    services.solution_update(solution_id=solution.pk, by=management_user, data={"cause": "Treiber"})

    response = api.patch(f"{URL}{solution.pk}/", {"title": "Überschrieben?", "version": 1}, format="json")

    assert response.status_code == 409, response.content
    assert "inzwischen von jemand anderem geändert" in response.json()["detail"]
    solution.refresh_from_db()
    assert (solution.title, solution.cause, solution.version) == (PRINTER["title"], "Treiber", 2)


@pytest.mark.req("R4")
@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"version": "1"}, {"version"}),
        ({"version": True}, {"version"}),
        ({"title": ""}, {"title"}),
        ({"kind": "bug", "category": 3}, {"kind", "category"}),
        ({"symptoms": "x" * 20001}, {"symptoms"}),
    ],
)
def test_a_bad_edit_gets_the_field_errors_and_changes_nothing(api, support_user, body, fields):
    solution = services.solution_create(by=support_user, data=PRINTER)
    response = api.patch(f"{URL}{solution.pk}/", body, format="json")
    assert response.status_code == 400, response.content
    assert set(response.json()) == fields
    solution.refresh_from_db()
    assert (solution.version, solution.title) == (1, PRINTER["title"])


# --- steps ------------------------------------------------------------------------------------------------


def step(client, solution, name, **data):
    return client.post(f"{URL}{solution.pk}/transitions/{name}/", data, format="json")


@pytest.mark.django_db
def test_retire_reactivate_and_publish_through_the_api(api, support_user):
    solution = create_solution(support_user)

    response = step(api, solution, "retire")
    assert response.status_code == 400
    assert set(response.json()) == {"reason"}

    response = step(api, solution, "retire", reason="Ab Version 13.0 behoben.")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["retired_reason"], body["available_transitions"]) == (
        "retired",
        "Ab Version 13.0 behoben.",
        ["reactivate"],
    )

    response = step(api, solution, "retire", reason="nochmal")
    assert response.status_code == 409
    assert response.json()["detail"] == "„Zurückziehen“ ist im Status „zurückgezogen“ nicht möglich."

    response = step(api, solution, "reactivate")
    assert (response.status_code, response.json()["status"], response.json()["retired_reason"]) == (
        200,
        "active",
        "",
    )
    assert step(api, solution, "publish").status_code == 409

    draft = create_solution(support_user, KnownSolution.State.DRAFT, title="Lizenz Entwurf")
    assert api.get(f"{URL}{draft.pk}/").json()["available_transitions"] == ["publish", "retire"]
    response = step(api, draft, "publish")
    assert (response.status_code, response.json()["status"]) == (200, "active")

    reasons = solution.history.order_by("history_id").values_list("history_change_reason", flat=True)
    assert list(reasons) == ["solution_create", "retire", "reactivate"]


@pytest.mark.req("R6")
@pytest.mark.django_db
def test_a_step_with_the_status_seen_before_someone_else_acted_is_409(api, support_user, management_user):
    solution = create_solution(support_user)
    services.solution_transition(
        solution_id=solution.pk, name="retire", by=management_user, data={"reason": "alt"}
    )

    response = step(api, solution, "reactivate", expected_status="draft")
    assert response.status_code == 409
    response = step(api, solution, "reactivate", expected_status="weg")
    assert response.status_code == 400
    assert set(response.json()) == {"expected_status"}
    response = step(api, solution, "reactivate", expected_status="retired")
    assert response.status_code == 200


@pytest.mark.django_db
def test_an_unknown_step_or_solution_is_404(api, support_user, qmb_user):
    solution = create_solution(support_user)
    response = step(api, solution, "delete")
    assert response.status_code == 404
    assert response.json()["detail"]
    for client in (api, client_for(qmb_user)):
        assert client.get(f"{URL}987654/").status_code == 404
        assert (
            client.post(f"{URL}987654/transitions/retire/", {"reason": "x"}, format="json").status_code == 404
        )
        assert client.patch(f"{URL}987654/", {"title": "x"}, format="json").status_code == 404


@pytest.mark.req("R7")
@pytest.mark.django_db
@pytest.mark.parametrize("role", [roles.SUPPORT, roles.MANAGEMENT, roles.ADMIN])
def test_there_is_no_delete_a_solution_is_retired_instead(users, role):
    solution = create_solution(users[roles.SUPPORT])
    client = client_for(users[role])
    for url in (URL, f"{URL}{solution.pk}/", f"{URL}{solution.pk}/history/"):
        response = client.delete(url)
        assert response.status_code == 405, (url, response.status_code)
        assert response.json()["detail"]
    assert KnownSolution.objects.filter(pk=solution.pk, state="active").exists()
    assert client.put(f"{URL}{solution.pk}/", PRINTER, format="json").status_code == 405


@pytest.mark.django_db
def test_the_history_lists_who_changed_what_and_why(api, support_user, management_user):
    solution = create_solution(support_user)
    services.solution_update(solution_id=solution.pk, by=management_user, data={"title": "Lizenz weg"})
    services.solution_transition(
        solution_id=solution.pk, name="retire", by=support_user, data={"reason": "alt"}
    )

    response = api.get(f"{URL}{solution.pk}/history/")

    assert response.status_code == 200
    entries = response.json()["results"]
    assert [(e["user"], e["action"], e["reason"]) for e in entries] == [
        (support_user.username, "created", "solution_create"),
        (management_user.username, "changed", "solution_edit"),
        (support_user.username, "changed", "retire"),
    ]
    assert (entries[0]["from_status"], entries[0]["to_status"]) == (None, "active")
    assert entries[0]["changes"]["title"] == [None, LICENCE["title"]]
    assert entries[1]["changes"] == {"title": [LICENCE["title"], "Lizenz weg"]}
    assert (entries[1]["from_status"], entries[1]["to_status"]) == (None, None)
    assert (entries[2]["from_status"], entries[2]["to_status"]) == ("active", "retired")
    assert entries[2]["changes"] == {"retired_reason": ["", "alt"]}


# --- roles ------------------------------------------------------------------------------------------------


def anonymous_or_no_role(who):
    return None if who == "anonymous" else UserFactory()


@pytest.mark.req("R8")
@pytest.mark.django_db
@pytest.mark.parametrize("role", [roles.SUPPORT, roles.MANAGEMENT, roles.ADMIN])
def test_support_management_and_admin_create_edit_and_retire(users, role):
    client = client_for(users[role])
    response = client.post(URL, PRINTER, format="json")
    assert response.status_code == 201, response.content
    pk = response.json()["id"]
    assert client.patch(f"{URL}{pk}/", {"cause": "Update 12.3"}, format="json").status_code == 200
    response = client.post(f"{URL}{pk}/transitions/retire/", {"reason": "überholt"}, format="json")
    assert response.status_code == 200
    assert KnownSolution.objects.get(pk=pk).history.last().history_user == users[role]


@pytest.mark.req("R8")
@pytest.mark.django_db
def test_the_qmb_reads_but_may_not_write(users):
    solution = create_solution(users[roles.SUPPORT])
    qmb = client_for(users[roles.QMB])

    assert qmb.get(URL).status_code == 200
    body = qmb.get(f"{URL}{solution.pk}/").json()
    assert body["available_transitions"] == []
    assert qmb.get(f"{URL}{solution.pk}/history/").status_code == 200
    for response in (
        qmb.post(URL, PRINTER, format="json"),
        qmb.patch(f"{URL}{solution.pk}/", {"title": "QMB"}, format="json"),
        qmb.post(f"{URL}{solution.pk}/transitions/retire/", {"reason": "QMB"}, format="json"),
    ):
        assert response.status_code == 403
        assert response.json()["detail"]
    solution.refresh_from_db()
    assert (solution.title, solution.state, solution.version) == (LICENCE["title"], "active", 1)
    assert KnownSolution.objects.count() == 1


@pytest.mark.req("R8")
@pytest.mark.django_db
@pytest.mark.parametrize(("who", "statuses"), [("anonymous", {401, 403}), ("no_role", {403})])
def test_callers_without_a_role_get_nothing(support_user, who, statuses):
    solution = create_solution(support_user)
    client = client_for(anonymous_or_no_role(who))
    for response in (
        client.get(URL),
        client.get(f"{URL}{solution.pk}/"),
        client.get(f"{URL}{solution.pk}/history/"),
        client.post(URL, PRINTER, format="json"),
        client.patch(f"{URL}{solution.pk}/", {"title": "x"}, format="json"),
        client.post(f"{URL}{solution.pk}/transitions/retire/", {"reason": "x"}, format="json"),
    ):
        assert response.status_code in statuses
        assert response.json()["detail"]
        assert "results" not in response.json()
    assert KnownSolution.objects.get().version == 1


# --- bad input never gives a 500 ------------------------------------------------------------------------


def try_in_savepoint(request, fields, ok):
    with transaction.atomic():
        before = list(KnownSolution.objects.values_list("pk", "version", "state"))
        history = KnownSolution.history.count()
        response = request()
        assert_clear_answer(response, fields, ok)
        if response.status_code in (400, 409):
            assert list(KnownSolution.objects.values_list("pk", "version", "state")) == before
            assert KnownSolution.history.count() == history
        transaction.set_rollback(True)


@pytest.mark.req("R14")
@pytest.mark.req("R4")
@pytest.mark.django_db
@pytest.mark.parametrize("method", ["post", "patch"])
def test_it_never_fails_with_500_on_any_create_or_edit_payload(support_user, method):
    solution = services.solution_create(by=support_user, data=PRINTER)
    pr = ticket_in_state(State.PROGRAM_REQUEST, support_user).program_request_id
    fields = [*KnownSolutionForm.base_fields, *(["version"] if method == "patch" else [])]
    valid = {**LABELS, "program_request": pr, "fixed_in_version": "13.0", "version": 1}
    path = URL if method == "post" else f"{URL}{solution.pk}/"
    api = client_for(support_user)

    @FUZZ
    @given(payload=payloads(fields, valid))
    def check(payload):
        try_in_savepoint(
            lambda: post_json(api, path, payload, method), fields, 201 if method == "post" else 200
        )

    check()


@pytest.mark.req("R14")
@pytest.mark.django_db
@pytest.mark.parametrize("name", ["publish", "retire", "reactivate"])
def test_it_never_fails_with_500_on_any_step_payload(support_user, name):
    status = {"publish": "draft", "retire": "active", "reactivate": "retired"}[name]
    solution = create_solution(support_user, KnownSolution.State.DRAFT)
    if status != "draft":
        services.solution_transition(solution_id=solution.pk, name="publish", by=support_user, data={})
    if status == "retired":
        services.solution_transition(
            solution_id=solution.pk, name="retire", by=support_user, data={"reason": "x"}
        )
    fields = ["reason", "expected_status"]
    valid = {"reason": "Durch L-2 ersetzt.", "expected_status": status}
    path = f"{URL}{solution.pk}/transitions/{name}/"
    api = client_for(support_user)

    @FUZZ
    @given(payload=payloads(fields, valid))
    def check(payload):
        try_in_savepoint(lambda: post_json(api, path, payload), fields, 200)

    check()


# --- a fixed number of queries ---------------------------------------------------------------------------


def queries_for(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, response.content
    return len(ctx.captured_queries), response.json()


def grow(by, count):
    """`count` more active solutions, every third solving a call, and a draft and a retired one."""
    for i in range(count):
        solution = create_solution(by, title=f"Lizenzmeldung L-{i}", affected_versions=f"12.{i}")
        if i % 3 == 0:
            solved_with(solution, by)
    create_solution(by, KnownSolution.State.DRAFT, title="Lizenz Entwurf")


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["", "?q=Lizenz+abgelaufen", "?status=all&category=question"])
def test_the_list_runs_a_fixed_number_of_queries(api, support_user, query):
    api.get(URL)  # the first request reads the user's roles once; not part of the comparison
    grow(support_user, 3)
    small, body_small = queries_for(api, URL + query)
    grow(support_user, 27)
    large, body_large = queries_for(api, URL + query)

    assert len(body_small["results"]) >= 3
    assert len(body_large["results"]) >= 30
    assert sum(item["times_used"] for item in body_large["results"]) == 10
    assert large == small, f"{small} queries for 3 solutions, {large} for 30"
    assert large <= 4  # count, page, usage (the session is forced: no user queries)


@pytest.mark.django_db
def test_one_solution_and_its_history_run_a_fixed_number_of_queries(api, support_user):
    solution = create_solution(support_user)
    api.get(URL)

    def edits(n):
        for i in range(n):
            services.solution_update(solution_id=solution.pk, by=support_user, data={"cause": f"Ursache {i}"})
        solved_with(solution, support_user, n)

    edits(2)
    detail_small, _ = queries_for(api, f"{URL}{solution.pk}/")
    history_small, _ = queries_for(api, f"{URL}{solution.pk}/history/")
    edits(20)
    detail_large, body = queries_for(api, f"{URL}{solution.pk}/")
    history_large, history = queries_for(api, f"{URL}{solution.pk}/history/")

    assert body["times_used"] == 22
    assert history["count"] == 23
    assert (detail_large, history_large) == (detail_small, history_small)


# --- the schema -------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_openapi_schema_documents_the_endpoints_and_the_search(api):
    response = api.get(f"{API}/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert set(paths[f"{URL}"]) == {"get", "post"}
    assert set(paths[f"{URL}{{id}}/"]) == {"get", "patch"}
    assert set(paths[f"{URL}{{id}}/transitions/{{name}}/"]) == {"post"}
    assert set(paths[f"{URL}{{id}}/history/"]) == {"get"}
    parameters = {p["name"]: p for p in paths[URL]["get"]["parameters"]}
    assert {"q", "status", "kind", "category", "page", "page_size"} <= set(parameters)
    assert "Treffergüte" in parameters["q"]["description"]
    assert set(parameters["status"]["schema"]["enum"]) == {"draft", "active", "retired", "all"}
    schemas = response.json()["components"]["schemas"]
    assert "times_used" in schemas["KnownSolution"]["properties"]
    assert {"title", "symptoms", "solution", "kind", "category"} <= set(
        schemas["KnownSolutionWrite"]["required"]
    )
    assert "version" in schemas["PatchedKnownSolutionEdit"]["properties"]


def test_the_schema_generates_without_warnings():
    """drf-spectacular's warnings (e.g. colliding enum names) would also make `check --deploy` noisy."""
    out = io.StringIO()
    call_command("spectacular", "--validate", "--fail-on-warn", stdout=out)  # raises on a warning
    assert "/api/v1/solutions/{id}/transitions/{name}/" in out.getvalue()


def test_the_documented_create_body_has_the_forms_fields():
    assert list(KnownSolutionWriteSerializer().fields) == list(KnownSolutionForm.base_fields)
