"""R21: the controlled work instruction — drafted by the process manager, signed by its author
(meaning "authored") and approved by the QMB (meaning "approved"), each with the password
re-entered; exactly one revision in force; the API's refusal order 404 → 403 → 409 → 400."""

import pytest
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from accounts import roles
from instructions import selectors, services
from instructions.models import RevisionIsFinal, WorkInstructionRevision
from supportdesk.errors import Conflict, DeletionRefused
from tests.conftest import client_for, web_client
from tests.factories import PASSWORD, UserFactory, user_with_role

pytestmark = [pytest.mark.django_db, pytest.mark.req("R21")]

Revision = WorkInstructionRevision
LIST = "/api/v1/work-instruction/"
CREATE = "/api/v1/work-instruction/revisions/"
TEXT = "# Arbeitsanweisung „Telefon-Support“\n\n## Ablauf\n\n1. Meldung\n2. Prüfung\n"


def sign_url(revision) -> str:
    return f"/api/v1/work-instruction/revisions/{revision.pk}/sign/"


def process_manager(**kwargs):
    group, _ = Group.objects.get_or_create(name="process_manager")
    user = UserFactory(**kwargs)
    user.groups.add(group)
    return user


@pytest.fixture
def pm(db):
    return process_manager(first_name="Martin", last_name="Sepp")


@pytest.fixture
def qmb(db):
    return user_with_role(roles.QMB, first_name="Quirin", last_name="Mahler")


def a_draft(by, **data) -> Revision:
    return services.revision_create(by=by, data={"text": TEXT, "change_summary": "Erste Ausgabe", **data})


def authored(by, **data) -> Revision:
    revision = a_draft(by, **data)
    return services.revision_sign(
        revision_id=revision.pk, by=by, data={"password": PASSWORD, "meaning": "authored"}
    )


def in_force(author, approver, **data) -> Revision:
    revision = authored(author, **data)
    return services.revision_sign(
        revision_id=revision.pk, by=approver, data={"password": PASSWORD, "meaning": "approved"}
    )


def reasons(revision) -> list[str]:
    return list(revision.history.order_by("history_id").values_list("history_change_reason", flat=True))


# ---- the life of a revision through the API ---------------------------------------------------


def test_it_is_drafted_signed_by_its_author_then_approved_by_the_qmb_and_is_in_force(pm, qmb):
    created = client_for(pm).post(CREATE, {"text": TEXT, "change_summary": "Erste Ausgabe"}, format="json")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["number"], body["state"], body["signatures"]) == (1, "draft", [])
    revision = Revision.objects.get(pk=body["id"])

    signed = client_for(pm).post(
        sign_url(revision), {"password": PASSWORD, "meaning": "authored"}, format="json"
    )
    assert signed.status_code == 200, signed.json()
    assert signed.json()["state"] == "authored"

    approved = client_for(qmb).post(
        sign_url(revision), {"password": PASSWORD, "meaning": "approved"}, format="json"
    )
    assert approved.status_code == 200, approved.json()
    body = approved.json()
    assert body["state"] == "in_force"
    assert [(s["meaning"], s["name"], s["user"]) for s in body["signatures"]] == [
        ("authored", "Martin Sepp", pm.username),
        ("approved", "Quirin Mahler", qmb.username),
    ]
    assert all(s["at"] for s in body["signatures"])
    assert body["effective_date"]  # from the approval on

    listing = client_for(pm).get(LIST).json()
    assert listing["in_force"]["id"] == revision.pk
    assert [row["number"] for row in listing["revisions"]] == [1]
    assert reasons(revision) == ["revision_create", "author_sign", "approve"]


def test_approving_a_new_revision_supersedes_the_one_in_force_in_the_same_step(pm, qmb):
    first = in_force(pm, qmb)
    second = in_force(pm, qmb, change_summary="Schritt 5: Kontakt bei SIC ergänzt")

    first.refresh_from_db()
    assert (first.state, second.state) == (Revision.State.SUPERSEDED, Revision.State.IN_FORCE)
    assert first.superseded_at is not None
    assert Revision.objects.filter(state=Revision.State.IN_FORCE).count() == 1
    assert selectors.revision_in_force() == second
    assert reasons(first)[-1] == "supersede"
    assert second.number == 2


def test_the_revision_in_force_is_read_in_one_query(pm, qmb, django_assert_num_queries):
    revision = in_force(pm, qmb)
    with django_assert_num_queries(1):
        assert selectors.revision_in_force() == revision


def test_none_is_in_force_before_the_first_approval(pm):
    authored(pm)
    assert selectors.revision_in_force() is None
    assert client_for(pm).get(LIST).json()["in_force"] is None


