"""Suggestions during the call (issue 5) in a real Chromium: typed words bring up the matching known
solution beside the intake form, one click solves the call; on a ticket in triage a suggestion fills
"Sofortlösung" to be adapted. Only the pages are driven; the ORM sets up and checks afterwards."""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from solutions import services as solution_services
from solutions.models import KnownSolution
from tests.browser.ui import expect_message, expect_state, log_in, step
from tests.factories import ContactFactory, CustomerFactory, ticket_in_state
from tickets.models import NotificationKind, State, Ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

STEPS = (
    "1. Unter Einstellungen › Drucker das Profil „Kassenrezept“ öffnen.\n"
    "2. Papierschacht auf „Einzelblatt (manuell)“ stellen.\n"
    "3. Rezept erneut drucken."
)


def knowledge_base(by):
    """Several known solutions about printing, one that fits a prescription that does not print."""

    def create(title, symptoms, solution, kind=KnownSolution.Kind.WORKAROUND, **extra):
        data = {"title": title, "symptoms": symptoms, "solution": solution, "kind": kind, **extra}
        return solution_services.solution_create(by=by, data={"category": "technical", **data})

    create("Etikettendrucker druckt leere Seiten", "Etiketten kommen leer heraus.", "Format auf 62 mm.")
    create("Lieferschein druckt doppelt", "Jeder Lieferschein kommt zweimal.", "Spooler neu starten.")
    create("Druckvorschau bleibt weiß", "Die Vorschau zeigt nichts.", "Grafiktreiber aktualisieren.")
    create("Kostenvoranschlag: Druck bricht ab", "Druck des KVA endet mit Fehler.", "Formular neu laden.")
    target = create(
        "Rezept druckt nicht (Kassenrezept)",
        "Beim Drucken eines Rezepts passiert nichts, der Druckauftrag verschwindet aus der Warteschlange.",
        STEPS,
        kind=KnownSolution.Kind.CONFIGURATION,
        affected_versions="12.2–12.3",
    )
    create("Lizenz abgelaufen", "Meldung beim Programmstart.", "Lizenzdatei erneuern.")
    return target


def test_typing_the_problem_suggests_the_known_solution_and_one_click_solves_the_call(
    live_server, page, screenshot, support_user
):
    target = knowledge_base(support_user)
    customer = CustomerFactory(name="Sanitätshaus Lindner GmbH", phone="0211 4711230")
    ContactFactory(customer=customer, name="Petra Schneider", phone="0211 4711231")
    log_in(page, live_server, support_user)

    page.get_by_role("link", name="Neuer Anruf").click()
    panel = page.get_by_role("region", name="Bekannte Lösungen")
    expect(panel).to_contain_text("erscheinen hier passende bekannte Lösungen")
    page.get_by_label("Telefonnummer oder Name").fill("Lindner")
    page.locator("#lookup-results").get_by_role("button", name=re.compile("Petra Schneider")).click()
    expect(page.get_by_label("Anrufer", exact=True)).to_have_value("Petra Schneider")
    page.wait_for_load_state("networkidle")  # the pick may reload the page (no-JS fallback)

    summary = page.get_by_label("Betreff")
    summary.click()
    with page.expect_response(lambda r: "/solutions/suggestions/" in r.url and "nicht" in r.url):
        page.keyboard.type("Rezept druckt nicht")
    expect(page.locator(".htmx-request")).to_have_count(0)
    expect(summary).to_be_focused()  # the suggestions arrive beside the field, the focus stays
    expect(summary).to_have_value("Rezept druckt nicht")

    solutions = panel.get_by_role("list", name="Passende bekannte Lösungen").get_by_role("listitem")
    titles = [text.strip() for text in solutions.locator(".suggestion-title").all_inner_texts()]
    assert target.title in titles[:3], titles
    suggestion = solutions.filter(has_text=target.title)
    expect(suggestion).to_contain_text("Konfiguration")
    expect(suggestion).to_contain_text("noch nicht verwendet")
    suggestion.get_by_text("Lösungsschritte").click()  # the steps, one click away
    expect(suggestion.get_by_text("Papierschacht auf „Einzelblatt (manuell)“ stellen.")).to_be_visible()

    violations = [v for v in Axe().run(page).response["violations"] if v["impact"] in {"serious", "critical"}]
    assert not violations, [f"{v['id']}: {v['nodes'][0]['html'][:120]}" for v in violations]

    # The description refines the search; the panel follows, the typed text stays.
    with page.expect_response(lambda r: "/solutions/suggestions/" in r.url and "Warteschlange" in r.url):
        page.get_by_label("Problembeschreibung").fill("Der Druckauftrag verschwindet aus der Warteschlange.")
    expect(solutions.first).to_contain_text(target.title)
    screenshot()

    # The risk question comes first: nothing is saved until the agent answers it.
    suggestion.get_by_role("button", name="Diese Lösung übernehmen").click()
    expect(
        page.get_by_text("Bevor die Lösung übernommen wird: Ist es ein risikorelevantes Ereignis?")
    ).to_be_visible()
    assert not Ticket.objects.exists()
    page.locator('input[name="triage-risk_relevant"][value="false"]').check()
    page.locator('input[name="triage-is_complaint"][value="false"]').check()
    page.get_by_role("list", name="Passende bekannte Lösungen").get_by_role("listitem").filter(
        has_text=target.title
    ).get_by_role("button", name="Diese Lösung übernehmen").click()
    expect_message(
        page, re.compile(r"Vorgang \d{4}-\d{6} wurde angelegt und mit der übernommenen Lösung gelöst")
    )
    expect_state(page, "Sofortlösung")

    ticket = Ticket.objects.get()
    assert (ticket.state, ticket.known_solution_id) == (State.IMMEDIATE_FIX, target.pk)
    assert (ticket.resolution_kind, ticket.solution) == ("known_workaround", STEPS)
    assert ticket.contact.name == "Petra Schneider"
    assert ticket.notifications.get().kind == NotificationKind.SOLUTION
    assert ticket.call_notes.count() == 2  # the call, and the advice given on it


def test_in_triage_a_suggestion_fills_the_immediate_fix_to_be_adapted(live_server, page, support_user):
    target = knowledge_base(support_user)
    ticket = ticket_in_state(
        State.TRIAGE,
        support_user,
        summary="Rezept druckt nicht",
        description="Beim Kassenrezept passiert nach dem Klick auf Drucken nichts.",
    )
    log_in(page, live_server, support_user)
    page.goto(f"{live_server.url}/tickets/{ticket.pk}/")

    panel = page.get_by_role("region", name="Bekannte Lösungen")
    suggestion = panel.get_by_role("listitem").filter(has_text=target.title)
    suggestion.get_by_role("link", name="Diese Lösung übernehmen").click()

    fix = step(page, "fix_immediately")
    expect(fix).to_have_attribute("open", "")
    expect(fix.get_by_label("Art der Lösung")).to_have_value("known_workaround")
    text = fix.get_by_role("textbox", name="Lösung", exact=True)
    expect(text).to_have_value(STEPS)
    text.press("Control+End")
    text.type("\n4. Mit Frau Beispiel am Telefon geprüft: druckt wieder.")
    fix.get_by_role("button", name="Sofortlösung").click()
    expect_state(page, "Sofortlösung")

    ticket.refresh_from_db()
    assert ticket.known_solution_id == target.pk
    adapted = ticket.solution.replace("\r\n", "\n")  # a browser sends a textarea's lines with CRLF
    assert adapted == STEPS + "\n4. Mit Frau Beispiel am Telefon geprüft: druckt wieder."
