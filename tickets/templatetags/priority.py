from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _

from vendor.models import ProgramRequest

register = template.Library()


@register.simple_tag
def priority_badge(item):
    """{% priority_badge ticket %}: the badge of a high-priority ticket or program request (SIC
    handles a complaint first); nothing for normal priority."""
    if item is None or item.priority != "high":
        return ""
    text = _("hohe Priorität") if isinstance(item, ProgramRequest) else _("Priorität hoch")
    return format_html('<span class="badge high">{}</span>', text)
