"""The report's tables and charts, built from reports.figures; each table is also a CSV download."""

import datetime
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import cached_property

from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from reports import figures, periods, svg
from solutions.models import KnownSolution
from tickets.models import Category, RiskReview, State
from vendor.models import ProgramRequest

NOT_TRIAGED = gettext_lazy("noch nicht geprüft")
DUPLICATES = gettext_lazy("als Duplikat abgeschlossen")
UNKNOWN_VERSION = gettext_lazy("unbekannt")


@dataclass(frozen=True)
class Column:
    label: str
    kind: str = "text"  # text, longtext, int, percent, duration, days, date, datetime, ticket, solution

    @property
    def csv_label(self) -> str:
        unit = {"duration": _("Stunden"), "days": _("Tage"), "percent": "%"}.get(self.kind)
        return f"{self.label} ({unit})" if unit else str(self.label)

    @property
    def numeric(self) -> bool:
        return self.kind in ("int", "percent", "duration", "days")


@dataclass
class Table:
    slug: str
    title: str
    columns: list[Column]
    rows: list[list]
    footer: list | None = None  # a totals row, same columns
    description: str = ""  # what the figures mean, in words
    note: str = ""  # e.g. that the page shows only part of the rows
    chart: str = ""  # inline SVG drawn from the same numbers

    def body_html(self) -> str:
        """The rows as HTML, built here in one pass: a template loop per cell made a third of the
        page's rendering (860 cells; 25 -> 17 ms at 100,000 tickets)."""
        return mark_safe(
            "".join(
                "<tr>"
                + "".join(
                    cell_html(i == 0, column, as_html(column.kind, value), link(column.kind, value))
                    for i, (column, value) in enumerate(zip(self.columns, row, strict=True))
                )
                + "</tr>"
                for row in self.rows
            )
        )

    def footer_html(self) -> str:
        """The totals row: its first cell is a label, its blank cells stay blank."""
        if not self.footer:
            return ""
        kinds = ["text", *(column.kind for column in self.columns[1:])]
        cells = (
            cell_html(i == 0, column, "" if value == "" else as_html(kind, value))
            for i, ((column, value), kind) in enumerate(zip(self.footer_pairs(), kinds, strict=True))
        )
        return mark_safe(f"<tr>{''.join(cells)}</tr>")

    def footer_pairs(self):
        return zip(self.columns, self.footer, strict=True)

    def csv_rows(self):
        yield [column.csv_label for column in self.columns]
        for row in self.rows:
            yield [as_csv(column.kind, value) for column, value in zip(self.columns, row, strict=True)]
        if self.footer:
            yield [
                as_csv("text" if i == 0 else column.kind, value)
                for i, (column, value) in enumerate(self.footer_pairs())
            ]


# ---- formatting ------------------------------------------------------------------------------------


