from django import template
from django.utils.html import format_html

register = template.Library()


@register.simple_tag
def phone_link(number, e164=""):
    """{% phone_link contact.phone contact.phone_e164 %}: the number as a tel: link (click to call),
    dialling the normalised E.164 form when there is one; nothing for an empty number."""
    if not number:
        return ""
    return format_html('<a href="tel:{}">{}</a>', e164 or number, number)
