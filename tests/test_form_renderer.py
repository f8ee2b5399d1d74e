"""supportdesk/renderers.py: Django's widgets from their Jinja2 templates, every other widget from
the template language, so the admin's forms render as before."""

import pytest

from tests.conftest import web_client
from tests.factories import ContactFactory


@pytest.mark.django_db
def test_the_admin_change_form_keeps_its_related_widgets(admin_user):
    admin_user.is_staff = admin_user.is_superuser = True
    admin_user.save()
    contact = ContactFactory()
    page = web_client(admin_user).get(f"/admin/customers/contact/{contact.pk}/change/")
    assert page.status_code == 200
    # admin/widgets/related_widget_wrapper.html: the customer's select with its change and add links
    assert b'class="related-widget-wrapper"' in page.content
    assert f'<option value="{contact.customer_id}" selected>'.encode() in page.content
