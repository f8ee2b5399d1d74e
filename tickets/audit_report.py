"""The audit report of one case (PDF): its facts, every history row of the ticket and its records,
the signatures and the check of their hash chains, for an auditor (DESIGN §6, §7)."""

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _

from accounts.users import display_name
from attachments import selectors as attachment_selectors
from audit.exports import ReportPDF, chain_results, chain_section, local
from audit.history import NOT_SHOWN, Texts, field_label
from audit.selectors import AuditFilter, audit_entries, sources
from tickets import selectors
from tickets.models import RiskReview, Ticket

TICKET_FACTS_SKIPPED = NOT_SHOWN | {"number", "audit_head"}
TEXTS = Texts({})  # the facts name related objects themselves


def ticket_facts(ticket) -> list[tuple[str, str]]:
    facts = [(_("Status"), ticket.get_state_display())]
    for f in Ticket._meta.concrete_fields:
        if f.attname in TICKET_FACTS_SKIPPED or f.name.endswith("_e164") or f.name == "state":
            continue
        value = getattr(ticket, f.attname)
        if f.is_relation:
            related = getattr(ticket, f.name) if value is not None else None
            shown = display_name(related) if isinstance(related, get_user_model()) else (related or "—")
        else:
            shown = TEXTS.value(f, value)
        facts.append((field_label(f), shown))
    return facts


def review_lines(review) -> list[tuple[str, str]]:
    lines = [
        (_("angefordert"), f"{local(review.created_at)} · {display_name(review.requested_by)}"),
        (_("gemeldetes Risiko"), review.risk_description),
        (_("Status"), review.get_state_display()),
    ]
    if review.state == RiskReview.State.SIGNED:
        lines += [
            (_("Unterschrift (Name)"), review.signer_name),
            (_("unterschrieben am"), local(review.signed_at)),
            (_("Bedeutung der Unterschrift"), review.meaning),
            (_("Entscheidung"), review.get_decision_display()),
            (_("Kommentar"), review.comment or "—"),
        ]
    return lines


def complaint_lines(evaluation) -> list[tuple[str, str]]:
    lines = [(_("bewertet"), f"{local(evaluation.evaluated_at)} · {display_name(evaluation.evaluated_by)}")]
    if evaluation.is_complaint:
        lines += [
            (_("Untersuchung"), evaluation.get_investigation_display() or _("noch offen")),
            (_("Ergebnis / Ursache"), evaluation.findings or "—"),
            (_("Begründung, warum nicht untersucht"), evaluation.justification or "—"),
            (_("CAPA"), f"CAPA-{evaluation.capa_id}" if evaluation.capa_id else "—"),
        ]
    return lines


def case_objects(ticket) -> list[tuple[type, list[int]]]:
    """Every audited object of the case, per model, for the chain check."""
    checks = [(Ticket, [ticket.pk])]
    for source in sources():
        if (
            source.kind == "history"
            and source.live is not Ticket
            and "ticket" in {f.name for f in source.live._meta.fields}
        ):
            ids = list(source.live._base_manager.filter(ticket=ticket).values_list("pk", flat=True))
            if ids:
                checks.append((source.live, ids))
    if ticket.program_request_id:
        checks.append((ticket.program_request._meta.model, [ticket.program_request_id]))
    return checks


def ticket_report_pdf(ticket, *, by) -> ReportPDF:
    """The complete record of one case: facts, every history row, signatures, the chain check."""
    title = _("Audit-Bericht Vorgang %(number)s") % {"number": ticket.number}
    results = chain_results(case_objects(ticket))
    intact = all(verdict == _("intakt") for _what, verdict in results)
    pdf = ReportPDF(title, by=by)
    pdf.add_page()
    pdf.heading(title, size=16)
    pdf.line_text(ticket.summary, bold=True, size=11)
    pdf.line_text(pdf.created)
    pdf.line_text(
        _("Hash-Kette aller Datensätze des Vorgangs: %(result)s")
        % {"result": _("intakt") if intact else _("GEBROCHEN, siehe Prüfung am Ende")},
        bold=True,
    )
    pdf.heading(_("Sachverhalt"))
    pdf.pairs(ticket_facts(ticket))
    pdf.heading(_("Bewertungen durch die Geschäftsleitung"))
    reviews = list(ticket.risk_reviews.select_related("requested_by").order_by("created_at", "pk"))
    if not reviews:
        pdf.line_text(_("Keine (der Vorgang wurde nicht als risikorelevant gemeldet)."))
    for number, review in enumerate(reviews, start=1):
        pdf.line_text(_("Bewertung %(n)s") % {"n": number}, bold=True)
        pdf.pairs(review_lines(review))
    pdf.heading(_("Bewertung als Beanstandung (ISO 13485 §8.2.2)"))
    evaluations = list(
        ticket.complaint_evaluations.select_related("evaluated_by").order_by("evaluated_at", "pk")
    )
    if not evaluations:
        pdf.line_text(_("Noch keine."))
    for evaluation in evaluations:
        superseded = evaluation.pk != ticket.complaint_evaluation_id
        pdf.line_text(f"{evaluation}{_(' (ersetzt)') if superseded else ''}", bold=True)
        pdf.pairs(complaint_lines(evaluation))
    links = [
        (str(row["label"]), f"{row['other'].number} {row['other'].summary}")
        for row in selectors.ticket_links(ticket)
    ]
    if links:
        pdf.heading(_("Verknüpfte Vorgänge"))
        pdf.pairs(links)
    if ticket.program_request_id:
        pdf.heading(_("Programmwunsch bei SIC"))
        request = ticket.program_request
        pdf.pairs(
            [
                (_("Referenz bei SIC"), request.vendor_reference),
                (_("Art"), request.get_kind_display()),
                (_("Status"), request.get_state_display()),
                (_("realisiert in Version"), request.realized_release or "—"),
                (_("Begründung der Ablehnung"), request.justification or "—"),
            ]
        )
    pdf.heading(_("Anhänge (Dateiname, Größe, Typ, SHA-256, wer, wann)"))
    files = attachment_selectors.report_rows(ticket)
    if not files:
        pdf.line_text(_("Keine."))
    for number, rows in enumerate(files, start=1):
        pdf.line_text(_("Anhang %(n)s") % {"n": number}, bold=True)
        pdf.pairs(rows)
    pdf.heading(_("Verlauf: jede Historienzeile des Vorgangs und seiner Datensätze (älteste zuerst)"))
    for entry in audit_entries(AuditFilter(scopes={"ticket": ticket}, history_only=True), oldest_first=True):
        pdf.entry(entry)
    chain_section(pdf, results)
    return pdf
