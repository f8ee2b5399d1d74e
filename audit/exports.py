"""The audit trail as CSV and PDF, and the per-ticket audit report (DESIGN §6, §7).

CSV: streamed line by line from audit_entries(), which reads the database CHUNK_SIZE rows at a
time, so memory stays flat however long the trail is. UTF-8 with a byte order mark and ";" as the
delimiter, so a German Excel opens it by double-click with umlauts intact.

PDF: built in memory by fpdf2 (a PDF needs its page count before it is written), so a trail PDF
holds at most PDF_ROW_LIMIT rows and says so when the filter matched more.
fpdf2's core fonts are Latin-1: characters outside it are replaced (→ becomes ->).
"""

import itertools

from django.apps import apps
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from fpdf import FPDF

from accounts.users import display_name
from audit.chain import event_models, verify_events, verify_model
from audit.selectors import AuditFilter, audit_entries, sources
from supportdesk.spreadsheets import cell

PDF_ROW_LIMIT = 10_000  # measured: about 10 s and 1,100 pages; more belongs in the CSV


def local(moment) -> str:
    return timezone.localtime(moment).strftime("%d.%m.%Y %H:%M:%S") if moment else "—"


# ---- CSV ------------------------------------------------------------------------------------


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


def csv_rows(f: AuditFilter):
    """The filtered trail as CSV rows, newest first, read from the database a chunk at a time."""
    yield csv_header()
    for entry in audit_entries(f):
        yield [cell(value) for value in csv_row(entry)]


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
            "who": display_name(by),
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


def verdict(problem) -> str:
    return _("intakt") if problem is None else _("GEBROCHEN: %(problem)s") % {"problem": problem}


def chain_results(checks) -> list[tuple[str, str]]:
    """(what, result) per model: 'intakt' or the first bad row (R11)."""
    results = []
    for model, object_ids in checks:
        results.append((str(model._meta.verbose_name_plural), verdict(verify_model(model, object_ids))))
    return results


def chain_section(pdf: ReportPDF, results, *, events: bool = False):
    """The chains of the exported history rows, and with sign-in or export events their logs' chains
    (R19: each log is a hash chain of its own)."""
    pdf.heading(_("Prüfung der Hash-Kette (verify_audit_trail)"))
    if events:
        results = results + [
            (str(model._meta.verbose_name_plural), verdict(verify_events(model))) for model in event_models()
        ]
    if not results:
        pdf.line_text(_("Keine Historienzeilen im Export, nichts zu prüfen."))
    pdf.pairs(results)


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