def decimal(value, places: int) -> str:
    """Rounded half up, in the active language's notation (number_format alone would cut off)."""
    rounded = Decimal(str(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return number_format(rounded, places)


def duration_text(value: datetime.timedelta | None) -> str:
    if value is None:
        return "–"
    minutes = value.total_seconds() / 60
    if minutes < 60:
        return _("%(n)s min") % {"n": decimal(minutes, 0)}
    if minutes < 48 * 60:
        return _("%(n)s Std.") % {"n": decimal(minutes / 60, 1)}
    return _("%(n)s Tage") % {"n": decimal(minutes / 60 / 24, 1)}


def days_text(value) -> str:
    return "–" if value is None else _("%(n)s Tage") % {"n": decimal(value, 1 if value % 1 else 0)}


def percent_text(value) -> str:
    return "–" if value is None else _("%(n)s %%") % {"n": decimal(value * 100, 1)}


HTML_FORMATS = {
    "int": lambda v: number_format(v, force_grouping=True),
    "percent": percent_text,
    "duration": duration_text,
    "days": days_text,
    "date": lambda v: date_format(v, "d.m.Y"),
    "datetime": lambda v: date_format(timezone.localtime(v), "d.m.Y H:i"),
    "ticket": lambda v: v[1],
    "solution": lambda v: v[1],
    "longtext": lambda v: v if len(v) <= 140 else v[:139] + "…",
}


def as_html(kind: str, value) -> str:
    if value is None or value == "":
        return "–"
    return HTML_FORMATS.get(kind, str)(value)


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def as_csv(kind: str, value) -> str:
    if value is None:
        return ""
    if kind in ("text", "longtext") and str(value).startswith(FORMULA_START):
        return "'" + str(value)  # typed text, never a formula in a spreadsheet program
    formatter = {
        "percent": lambda v: decimal(v * 100, 1),
        "duration": lambda v: decimal(v.total_seconds() / 3600, 2),
        "days": lambda v: decimal(v, 1),
        "date": lambda v: v.isoformat(),
        "datetime": lambda v: timezone.localtime(v).isoformat(),
        "ticket": lambda v: v[1],
        "solution": lambda v: v[1],  # "L-12: …": never starts a formula
    }.get(kind, str)
    return formatter(value)


LINKED = {"ticket": "ticket-detail", "solution": "solution-detail"}


def cell_html(first: bool, column: Column, text: str, url: str | None = None) -> str:
    content = f'<a href="{escape(url)}">{escape(text)}</a>' if url else escape(text)
    if first:
        return f'<th scope="row">{content}</th>'
    return f'<td class="numeric">{content}</td>' if column.numeric else f"<td>{content}</td>"


def link(kind: str, value) -> str | None:
    """The page of a ticket or known solution; none for a row without one (a symptom by category)."""
    if kind in LINKED and value and value[0] is not None:
        return reverse(LINKED[kind], args=[value[0]])
    return None


def spread_cells(spread: figures.Spread) -> list:
    return [spread.count, spread.median, spread.p90]


def category_label(value: str) -> str:
    return str(Category(value).label) if value else str(NOT_TRIAGED)


CATEGORIES = [*Category.values, ""]


# ---- the tables ------------------------------------------------------------------------------------


def by_state_category(cohort: figures.Cohort) -> Table:
    columns = [Column(_("Status")), *(Column(category_label(c), "int") for c in CATEGORIES)]
    columns.append(Column(_("Summe"), "int"))
    rows = []
    for state in State:
        counts = [cohort.by_state_category.get((state.value, c), 0) for c in CATEGORIES]
        rows.append([state.label, *counts, sum(counts)])
    duplicates = [cohort.duplicates_by_category.get(c, 0) for c in CATEGORIES]
    rows.append([DUPLICATES, *duplicates, sum(duplicates)])
    totals = [sum(row[i + 1] for row in rows) for i in range(len(CATEGORIES))]
    state_bars = [svg.Group(str(row[0]), (svg.Bar(row[-1], number_format(row[-1])),)) for row in rows]
    category_bars = [
        svg.Group(category_label(c), (svg.Bar(total, number_format(total)),))
        for c, total in zip(CATEGORIES, totals, strict=True)
    ]
    chart = svg.bar_chart(
        chart_id="chart-by-state",
        title=_("Eröffnete Vorgänge nach heutigem Status"),
        description=_(
            "Balkendiagramm: Anzahl der im Zeitraum eröffneten Vorgänge je Status; "
            "die Zahlen stehen auch in der Tabelle."
        ),
        groups=state_bars,
    ) + svg.bar_chart(
        chart_id="chart-by-category",
        title=_("Eröffnete Vorgänge nach Kategorie"),
        description=_(
            "Balkendiagramm: Anzahl der im Zeitraum eröffneten Vorgänge je Kategorie; "
            "die Zahlen stehen auch in der Tabelle."
        ),
        groups=category_bars,
    )
    return Table(
        slug="by-state-category",
        title=_("Eröffnete Vorgänge nach Status und Kategorie"),
        columns=columns,
        rows=rows,
        footer=[_("Summe"), *totals, sum(totals)],
        description=_(
            "Vorgänge, deren Anruf im Zeitraum einging, nach ihrem heutigen Status und ihrer "
            "Kategorie aus der Prüfung. Als Duplikat abgeschlossene Vorgänge stehen in einer eigenen "
            "Zeile, nicht bei „Abgeschlossen“: Gezählt wird der Fall bei dem Vorgang, den sie doppeln."
        ),
        chart=chart,
    )


def first_call(cohort: figures.Cohort) -> Table:
    keys = ("opened", "decided", "first_call", "reopened_after_fix", "escalated")
    columns = [
        Column(_("Kategorie")),
        Column(_("eröffnet"), "int"),
        Column(_("entschieden"), "int"),
        Column(_("beim ersten Anruf gelöst"), "int"),
        Column(_("Sofortlösung, später wieder geöffnet"), "int"),
        Column(_("an SIC eskaliert"), "int"),
        Column(_("Erstlösungsquote"), "percent"),
    ]
    rows = []
    for category in CATEGORIES:
        row = cohort.by_category.get(category)
        if row:
            rows.append(
                [
                    category_label(category),
                    *(row[k] for k in keys),
                    figures.rate(row["first_call"], row["decided"]),
                ]
            )
    return Table(
        slug="first-call-resolution",
        title=_("Erstlösungsquote (Lösung beim ersten Anruf)"),
        columns=columns,
        rows=rows,
        footer=[_("Summe"), *(cohort.total(k) for k in keys), cohort.first_call_rate],
        description=_(
            "Von den im Zeitraum eröffneten Vorgängen, über die der Support entschieden hat (Sofortlösung "
            "oder Eskalation an SIC, bis heute), der Anteil, dessen erste Entscheidung die Sofortlösung "
            "direkt aus der Prüfung war – also ohne SIC – und der danach nie wieder geöffnet wurde. Als "
            "Duplikat abgeschlossene Vorgänge zählen nicht mit."
        ),
    )


def time_to_close(closes: figures.Closes) -> Table:
    rows = [[label, *spread_cells(closes.by_path[path])] for path, label in figures.Path.choices]
    in_days = any(
        spread.p90 and spread.p90 >= datetime.timedelta(days=2) for spread in closes.by_path.values()
    )
    unit = datetime.timedelta(days=1) if in_days else datetime.timedelta(hours=1)
    chart = svg.bar_chart(
        chart_id="chart-time-to-close",
        title=_("Zeit bis zum Abschluss je Weg"),
        description=(
            _(
                "Balkendiagramm in Tagen: Median und 90. Perzentil der Zeit vom Anruf bis zum Abschluss "
                "je Weg."
            )
            if in_days
            else _(
                "Balkendiagramm in Stunden: Median und 90. Perzentil der Zeit vom Anruf bis zum "
                "Abschluss je Weg."
            )
        ),
        groups=[
            svg.Group(
                f"{label} (n = {closes.by_path[path].count})",
                (
                    bar(_("Median"), closes.by_path[path].median, unit),
                    bar(_("90. Perzentil"), closes.by_path[path].p90, unit),
                ),
            )
            for path, label in figures.Path.choices
        ],
        series=[_("Median"), _("90. Perzentil")],
    )
    return Table(
        slug="time-to-close",
        title=_("Zeit bis zum Abschluss je Weg"),
        columns=[
            Column(_("Weg")),
            Column(_("Abschlüsse"), "int"),
            Column(_("Median"), "duration"),
            Column(_("90. Perzentil"), "duration"),
        ],
        rows=rows,
        footer=[_("alle Wege"), *spread_cells(closes.overall)],
        description=_(
            "Jeder Abschluss im Zeitraum, gemessen vom Anruf bis zum Abschluss. Der Weg ergibt sich aus "
            "der Historie: der Status vor dem Abschluss, und bei einer Sofortlösung, ob der Vorgang in "
            "Prüfung (Support) oder bei SIC war. Median: der mittlere Wert; 90. Perzentil: der kleinste "
            "Wert, den mindestens 90 % der Abschlüsse nicht überschreiten. Abschlüsse von als Duplikat "
            "abgeschlossenen Vorgängen zählen nicht (der Abschluss als Duplikat ist kein Abschluss)."
        ),
        chart=chart,
    )


def bar(series: str, value: datetime.timedelta | None, unit: datetime.timedelta) -> svg.Bar:
    return svg.Bar(value / unit if value else 0, f"{series}: {duration_text(value)}")


def overdue(count: int, tickets, today: datetime.date, complete: bool) -> Table:
    rows = [
        [
            (t.pk, t.number),
            t.customer.name,
            t.summary,
            t.get_state_display(),
            t.program_request.vendor_reference if t.program_request else "",
            t.follow_up_date,
            (today - t.follow_up_date).days,
        ]
        for t in tickets
    ]
    note = ""
    if not complete and count > len(rows):
        note = _("Die ältesten %(shown)d von %(count)d; alle stehen in der CSV-Datei.") % {
            "shown": len(rows),
            "count": count,
        }
    return Table(
        slug="overdue-follow-ups",
        title=_("Überfällige Wiedervorlagen (Stand heute)"),
        columns=[
            Column(_("Vorgang"), "ticket"),
            Column(_("Kunde")),
            Column(_("Betreff")),
            Column(_("Status")),
            Column(_("Programmwunsch")),
            Column(_("Wiedervorlage"), "date"),
            Column(_("Tage überfällig"), "int"),
        ],
        rows=rows,
        description=_(
            "Vorgänge bei SIC oder im Programmwunsch, deren Wiedervorlage vor heute lag und bei denen "
            "noch nicht nachgefragt wurde (heute fällige zählen noch nicht als überfällig). Unabhängig "
            "vom Zeitraum."
        ),
        note=note,
    )


def known_solutions(usage: figures.SolutionUsage, complete: bool) -> Table:
    kinds, states = dict(KnownSolution.Kind.choices), dict(KnownSolution.State.choices)
    rows = [
        [
            (row["id"], f"L-{row['id']}: {row['title']}"),
            kinds.get(row["kind"], row["kind"]),
            states.get(row["status"], row["status"]),
            row["calls"],
            figures.rate(row["calls"], usage.calls),
        ]
        for row in usage.rows
    ]
    note = ""
    if not complete and not usage.shown_all:
        note = _(
            "Die %(shown)d häufigsten von %(count)d verwendeten bekannten Lösungen; "
            "alle stehen in der CSV-Datei."
        ) % {"shown": len(rows), "count": usage.solutions}
    return Table(
        slug="known-solutions",
        title=_("Bekannte Lösungen, die die meisten Anrufe lösen"),
        columns=[
            Column(_("Bekannte Lösung"), "solution"),
            Column(_("Art")),
            Column(_("Status (heute)")),
            Column(_("Anrufe gelöst"), "int"),
            Column(_("Anteil"), "percent"),
        ],
        rows=rows,
        footer=[_("alle bekannten Lösungen"), "", "", usage.calls, None],
        description=_(
            "Vorgänge, deren Anruf im Zeitraum einging und die mit einer übernommenen bekannten Lösung "
            "sofort gelöst wurden (Stand heute), je bekannter Lösung, die häufigste zuerst. Anteil: an "
            "allen im Zeitraum mit einer bekannten Lösung gelösten Anrufen. Als Duplikat abgeschlossene "
            "Vorgänge zählen nicht."
        ),
        note=note,
    )


def risk_events(events: figures.RiskEvents, complete: bool) -> Table:
    rows = [
        [
            (r.ticket_id, r.ticket.number),
            r.ticket.customer.name,
            r.created_at,
            r.risk_description,
            r.get_state_display(),
            r.get_decision_display() if r.decision else "",
            r.signer_name,
            r.signed_at,
        ]
        for r in events.reviews
    ]
    return Table(
        slug="risk-events",
        title=_("Risikorelevante Ereignisse"),
        columns=[
            Column(_("Vorgang"), "ticket"),
            Column(_("Kunde")),
            Column(_("gemeldet"), "datetime"),
            Column(_("gemeldetes Risiko"), "longtext"),
            Column(_("Bewertung")),
            Column(_("Entscheidung")),
            Column(_("unterschrieben von")),
            Column(_("unterschrieben am"), "datetime"),
        ],
        rows=rows,
        description=_(
            "Jede im Zeitraum angeforderte Bewertung durch die Geschäftsleitung ist ein risikorelevantes "
            "Ereignis (bei der Prüfung oder später als risikorelevant gemeldet)."
        ),
        note=""
        if complete or events.count <= len(rows)
        else _("Die ersten %(shown)d von %(count)d; alle stehen in der CSV-Datei.")
        % {"shown": len(rows), "count": events.count},
    )


def risk_decisions(events: figures.RiskEvents) -> Table:
    labels = {"pending": _("noch nicht bewertet"), **dict(RiskReview.Decision.choices)}
    rows = [[labels[key], count] for key, count in events.by_decision.items()]
    return Table(
        slug="risk-decisions",
        title=_("Entscheidungen der Geschäftsleitung"),
        columns=[Column(_("Entscheidung")), Column(_("Ereignisse"), "int")],
        rows=rows,
        footer=[_("Summe"), events.count],
        description=_(
            "Die risikorelevanten Ereignisse des Zeitraums nach der unterschriebenen Entscheidung."
        ),
    )


def sic_first_answer(answers: figures.FirstAnswers) -> Table:
    rows = [[label, *spread_cells(answers.by_answer[key])] for key, label in figures.ANSWERS.items()]
    rows.append([_("noch ohne Antwort (Wartezeit bis jetzt)"), *spread_cells(answers.waiting)])
    return Table(
        slug="sic-first-answer",
        title=_("Zeit bis zur ersten Antwort von SIC"),
        columns=[
            Column(_("Antwort")),
            Column(_("Eskalationen"), "int"),
            Column(_("Median"), "duration"),
            Column(_("90. Perzentil"), "duration"),
        ],
        rows=rows,
        footer=[_("alle beantworteten"), *spread_cells(answers.answered)],
        description=_(
            "Jede Eskalation an SIC im Zeitraum, gemessen bis zum nächsten Schritt aus „Bei SIC“ heraus: "
            "Sofortlösung von SIC oder Einstufung als Programmwunsch. Eine Nachfrage bei der Wiedervorlage "
            "ist keine Antwort von SIC. Eskalationen von Vorgängen, die später als Duplikat abgeschlossen "
            "wurden, zählen nicht (der andere Vorgang trägt den Fall)."
        ),
    )


def program_request_decisions(decisions: figures.Decisions) -> Table:
    def cells(row):
        return [
            row["decided"],
            row["realized"],
            row["rejected"],
            figures.rate(row["rejected"], row["decided"]),
            row["release"].median,
            row["release"].p90,
        ]

    rows = [[label, *cells(decisions.by_kind[kind])] for kind, label in ProgramRequest.Kind.choices]
    total = {
        "decided": decisions.total("decided"),
        "realized": decisions.total("realized"),
        "rejected": decisions.total("rejected"),
        "release": decisions.release,
    }
    return Table(
        slug="program-request-decisions",
        title=_("Entscheidungen von SIC über Programmwünsche"),
        columns=[
            Column(_("Art")),
            Column(_("entschieden"), "int"),
            Column(_("realisiert"), "int"),
            Column(_("abgelehnt"), "int"),
            Column(_("Ablehnungsquote"), "percent"),
            Column(_("Median bis zur Auslieferung"), "days"),
            Column(_("90. Perzentil bis zur Auslieferung"), "days"),
        ],
        rows=rows,
        footer=[_("Summe"), *cells(total)],
        description=_(
            "Programmwünsche, deren Entscheidung (realisiert oder abgelehnt) im Zeitraum erfasst wurde. "
            "Zeit bis zur Auslieferung: vom Tag des Programmwunsches bis zum Tag der Realisierung, in Tagen. "
            "Ablehnungsquote: abgelehnt / entschieden."
        ),
    )


def open_program_requests(table: dict) -> Table:
    rows = [[label, *table[kind], sum(table[kind])] for kind, label in ProgramRequest.Kind.choices]
    totals = [sum(row[i + 1] for row in rows) for i in range(len(figures.AGE_BUCKETS) + 1)]
    return Table(
        slug="open-program-requests",
        title=_("Offene Programmwünsche nach Art und Alter (Stand heute)"),
        columns=[
            Column(_("Art")),
            *(Column(str(label), "int") for _limit, label in figures.AGE_BUCKETS),
            Column(_("Summe"), "int"),
        ],
        rows=rows,
        footer=[_("Summe"), *totals],
        description=_(
            "Programmwünsche, über die SIC noch nicht entschieden hat, nach Tagen seit ihrer Erfassung."
        ),
    )


def sic_inquiries(asked: figures.Inquiries, complete: bool) -> Table:
    return Table(
        slug="sic-inquiries",
        title=_("Wiedervorlagen, die SIC verstreichen ließ"),
        columns=[
            Column(_("Vorgang"), "ticket"),
            Column(_("Betreff")),
            Column(_("Programmwunsch")),
            Column(_("Nachfragen"), "int"),
        ],
        rows=[
            [(row["ticket_id"], row["number"]), row["summary"], row["vendor_reference"], row["count"]]
            for row in asked.rows
        ],
        footer=[_("Summe"), "", "", asked.count],
        description=_(
            "Nachfragen bei SIC im Zeitraum (Schritt „Wiedervorlage: bei SIC nachgefragt“ oder ein als "
            "Nachfrage erfasster Kontakt): SIC hatte sich nicht gemeldet, der Support musste fragen. "
            "Meldungen, mit denen SIC sich von selbst meldete, zählen nicht dazu. Die Vorgänge mit den "
            "meisten Nachfragen zuerst."
        ),
        note=""
        if complete or asked.tickets <= len(asked.rows)
        else _(
            "Die %(shown)d Vorgänge mit den meisten Nachfragen von %(count)d; alle stehen in der CSV-Datei."
        )
        % {"shown": len(asked.rows), "count": asked.tickets},
    )


def sic_contacts(contacts: figures.SicContacts) -> Table:
    kinds = figures.CONTACT_KINDS

    def cells(row):
        return [*(row[kind] for kind in kinds), figures.SicContacts.share(row)]

    return Table(
        slug="sic-contacts",
        title=_("Kontakte mit SIC: von selbst gemeldet oder nachgefragt"),
        columns=[
            Column(_("Monat")),
            Column(_("SIC meldete sich von selbst"), "int"),
            Column(_("Nachfragen bei SIC"), "int"),
            Column(_("sonstige Kontakte"), "int"),
            Column(_("Anteil von selbst"), "percent"),
        ],
        rows=[[date_format(month, "F Y"), *cells(row)] for month, row in contacts.by_month.items()],
        footer=[_("Summe"), *cells(contacts.totals)],
        description=_(
            "Kontakte mit SIC im Zeitraum nach Monat: Meldungen, mit denen SIC sich von selbst meldete "
            "(Art „Meldung von SIC“), getrennt von unseren Nachfragen (Art „Nachfrage“, meist bei der "
            "Wiedervorlage) und sonstigen Kontakten; die Eskalation selbst zählt hier nicht. Anteil von "
            "selbst: Meldungen von SIC / (Meldungen von SIC + Nachfragen)."
        ),
    )


# ---- complaints (ISO 13485 §8.2.2 / §8.4) ---------------------------------------------------------------


def complaint_note(c: figures.Complaints) -> str:
    if not c.duplicates:
        return ""
    return _(
        "%(count)d weitere als Duplikat abgeschlossene Beanstandungen zählen hier nicht mit: Sie sind "
        "bei dem Vorgang gezählt, den sie doppeln."
    ) % {"count": c.duplicates}


def share_column() -> Column:
    return Column(_("Anteil"), "percent")


def complaints_by_month(c: figures.Complaints) -> Table:
    columns = [Column(_("Monat")), *(Column(category_label(cat), "int") for cat in CATEGORIES)]
    columns.append(Column(_("Summe"), "int"))
    rows = []
    for month, counts in c.by_month.items():
        cells = [counts.get(cat, 0) for cat in CATEGORIES]
        rows.append([date_format(month, "F Y"), *cells, sum(cells)])
    totals = [c.by_category.get(cat, 0) for cat in CATEGORIES]
    chart = svg.bar_chart(
        chart_id="chart-complaints-by-month",
        title=_("Beanstandungen je Monat"),
        description=_(
            "Zeitreihe als Balkendiagramm: Anzahl der Beanstandungen je Monat des Zeitraums, der älteste "
            "Monat oben; die Zahlen je Kategorie stehen in der Tabelle."
        ),
        groups=[svg.Group(str(row[0]), (svg.Bar(row[-1], number_format(row[-1])),)) for row in rows],
    )
    return Table(
        slug="complaints-by-month",
        title=_("Beanstandungen je Monat und Kategorie"),
        columns=columns,
        rows=rows,
        footer=[_("Summe"), *totals, sum(totals)],
        description=_(
            "Vorgänge, deren letzte Bewertung als Beanstandung „ja“ lautet (R15; eine spätere Bewertung "
            "ersetzt die frühere), nach dem Monat, in dem die Meldung einging (Eingang, sonst der Anruf; "
            "Europe/Berlin), und nach Kategorie."
        ),
        note=complaint_note(c),
        chart=chart,
    )


def shares(pairs, total: int) -> list[list]:
    return [[label, count, figures.rate(count, total)] for label, count in pairs]


def complaints_by_category(c: figures.Complaints) -> Table:
    counts = c.by_category
    pairs = [(category_label(cat), counts.get(cat, 0)) for cat in CATEGORIES if cat or counts.get(cat)]
    return Table(
        slug="complaints-by-category",
        title=_("Beanstandungen nach Kategorie"),
        columns=[Column(_("Kategorie")), Column(_("Beanstandungen"), "int"), share_column()],
        rows=shares(pairs, c.total),
        footer=[_("Summe"), c.total, None],
        description=_("Die Beanstandungen des Zeitraums nach der Kategorie aus der Prüfung."),
        note=complaint_note(c),
    )


def complaints_by_customer(c: figures.Complaints, complete: bool) -> Table:
    pairs = [(row["name"], row["count"]) for row in c.customers]
    if c.other_customers:
        pairs.append((_("übrige Kunden"), c.other_customers))
    return Table(
        slug="complaints-by-customer",
        title=_("Beanstandungen nach Kunde"),
        columns=[Column(_("Kunde")), Column(_("Beanstandungen"), "int"), share_column()],
        rows=shares(pairs, c.total),
        footer=[_("Summe"), c.total, None],
        description=_(
            "Die Kunden mit den meisten Beanstandungen im Zeitraum, die meisten zuerst; auf der Seite die "
            "ersten %(shown)d, die übrigen zusammengefasst. Die CSV-Datei nennt jeden Kunden."
        )
        % {"shown": figures.COMPLAINT_CUSTOMERS_SHOWN},
        note=complaint_note(c),
    )


def complaints_by_version(c: figures.Complaints) -> Table:
    pairs = [(version or UNKNOWN_VERSION, count) for version, count in c.versions]
    return Table(
        slug="complaints-by-version",
        title=_("Beanstandungen nach SaniVision-Version"),
        columns=[Column(_("SaniVision-Version")), Column(_("Beanstandungen"), "int"), share_column()],
        rows=shares(pairs, c.total),
        footer=[_("Summe"), c.total, None],
        description=_(
            "Die Beanstandungen des Zeitraums nach der SaniVision-Version, die der Anrufer nutzt, die "
            "neueste zuerst; „unbekannt“, wenn sie beim Vorgang nicht erfasst ist."
        ),
        note=complaint_note(c),
    )


def complaints_investigation(c: figures.Complaints) -> Table:
    labels = dict(figures.ComplaintFacts.Investigation.choices)
    pairs = [(labels[key], count) for key, count in c.by_investigation.items()]
    return Table(
        slug="complaints-investigation",
        title=_("Beanstandungen nach Untersuchung"),
        columns=[Column(_("Untersuchung")), Column(_("Beanstandungen"), "int"), share_column()],
        rows=shares(pairs, c.total),
        footer=[_("Summe"), c.total, None],
        description=_(
            "Stand heute: untersucht (mit Ergebnis bzw. Ursache), begründet nicht untersucht, oder die "
            "Untersuchung ist noch offen (vor dem Abschluss muss sie entschieden sein)."
        ),
        note=complaint_note(c),
    )


CHART_LABEL = 40  # characters of a bar's label that fit left of the chart; the table has it all


def shortened(text: str) -> str:
    return text if len(text) <= CHART_LABEL else text[: CHART_LABEL - 1] + "…"


def complaints_pareto(c: figures.Complaints, complete: bool) -> Table:
    rows, cumulative = [], 0
    for row in c.symptoms:
        cumulative += row["count"]
        if row["solution_id"]:
            symptom, kind = (
                (row["solution_id"], f"L-{row['solution_id']}: {row['title']}"),
                _("bekannte Lösung"),
            )
        else:
            symptom, kind = (None, category_label(row["category"])), _("Kategorie")
        rows.append(
            [
                symptom,
                kind,
                row["count"],
                figures.rate(row["count"], c.total),
                figures.rate(cumulative, c.total),
            ]
        )
    chart = svg.bar_chart(
        chart_id="chart-complaints-pareto",
        title=_("Pareto der Beanstandungen nach Symptom"),
        description=_(
            "Balkendiagramm: Beanstandungen je Symptom, das häufigste oben, mit dem kumulierten Anteil "
            "als Text; die Zahlen stehen auch in der Tabelle."
        ),
        groups=[
            svg.Group(
                shortened(row[0][1]),
                (
                    svg.Bar(
                        row[2],
                        _("%(count)s (kumuliert %(share)s)")
                        % {"count": number_format(row[2]), "share": percent_text(row[4])},
                    ),
                ),
            )
            for row in rows
        ],
    )
    note = ""
    if not complete and c.symptom_kinds > len(rows):
        note = _("Die %(shown)d häufigsten von %(count)d Symptomen; alle stehen in der CSV-Datei.") % {
            "shown": len(rows),
            "count": c.symptom_kinds,
        }
    return Table(
        slug="complaints-pareto",
        title=_("Pareto der Beanstandungen nach Symptom bzw. bekannter Lösung"),
        columns=[
            Column(_("Symptom"), "solution"),
            Column(_("Art")),
            Column(_("Beanstandungen"), "int"),
            share_column(),
            Column(_("kumulierter Anteil"), "percent"),
        ],
        rows=rows,
        footer=[_("Summe"), "", c.total, None, None],
        description=_(
            "Bewusst einfach: Symptom ist der Titel der bekannten Lösung, mit der der Vorgang gelöst wurde, "
            "sonst seine Kategorie. Das häufigste zuerst; der kumulierte Anteil zeigt, welche wenigen "
            "Symptome die meisten Beanstandungen ausmachen."
        ),
        note=" ".join(part for part in (note, complaint_note(c)) if part),
        chart=chart,
    )


class Figures:
    """The figures of one period, each read from the database when a table first needs it."""

    def __init__(self, period: periods.Period, now: datetime.datetime, complete: bool):
        self.period, self.now, self.complete = period, now, complete
        self.today = timezone.localdate(now)

    def limit(self, shown: int) -> int | None:
        return None if self.complete else shown

    @cached_property
    def cohort(self):
        return figures.opened_tickets(self.period)

    @cached_property
    def closes(self):
        return figures.closes(self.period)

    @cached_property
    def overdue(self):
        return figures.overdue_follow_ups(self.today, self.limit(figures.OVERDUE_SHOWN))

    @cached_property
    def events(self):
        return figures.risk_events(self.period, self.limit(figures.RISK_EVENTS_SHOWN))

    @cached_property
    def answers(self):
        return figures.first_answers(self.period, self.now)

    @cached_property
    def decisions(self):
        return figures.program_request_decisions(self.period)

    @cached_property
    def inquiries(self):
        return figures.inquiries(self.period, self.limit(figures.INQUIRIES_SHOWN))

    @cached_property
    def contacts(self):
        return figures.sic_contacts(self.period)

    @cached_property
    def complaints(self):
        return figures.complaints(self.period, self.limit(figures.COMPLAINT_CUSTOMERS_SHOWN))

    @cached_property
    def usage(self):
        return figures.known_solution_usage(self.period, self.limit(figures.KNOWN_SOLUTIONS_SHOWN))


def summary(f: Figures) -> Table:
    pending = f.events.by_decision["pending"]
    rows = [
        [_("Vorgänge eröffnet"), number_format(f.cohort.opened)],
        [_("davon als Duplikat abgeschlossen"), number_format(f.cohort.duplicates)],
        [_("Vorgänge abgeschlossen"), number_format(f.closes.tickets)],
        [_("Erstlösungsquote"), percent_text(f.cohort.first_call_rate)],
        [_("Anrufe mit einer bekannten Lösung gelöst"), number_format(f.usage.calls)],
        [_("Zeit bis zum Abschluss (Median, alle Wege)"), duration_text(f.closes.overall.median)],
        [_("Überfällige Wiedervorlagen (heute)"), number_format(f.overdue[0])],
        [_("Risikorelevante Ereignisse (davon unbewertet)"), f"{f.events.count} ({pending})"],
        [_("Eskalationen an SIC"), number_format(f.answers.escalations)],
        [_("Erste Antwort von SIC (Median)"), duration_text(f.answers.answered.median)],
        [_("Programmwünsche entschieden"), number_format(f.decisions.total("decided"))],
        [_("Ablehnungsquote der Programmwünsche"), percent_text(f.decisions.rejection_rate)],
        [_("Nachfragen bei SIC"), number_format(f.inquiries.count)],
        [_("SIC meldete sich von selbst"), number_format(f.contacts.total(figures.Step.Kind.VENDOR_REPORT))],
        [_("Beanstandungen"), number_format(f.complaints.total)],
        [
            _("Beanstandungen als Duplikat abgeschlossen (nicht mitgezählt)"),
            number_format(f.complaints.duplicates),
        ],
    ]
    return Table(
        slug="summary",
        title=_("Kennzahlen"),
        columns=[Column(_("Kennzahl")), Column(_("Wert"))],
        rows=rows,
        description=_(
            "Zeitraum %(first)s bis %(last)s (Europe/Berlin); die Einzelheiten in den Tabellen unten."
        )
        % {"first": date_format(f.period.first, "d.m.Y"), "last": date_format(f.period.last, "d.m.Y")},
    )


@dataclass
class Report:
    period: periods.Period
    process: list[Table] = field(default_factory=list)  # tickets, for the management review
    supplier: list[Table] = field(default_factory=list)  # the supplier report on SIC
    complaints: list[Table] = field(default_factory=list)  # the complaint trend (ISO 13485 §8.4)
    summary: Table | None = None

    def table(self, slug: str) -> Table | None:
        for table in [self.summary, *self.process, *self.complaints, *self.supplier]:
            if table.slug == slug:
                return table
        return None


# Each table from the figures it needs, in the order of the page.
PROCESS = {
    "by-state-category": lambda f: by_state_category(f.cohort),
    "first-call-resolution": lambda f: first_call(f.cohort),
    "known-solutions": lambda f: known_solutions(f.usage, f.complete),
    "time-to-close": lambda f: time_to_close(f.closes),
    "overdue-follow-ups": lambda f: overdue(*f.overdue, f.today, f.complete),
    "risk-events": lambda f: risk_events(f.events, f.complete),
    "risk-decisions": lambda f: risk_decisions(f.events),
}
SUPPLIER = {
    "sic-first-answer": lambda f: sic_first_answer(f.answers),
    "program-request-decisions": lambda f: program_request_decisions(f.decisions),
    "open-program-requests": lambda f: open_program_requests(figures.open_program_requests(f.today)),
    "sic-contacts": lambda f: sic_contacts(f.contacts),
    "sic-inquiries": lambda f: sic_inquiries(f.inquiries, f.complete),
}
COMPLAINTS = {
    "complaints-by-month": lambda f: complaints_by_month(f.complaints),
    "complaints-by-category": lambda f: complaints_by_category(f.complaints),
    "complaints-by-customer": lambda f: complaints_by_customer(f.complaints, f.complete),
    "complaints-by-version": lambda f: complaints_by_version(f.complaints),
    "complaints-investigation": lambda f: complaints_investigation(f.complaints),
    "complaints-pareto": lambda f: complaints_pareto(f.complaints, f.complete),
}
TABLES = {"summary": summary, **PROCESS, **COMPLAINTS, **SUPPLIER}
SLUGS = tuple(TABLES)


def build(period: periods.Period, now: datetime.datetime) -> Report:
    """Every table of the report page in a fixed number of queries, each list its first rows."""
    f = Figures(period, now, complete=False)
    return Report(
        period=period,
        summary=summary(f),
        process=[table(f) for table in PROCESS.values()],
        complaints=[table(f) for table in COMPLAINTS.values()],
        supplier=[table(f) for table in SUPPLIER.values()],
    )


def complete_table(slug: str, period: periods.Period, now: datetime.datetime) -> Table:
    """One table with all its rows (its CSV download), reading only the figures it needs."""
    return TABLES[slug](Figures(period, now, complete=True))