def test_the_database_refuses_a_second_revision_in_force(pm, qmb):
    """The backstop of the services' lock: a partial unique constraint on state = in_force."""
    in_force(pm, qmb)
    second = authored(pm)
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {Revision._meta.db_table} SET state = 'in_force' WHERE id = %s", [second.pk])


# ---- refusals ---------------------------------------------------------------------------------


def test_refusal_order_404_then_403_then_409_then_400(pm, qmb, support_user):
    draft = a_draft(pm)
    wrong = {"password": "falsch", "meaning": "approved"}

    assert (
        client_for(support_user).post("/api/v1/work-instruction/revisions/999999/sign/", wrong).status_code
        == 404
    )
    refused = client_for(support_user).post(sign_url(draft), wrong, format="json")
    assert refused.status_code == 403
    assert "QMB" in refused.json()["detail"]
    # The QMB approving a draft: out of order (409), whatever the password.
    conflict = client_for(qmb).post(sign_url(draft), wrong, format="json")
    assert conflict.status_code == 409
    assert "erst unterschreibt der Autor" in conflict.json()["detail"]
    # The author with a wrong password: 400 on the password.
    bad = client_for(pm).post(sign_url(draft), {"password": "falsch", "meaning": "authored"}, format="json")
    assert bad.status_code == 400
    assert bad.json() == {"password": ["Das Passwort ist falsch; die Revision wurde nicht unterschrieben."]}
    draft.refresh_from_db()
    assert draft.state == Revision.State.DRAFT
    assert reasons(draft) == ["revision_create"]


def test_a_wrong_or_missing_meaning_is_a_400_field_error(pm):
    draft = a_draft(pm)
    for body in ({"password": PASSWORD}, {"password": PASSWORD, "meaning": "reviewed"}):
        answer = client_for(pm).post(sign_url(draft), body, format="json")
        assert answer.status_code == 400
        assert list(answer.json()) == ["meaning"]


def test_signing_out_of_order_is_a_409_with_a_german_reason(pm, qmb):
    revision = authored(pm)
    again = client_for(pm).post(
        sign_url(revision), {"password": PASSWORD, "meaning": "authored"}, format="json"
    )
    assert again.status_code == 409
    assert (
        "„Als Autor unterschreiben“ ist im Status „vom Autor unterschrieben“ nicht möglich"
        in again.json()["detail"]
    )

    done = in_force(pm, qmb)
    twice = client_for(qmb).post(sign_url(done), {"password": PASSWORD, "meaning": "approved"}, format="json")
    assert twice.status_code == 409


def test_the_author_may_not_approve_the_revision_they_authored(qmb):
    both = process_manager()
    both.groups.add(Group.objects.get(name=roles.QMB))
    revision = authored(both)

    own = client_for(both).post(
        sign_url(revision), {"password": PASSWORD, "meaning": "approved"}, format="json"
    )
    assert own.status_code == 409
    assert "verschiedene Personen" in own.json()["detail"]
    revision.refresh_from_db()
    assert revision.state == Revision.State.AUTHORED

    other = client_for(qmb).post(
        sign_url(revision), {"password": PASSWORD, "meaning": "approved"}, format="json"
    )
    assert other.status_code == 200


def test_a_draft_body_is_checked_field_by_field(pm):
    answer = client_for(pm).post(CREATE, {"text": "   ", "effective_date": "morgen"}, format="json")
    assert answer.status_code == 400
    assert set(answer.json()) == {"text", "change_summary", "effective_date"}
    assert not Revision.objects.exists()


def test_the_api_answers_a_locked_out_signature_with_429(pm, settings):
    draft = a_draft(pm)
    client = client_for(pm)
    for _ in range(settings.SUPPORTDESK_LOGIN_ATTEMPTS):
        client.post(sign_url(draft), {"password": "falsch", "meaning": "authored"}, format="json")
    locked = client.post(sign_url(draft), {"password": PASSWORD, "meaning": "authored"}, format="json")
    assert locked.status_code == 429
    assert "gesperrt" in locked.json()["detail"]
    assert int(locked["Retry-After"]) > 0
    draft.refresh_from_db()
    assert draft.state == Revision.State.DRAFT


# ---- roles on every endpoint (DESIGN §5) ------------------------------------------------------

ROLE_NAMES = ["support", "management", "qmb", "process_manager", "admin", "telephony", "anonymous"]


def user_for(role):
    if role == "anonymous":
        return None
    if role == "process_manager":
        return process_manager()
    if role == "telephony":
        user = UserFactory()
        user.groups.add(Group.objects.get_or_create(name=roles.TELEPHONY)[0])
        return user
    return user_with_role(role)


@pytest.mark.parametrize("role", ROLE_NAMES)
def test_who_may_read_the_work_instruction(role):
    answer = client_for(user_for(role)).get(LIST)
    expected = {"telephony": 403, "anonymous": (401, 403)}.get(role, 200)
    assert answer.status_code in (expected if isinstance(expected, tuple) else (expected,))


