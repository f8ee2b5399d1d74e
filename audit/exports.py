"""The audit trail as CSV and PDF, and the per-ticket audit report (DESIGN §6, §7).

CSV: streamed line by line from audit_entries(), which reads the database CHUNK_SIZE rows at a
time, so memory stays flat however long the trail is. UTF-8 with a byte order mark and ";" as the
delimiter, so a German Excel opens it by double-click with umlauts intact.

PDF: built in memory by fpdf2 (a PDF needs its page count before it is written), so a trail PDF
holds at most PDF_ROW_LIMIT rows and says so when the filter matched more.
fpdf2's core fonts are Latin-1: characters outside it are replaced (→ becomes ->).
"""

import csv
import itertools

from django.apps import apps
from django.contrib.auth import get_user_model
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from fpdf import FPDF

from audit.chain import verify_model
from audit.selectors import NOT_SHOWN, AuditFilter, audit_entries, field_label, sources
from tickets.models import RiskReview, Ticket
from tickets.selectors import display_value, user_name

PDF_ROW_LIMIT = 10_000  # measured: about 10 s and 1,100 pages; more belongs in the CSV
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def local(moment) -> str:
    return timezone.localtime(moment).strftime("%d.%m.%Y %H:%M:%S") if moment else "—"


# ---- CSV ------------------------------------------------------------------------------------


class Echo:
    """A file whose write() hands the line back, so csv.writer feeds a generator."""

    def write(self, value):
        return value


def cell(value) -> str:
    """No cell starts like a spreadsheet formula (CSV injection)."""
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def csv_header() -> list[str]:
    return [
        _("Zeitpunkt"),
        _("Benutzer"),
        _("Art"),
        _("Objekt"),
        _("Vorgang"),
        _("Grund"),
        _("Grund (Code)"),
        _("Änderungen (alt → neu)"),
        _("Details"),
        _("Tabelle"),
        _("Zeilen-ID"),
    ]


def csv_row(entry) -> list[str]:
    return [
        timezone.localtime(entry.at).isoformat(timespec="seconds"),
        entry.who,
        entry.kind_label,
        entry.object_label,
        entry.ticket_number,
        entry.reason,
        entry.reason_code,
        "\n".join(entry.changes_text()),
        entry.details,
        entry.key,
        str(entry.row_id),
    ]


def csv_lines(f: AuditFilter):
    """The filtered trail as CSV lines, newest first; the first line starts with the BOM."""
    writer = csv.writer(Echo(), delimiter=";")
    yield "\ufeff" + writer.writerow(csv_header())
    for entry in audit_entries(f):
        yield writer.writerow([cell(value) for value in csv_row(entry)])


# ---- PDF ------------------------------------------------------------------------------------

LATIN1 = str.maketrans(
    {
        "→": "->",
        "—": "-",
        "–": "-",
        "„": '"',
        "“": '"',
        "”": '"',
        "‚": "'",
        "‘": "'",
        "’": "'",
        "…": "...",
        "€": "EUR",
    }
)


def latin(text) -> str:
    return str(text).translate(LATIN1).encode("latin-1", "replace").decode("latin-1")


class ReportPDF(FPDF):
    def __init__(self, title: str, *, by, orientation: str = "P"):
        super().__init__(orientation=orientation, unit="mm", format="A4")
        self.report_title = title
        self.created = _("erstellt am %(at)s von %(who)s (%(username)s)") % {
            "at": local(timezone.now()),
            "who": user_name(by),
            "username": by.get_username(),
        }
        self.set_margins(14, 14, 14)
        self.alias_nb_pages("{seiten}")  # wide enough for five-digit page counts
        self.set_auto_page_break(True, margin=16)
        self.set_title(latin(title))
        self.set_creator("supportdesk")

    def header(self):
        if self.page_no() > 1:
            self.set_font("Helvetica", "", 8)
            self.set_text_color(90)
            self.cell(0, 5, latin(f"supportdesk · {self.report_title}"), new_x="LMARGIN", new_y="NEXT")
            self.set_text_color(0)
            self.ln(2)

    def footer(self):
        self.set_y(-12)
        self.set_font("Helvetica", "", 8)
        self.set_text_color(90)
        self.cell(0, 5, latin(self.created), align="L")
        self.set_x(self.l_margin)
        pages = _("Seite %(page)s von %(pages)s") % {"page": self.page_no(), "pages": "{seiten}"}
        self.cell(0, 5, latin(pages), align="R")
        self.set_text_color(0)

    def heading(self, text, size=12):
        self.ln(2)
        self.set_font("Helvetica", "B", size)
        self.multi_cell(0, size * 0.5, latin(text), new_x="LMARGIN", new_y="NEXT")
        self.ln(1)

    def line_text(self, text, *, bold=False, indent=0.0, size=9):
        self.set_font("Helvetica", "B" if bold else "", size)
        self.set_x(self.l_margin + indent)
        text, height = latin(text), size * 0.48
        # multi_cell's line breaking is slow; most lines fit on one line and take the fast cell().
        if "\n" not in text and self.get_string_width(text) < self.epw - indent - 1:
            self.cell(0, height, text, new_x="LMARGIN", new_y="NEXT")
        else:
            self.multi_cell(0, height, text, new_x="LMARGIN", new_y="NEXT")

    def pairs(self, rows):
        for label, value in rows:
            self.line_text(f"{label}: {value}")

    def entry(self, entry):
        top = [local(entry.at), entry.who, entry.kind_label, entry.object_label]
        if entry.ticket_number and entry.ticket_number not in entry.object_label:
            top.append(_("Vorgang %(number)s") % {"number": entry.ticket_number})
        self.line_text(" · ".join(top), bold=True)
        if entry.reason:
            self.line_text(_("Grund: %(reason)s") % {"reason": entry.reason}, indent=4)
        for text in entry.changes_text(" -> "):
            self.line_text(text, indent=4)
        if entry.details:
            self.line_text(entry.details, indent=4)
        self.set_draw_color(200)
        self.line(self.l_margin, self.get_y() + 1, self.w - self.r_margin, self.get_y() + 1)
        self.ln(2)


