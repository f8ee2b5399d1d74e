"""{{ revision.text|instruction_text }}: the work instruction's text, readable and safe.

A small part of Markdown: `#`–`####` headings, `-`/`*` and `1.` lists, paragraphs separated by blank
lines, **bold**. Everything is escaped first, so HTML in the text is shown, never run."""

import re

from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe

register = template.Library()

HEADING = re.compile(r"^(#{1,4})\s+(.*)$")
BULLET = re.compile(r"^\s*[-*•►]\s+(.*)$")
NUMBERED = re.compile(r"^\s*\d+[.)]\s+(.*)$")
BOLD = re.compile(r"\*\*(.+?)\*\*")


def inline(text: str) -> str:
    return BOLD.sub(r"<strong>\1</strong>", escape(text))


@register.filter
def instruction_text(text: str) -> str:
    out: list[str] = []
    paragraph: list[str] = []
    lists: str | None = None

    def flush_paragraph():
        if paragraph:
            out.append("<p>" + "<br>".join(inline(line) for line in paragraph) + "</p>")
            paragraph.clear()

    def close_list():
        nonlocal lists
        if lists:
            out.append(f"</{lists}>")
            lists = None

    for line in (text or "").splitlines():
        heading, bullet, numbered = HEADING.match(line), BULLET.match(line), NUMBERED.match(line)
        if not line.strip():
            flush_paragraph()
            close_list()
        elif heading:
            flush_paragraph()
            close_list()
            level = len(heading.group(1)) + 1  # the page's own heading is h1
            out.append(f"<h{level}>{inline(heading.group(2))}</h{level}>")
        elif bullet or numbered:
            flush_paragraph()
            kind = "ul" if bullet else "ol"
            if lists != kind:
                close_list()
                out.append(f"<{kind}>")
                lists = kind
            out.append(f"<li>{inline((bullet or numbered).group(1))}</li>")
        else:
            close_list()
            paragraph.append(line)
    flush_paragraph()
    close_list()
    return mark_safe("\n".join(out))
