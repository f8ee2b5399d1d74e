"""The schema and its docs, for signed-in users only (DESIGN §7; SPECTACULAR_SETTINGS' SERVE_PERMISSIONS),
without inline script or style, so the Content-Security-Policy lets them run (DESIGN §11). (No Redoc:
it inserts its styles inline and loads its logo from a CDN.)

Apart from supportdesk.schema, whose AutoSchema these views' module needs fully loaded first.
"""

from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
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