def pdf_response(pdf: FPDF) -> HttpResponse:
    return HttpResponse(bytes(pdf.output()), content_type="application/pdf")


def chain_results(checks) -> list[tuple[str, str]]:
    """(what, result) per model: 'intakt' or the first bad row (R11)."""
    results = []
    for model, object_ids in checks:
        problem = verify_model(model, object_ids)
        verdict = _("intakt") if problem is None else _("GEBROCHEN: %(problem)s") % {"problem": problem}
        results.append((str(model._meta.verbose_name_plural), verdict))
    return results


def chain_section(pdf: ReportPDF, results, *, events: bool = False):
    pdf.heading(_("Prüfung der Hash-Kette (verify_audit_trail)"))
    if not results:
        pdf.line_text(_("Keine Historienzeilen im Export, nichts zu prüfen."))
    pdf.pairs(results)
    if events:
        pdf.line_text(
            _(
                "Anmelde- und Exportereignisse sind nicht hash-verkettet; auf PostgreSQL verweigert die "
                "Datenbank das Ändern und Löschen dieser Zeilen."
            )
        )


def trail_pdf(f: AuditFilter, *, by) -> ReportPDF:
    """The filtered trail as a report: header, the verification result, the rows (at most PDF_ROW_LIMIT)."""
    entries = list(itertools.islice(audit_entries(f), PDF_ROW_LIMIT + 1))
    truncated = len(entries) > PDF_ROW_LIMIT
    entries = entries[:PDF_ROW_LIMIT]
    history_keys = {s.key for s in sources() if s.kind == "history"}
    keys = sorted({entry.key for entry in entries} & history_keys)
    results = chain_results([(apps.get_model(key), None) for key in keys])

    pdf = ReportPDF(_("Audit-Trail"), by=by, orientation="L")
    pdf.add_page()
    pdf.heading(_("Audit-Trail"), size=16)
    pdf.line_text(pdf.created)
    pdf.pairs([(_("Filter"), f.describe()), (_("Zeilen"), len(entries))])
    intact = all(verdict == _("intakt") for _what, verdict in results)
    pdf.line_text(
        _("Hash-Kette der exportierten Tabellen: %(result)s")
        % {"result": _("intakt") if intact else _("GEBROCHEN, siehe Prüfung am Ende")},
        bold=True,
    )
    note = _(
        "Der Filter trifft mehr als %(limit)s Zeilen; dieses PDF enthält nur die neuesten %(limit)s. "
        "Bitte den Filter eingrenzen (z. B. den Zeitraum) oder den CSV-Export verwenden, "
        "der alle Zeilen enthält."
    ) % {"limit": f"{PDF_ROW_LIMIT:,}".replace(",", ".")}
    if truncated:
        pdf.line_text(note, bold=True)
    pdf.heading(_("Einträge (neueste zuerst)"))
    for entry in entries:
        pdf.entry(entry)
    if truncated:
        pdf.line_text(note, bold=True)
    chain_section(pdf, results, events=any(entry.key not in history_keys for entry in entries))
    return pdf


# ---- the per-ticket report ------------------------------------------------------------------

TICKET_FACTS_SKIPPED = NOT_SHOWN | {"number", "audit_head"}


def ticket_facts(ticket) -> list[tuple[str, str]]:
    facts = [(_("Status"), ticket.get_state_display())]
    for f in Ticket._meta.concrete_fields:
        if f.attname in TICKET_FACTS_SKIPPED or f.name.endswith("_e164") or f.name == "state":
            continue
        value = getattr(ticket, f.attname)
        if f.is_relation:
            related = getattr(ticket, f.name) if value is not None else None
            shown = user_name(related) if isinstance(related, get_user_model()) else (related or "—")
        else:
            shown = display_value(f, value, {})
        facts.append((field_label(f), shown))
    return facts


def review_lines(review) -> list[tuple[str, str]]:
    lines = [
        (_("angefordert"), f"{local(review.created_at)} · {user_name(review.requested_by)}"),
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
    pdf.heading(_("Verlauf: jede Historienzeile des Vorgangs und seiner Datensätze (älteste zuerst)"))
    for entry in audit_entries(AuditFilter(ticket=ticket, history_only=True), oldest_first=True):
        pdf.entry(entry)
    chain_section(pdf, results)
    return pdf
