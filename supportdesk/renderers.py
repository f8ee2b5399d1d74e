"""The form renderer (settings.FORM_RENDERER)."""

from functools import cached_property
from pathlib import Path

import django.forms
from django.conf import settings
from django.forms.renderers import DjangoTemplates
from django.template.backends.jinja2 import Jinja2

DJANGO_WIDGETS = Path(django.forms.__file__).parent / "jinja2"  # Django's widget templates in Jinja2


class FormRenderer(DjangoTemplates):
    """`{{ form }}` (our field layout) and Django's own widgets in Jinja2, every other form template
    (the admin's widgets, ours) in the template language. The ticket page shows seven forms with
    some 70 fields: on the demo data its widgets took 14.6 of its 55 ms in the template language,
    6.5 ms in Jinja2; the layout in Jinja2 took another 3 ms off at 1,000,000 tickets (40.8 -> 38.0).
    Django ships its widgets' templates in both languages and keeps them equal."""

    form_template_name = "forms/fields.html"  # templates/jinja2/forms/fields.html

    @cached_property
    def jinja2(self):
        directories = [settings.BASE_DIR / "templates" / "jinja2", DJANGO_WIDGETS]
        return Jinja2({"NAME": "forms", "DIRS": directories, "APP_DIRS": False, "OPTIONS": {}})

    def get_template(self, template_name):
        if template_name.startswith(("django/forms/", "forms/")):
            return self.jinja2.get_template(template_name)
        return super().get_template(template_name)
