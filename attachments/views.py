"""The ticket page's attachment panel: upload (file picker, drop, paste), withdraw, download and the
thumbnail of an image. Writes go back to the ticket with a message; a refused one says why."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods

from accounts import roles
from accounts.decorators import role_required
from attachments import content, services
from attachments.models import Attachment, ticket_model
from attachments.uploads import limit_uploads
from supportdesk.errors import Conflict, InvalidData


def back_to(ticket_id):
    return redirect(reverse("ticket-detail", args=[ticket_id]) + "#attachments")


def refused(request, invalid: InvalidData) -> None:
    for errors in invalid.form.errors.values():
        for error in errors:
            messages.error(request, _("Nicht gespeichert: %(error)s") % {"error": error})


@csrf_exempt  # checked below, once the upload handler is in place (the check reads the body)
@require_http_methods(["POST"])
@role_required(roles.can_work)
def upload(request, pk):
    limit_uploads(request)
    return _upload(request, pk)


@csrf_protect
def _upload(request, pk):
    ticket = get_object_or_404(ticket_model(), pk=pk)
    try:
        attachment = services.attachment_upload(
            ticket_id=ticket.pk, by=request.user, data=request.POST, files=request.FILES
        )
    except InvalidData as invalid:
        refused(request, invalid)
    else:
        messages.success(request, _("„%(name)s“ wurde angehängt.") % {"name": attachment.filename})
    return back_to(ticket.pk)


@require_http_methods(["POST"])
@role_required(roles.can_work)
def withdraw(request, pk):
    attachment = get_object_or_404(Attachment, pk=pk)
    try:
        services.attachment_withdraw(attachment_id=attachment.pk, by=request.user, data=request.POST)
    except InvalidData as invalid:
        refused(request, invalid)
    except Conflict as conflict:
        messages.error(request, conflict.message)
    else:
        messages.success(
            request,
            _("„%(name)s“ wurde zurückgezogen; die Datei bleibt erhalten.") % {"name": attachment.filename},
        )
    return back_to(attachment.ticket_id)


@require_http_methods(["GET", "HEAD"])
@role_required(roles.can_read)
def download(request, pk):
    return content.download_response(get_object_or_404(Attachment, pk=pk))


@require_http_methods(["GET", "HEAD"])
@role_required(roles.can_read)
def thumbnail(request, pk):
    """A small PNG drawn anew from a raster image; never the uploaded bytes, never SVG."""
    attachment = get_object_or_404(Attachment, pk=pk)
    if not attachment.is_image:
        raise Http404
    try:
        with attachment.file.open("rb") as stored:
            png = content.thumbnail_png(stored)
    except OSError:
        png = None
    if png is None:
        raise Http404
    return content.thumbnail_response(png)