@pytest.mark.parametrize("role", ROLE_NAMES)
def test_only_the_process_manager_drafts(role):
    answer = client_for(user_for(role)).post(CREATE, {"text": TEXT, "change_summary": "x"}, format="json")
    if role == "process_manager":
        assert answer.status_code == 201
    else:
        assert answer.status_code in ((401, 403) if role == "anonymous" else (403,))
        assert not Revision.objects.exists()


@pytest.mark.parametrize("role", ROLE_NAMES)
def test_only_the_process_manager_signs_as_author(role, pm):
    draft = a_draft(pm)
    answer = client_for(user_for(role)).post(
        sign_url(draft), {"password": PASSWORD, "meaning": "authored"}, format="json"
    )
    assert answer.status_code == {"process_manager": 200, "anonymous": answer.status_code}.get(role, 403)
    if role == "anonymous":
        assert answer.status_code in (401, 403)


@pytest.mark.parametrize("role", ROLE_NAMES)
def test_only_the_qmb_approves(role, pm):
    revision = authored(pm)
    answer = client_for(user_for(role)).post(
        sign_url(revision), {"password": PASSWORD, "meaning": "approved"}, format="json"
    )
    if role == "qmb":
        assert answer.status_code == 200
    else:
        assert answer.status_code in ((401, 403) if role == "anonymous" else (403,))
        revision.refresh_from_db()
        assert revision.state == Revision.State.AUTHORED


def test_delete_is_refused_with_405(pm):
    draft = a_draft(pm)
    assert client_for(pm).delete(sign_url(draft)).status_code == 405
    assert client_for(pm).delete(LIST).status_code == 405


# ---- content: drafts change with history, signed revisions never ------------------------------


def test_a_draft_is_edited_with_a_history_row_and_a_signed_revision_never_changes(pm, qmb):
    draft = a_draft(pm)
    services.revision_edit(
        revision_id=draft.pk, by=pm, data={"text": TEXT + "3. Lösung\n", "change_summary": "Erste Ausgabe"}
    )
    draft.refresh_from_db()
    assert draft.text.endswith("3. Lösung")
    assert reasons(draft) == ["revision_create", "revision_edit"]
    last = draft.history.order_by("history_id").last()
    assert last.history_user == pm

    services.revision_sign(revision_id=draft.pk, by=pm, data={"password": PASSWORD, "meaning": "authored"})
    with pytest.raises(Conflict):
        services.revision_edit(revision_id=draft.pk, by=pm, data={"text": "neu", "change_summary": "x"})
    draft.refresh_from_db()
    draft.text = "heimlich geändert"
    with pytest.raises(RevisionIsFinal):
        draft.save()
    with pytest.raises(DeletionRefused):  # never deleted (R7)
        draft.delete()


# ---- the import command -----------------------------------------------------------------------


def test_import_starts_the_first_draft_from_the_companys_text(pm, tmp_path, capsys):
    source = tmp_path / "arbeitsanweisung.md"
    source.write_text(TEXT, encoding="utf-8")

    call_command("import_work_instruction", str(source), "--author", pm.username)

    revision = Revision.objects.get()
    assert (revision.number, revision.state, revision.text, revision.created_by) == (
        1,
        "draft",
        TEXT.strip(),
        pm,
    )
    assert revision.change_summary == "Erste Ausgabe, übernommen aus arbeitsanweisung.md"
    assert "Draft Rev. 1 created" in capsys.readouterr().out


def test_import_beside_a_revision_in_force_starts_a_new_draft(pm, qmb, tmp_path):
    in_force(pm, qmb)
    source = tmp_path / "neu.txt"
    source.write_text("Neue Fassung", encoding="utf-8")

    call_command("import_work_instruction", str(source), "--author", pm.username, "--change-summary", "Neu")

    assert list(Revision.objects.order_by("number").values_list("number", "state")) == [
        (1, "in_force"),
        (2, "draft"),
    ]


def test_import_refuses_clearly(pm, support_user, tmp_path):
    latin = tmp_path / "latin1.txt"
    latin.write_bytes("Prüfung".encode("latin-1"))
    good = tmp_path / "ok.txt"
    good.write_text("Text", encoding="utf-8")
    for arguments, message in [
        ([str(tmp_path / "fehlt.txt"), "--author", pm.username], "No such file"),
        ([str(latin), "--author", pm.username], "not UTF-8"),
        ([str(good), "--author", "niemand"], "Unknown or inactive user"),
        ([str(good), "--author", support_user.username], "may not draft"),
    ]:
        with pytest.raises(CommandError, match=message):
            call_command("import_work_instruction", *arguments)
    assert not Revision.objects.exists()


