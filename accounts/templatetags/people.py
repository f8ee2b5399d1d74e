from django import template

from accounts.users import display_name as name_of

register = template.Library()


@register.filter
def display_name(user) -> str:
    """{{ user|display_name }}: the full name, else the username."""
    return name_of(user)
