"""Bar charts as inline SVG, drawn on the server: no JavaScript, nothing loaded from elsewhere.

Accessible: the chart is one image (role="img") named by its <title> and described by its <desc>;
every bar carries its number as text, series differ by fill pattern and are named in the text as well,
so colour is never the only signal. The same numbers stand in the table beside each chart.
"""

from dataclasses import dataclass

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

WIDTH = 720
LABEL_MIN, LABEL_MAX = 120, 330  # room for the bar labels on the left
CHAR_WIDTH = 7  # about, at the chart's font size
TEXT_WIDTH = 170  # room for the value text right of the longest bar
BAR_HEIGHT = 18
BAR_GAP = 4
GROUP_GAP = 14
LEGEND_HEIGHT = 26
# Series fills: solid, then hatched, then dotted (all dark enough for contrast against white).
FILLS = ("#0b5cad", "url(#{id}-hatch)", "url(#{id}-dots)")


@dataclass(frozen=True)
class Bar:
    """One bar: its length in the chart's unit and the text written beside it."""

    value: float
    text: str


@dataclass(frozen=True)
class Group:
    """One label on the left with one bar per series."""

    label: str
    bars: tuple[Bar, ...]


def join(parts) -> SafeString:
    return format_html_join("", "{}", ((part,) for part in parts))


def patterns(chart_id: str) -> SafeString:
    return format_html(
        '<defs><pattern id="{0}-hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><rect width="6" height="6" fill="#fff"/>'
        '<rect width="3" height="6" fill="#6a3fa0"/></pattern>'
        '<pattern id="{0}-dots" width="5" height="5" patternUnits="userSpaceOnUse">'
        '<rect width="5" height="5" fill="#fff"/><circle cx="2.5" cy="2.5" r="1.6" fill="#1e6b34"/>'
        "</pattern></defs>",
        chart_id,
    )


def fill(chart_id: str, series: int) -> str:
    return FILLS[series % len(FILLS)].format(id=chart_id)


def legend(chart_id: str, series: list[str], x: int, y: int) -> SafeString:
    items = []
    for index, name in enumerate(series):
        items.append(
            format_html(
                '<rect x="{}" y="{}" width="14" height="14" fill="{}" stroke="#1d2733"/>'
                '<text x="{}" y="{}">{}</text>',
                x,
                y,
                fill(chart_id, index),
                x + 20,
                y + 12,
                name,
            )
        )
        x += 30 + 8 * len(name)
    return join(items)


def bar_chart(*, chart_id: str, title: str, description: str, groups: list[Group], series=()) -> SafeString:
    """A horizontal bar chart; `series` names the bars of each group (one series: no legend)."""
    series = list(series)
    top = LEGEND_HEIGHT if len(series) > 1 else 4
    per_group = max((len(group.bars) for group in groups), default=1)
    group_height = per_group * (BAR_HEIGHT + BAR_GAP) - BAR_GAP
    height = top + len(groups) * (group_height + GROUP_GAP) + 4
    largest = max((bar.value for group in groups for bar in group.bars), default=0) or 1
    longest = max((len(group.label) for group in groups), default=0)
    label_width = min(max(LABEL_MIN, longest * CHAR_WIDTH + 12), LABEL_MAX)
    scale = (WIDTH - label_width - TEXT_WIDTH) / largest
    rows = []
    for number, group in enumerate(groups):
        y = top + number * (group_height + GROUP_GAP)
        rows.append(
            format_html(
                '<text x="{}" y="{}" text-anchor="end" class="label">{}</text>',
                label_width - 8,
                y + group_height / 2 + 5,
                group.label,
            )
        )
        for index, bar in enumerate(group.bars):
            bar_y = y + index * (BAR_HEIGHT + BAR_GAP)
            length = round(bar.value * scale, 1)
            rows.append(
                format_html(
                    '<rect x="{}" y="{}" width="{}" height="{}" fill="{}" stroke="#1d2733" '
                    'stroke-width="{}"/>'
                    '<text x="{}" y="{}" class="value">{}</text>',
                    label_width,
                    bar_y,
                    length,
                    BAR_HEIGHT,
                    fill(chart_id, index),
                    1 if length else 0,
                    label_width + length + 6,
                    bar_y + BAR_HEIGHT - 4,
                    bar.text,
                )
            )
    axis = format_html(
        '<line x1="{0}" y1="{1}" x2="{0}" y2="{2}" stroke="#5a6675"/>', label_width, top - 2, height - 4
    )
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 {width} {height}" '
        'width="{width}" height="{height}" aria-labelledby="{id}-title {id}-desc" id="{id}">'
        '<title id="{id}-title">{title}</title><desc id="{id}-desc">{description}</desc>'
        "{patterns}{legend}{axis}{rows}</svg>",
        width=WIDTH,
        height=height,
        id=chart_id,
        title=title,
        description=description,
        patterns=patterns(chart_id),
        legend=legend(chart_id, series, label_width, 4) if len(series) > 1 else "",
        axis=axis,
        rows=join(rows),
    )