# ---- the pages -------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["support", "management", "qmb", "process_manager", "admin"])
def test_every_role_reads_the_revision_in_force_with_revisions_and_change_history(role, pm, qmb):
    in_force(pm, qmb, text="# Ablauf\n\n- <script>alert(1)</script> Meldung\n")
    page = web_client(user_for(role)).get(reverse("work-instruction"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Rev. 1 in Kraft" in html
    assert "<li>&lt;script&gt;alert(1)&lt;/script&gt; Meldung</li>" in html
    assert "<script>alert(1)</script>" not in html
    for heading in ("Änderungsstand", "Änderungsdatum", "Autor", "Änderungen", "Revisionen"):
        assert heading in html
    assert "Martin Sepp" in html and "Quirin Mahler" in html
    assert "freigegeben (QMB)" in html


def test_the_page_is_for_signed_in_roles_only(client):
    assert client.get(reverse("work-instruction")).status_code == 302


def test_the_process_manager_drafts_on_the_page_prefilled_from_the_revision_in_force(pm, qmb):
    in_force(pm, qmb, text="Bisheriger Text")
    web = web_client(pm)
    form = web.get(reverse("work-instruction-new"))
    assert form.status_code == 200
    assert "Bisheriger Text" in form.content.decode()

    refused = web.post(reverse("work-instruction-new"), {"text": "Neuer Text", "change_summary": ""})
    assert refused.status_code == 400
    assert "Neuer Text" in refused.content.decode()

    saved = web.post(reverse("work-instruction-new"), {"text": "Neuer Text", "change_summary": "Schritt 3"})
    assert saved.status_code == 302
    assert Revision.objects.get(number=2).text == "Neuer Text"


def test_a_support_agent_may_not_draft_on_the_page(support_user):
    assert web_client(support_user).get(reverse("work-instruction-new")).status_code == 403


def test_signing_on_the_page_with_the_password(pm, qmb):
    draft = a_draft(pm)
    url = reverse("work-instruction-revision", args=[draft.pk])
    page = web_client(pm).get(url).content.decode()
    assert "Als Autor unterschreiben" in page and "Entwurf bearbeiten" in page

    sign = reverse("work-instruction-sign", args=[draft.pk, "author_sign"])
    wrong = web_client(pm).post(sign, {"password": "falsch", "expected_state": "draft"})
    assert wrong.status_code == 400
    assert "Das Passwort ist falsch" in wrong.content.decode()
    assert web_client(pm).post(sign, {"password": PASSWORD, "expected_state": "draft"}).status_code == 302

    approve = reverse("work-instruction-sign", args=[draft.pk, "approve"])
    assert "Freigeben (QMB)" in web_client(qmb).get(url).content.decode()
    assert (
        web_client(qmb).post(approve, {"password": PASSWORD, "expected_state": "authored"}).status_code == 302
    )
    draft.refresh_from_db()
    assert draft.state == Revision.State.IN_FORCE


def test_the_page_shows_an_out_of_order_signature_as_a_conflict(pm, qmb):
    draft = a_draft(pm)
    approve = reverse("work-instruction-sign", args=[draft.pk, "approve"])
    answer = web_client(qmb).post(approve, {"password": PASSWORD})
    assert answer.status_code == 409
    assert "erst unterschreibt der Autor" in answer.content.decode()


def test_every_change_of_a_revision_is_in_its_hash_chained_history(pm, qmb):
    from audit.chain import verify_all

    first = in_force(pm, qmb)
    in_force(pm, qmb, change_summary="Zweite Ausgabe")
    _checked, problem = verify_all()
    assert problem is None
    assert [row.history_user for row in first.history.order_by("history_id")] == [pm, pm, qmb, qmb]


def test_the_phone_systems_account_may_not_read_the_pages():
    telephony = user_for("telephony")
    assert web_client(telephony).get(reverse("work-instruction")).status_code == 403


def test_the_process_manager_edits_a_draft_on_its_page_and_others_may_not(pm, qmb):
    draft = a_draft(pm)
    edit = reverse("work-instruction-edit", args=[draft.pk])
    data = {"title": "AA Telefon-Support", "text": "Geänderter Text", "change_summary": "Erste Ausgabe"}

    assert web_client(qmb).post(edit, data).status_code == 403
    assert web_client(pm).post(edit, {**data, "text": ""}).status_code == 400
    assert web_client(pm).post(edit, data).status_code == 302
    draft.refresh_from_db()
    assert (draft.title, draft.text) == ("AA Telefon-Support", "Geänderter Text")
    page = web_client(pm).get(reverse("work-instruction-revision", args=[draft.pk])).content.decode()
    assert "Entwurf der Arbeitsanweisung bearbeitet" in page  # the history row's reason
