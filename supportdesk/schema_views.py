"""The schema and its docs, for signed-in users only (DESIGN §7; SPECTACULAR_SETTINGS' SERVE_PERMISSIONS),
without inline script (and Swagger UI without inline style), so the Content-Security-Policy lets them
run (DESIGN §11).

Apart from supportdesk.schema, whose AutoSchema these views' module needs fully loaded first.
"""

from csp.decorators import csp_update
from django.utils.decorators import method_decorator
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView
from rest_framework.renderers import JSONRenderer


class JsonRefusals:
    """Refused (no login, a wrong method), the schema and the docs answer JSON, as all of /api/ does,
    instead of rendering the refusal as YAML or as the docs page."""

    def finalize_response(self, request, response, *args, **kwargs):
        if getattr(response, "exception", False):
            request.accepted_renderer = JSONRenderer()
            request.accepted_media_type = JSONRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)


class SchemaView(JsonRefusals, SpectacularAPIView):
    pass


class SwaggerView(JsonRefusals, SpectacularSwaggerSplitView):
    """Swagger UI; its start script is a request of its own (`?script`), not inline."""

    template_name = "api/swagger_ui.html"


# Redoc's script inserts its styles as <style> elements: the one page that needs inline styles.
@method_decorator(csp_update({"style-src": ["'unsafe-inline'"]}), name="dispatch")
class RedocView(JsonRefusals, SpectacularRedocView):
    template_name = "api/redoc.html"
