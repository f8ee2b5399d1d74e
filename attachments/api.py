"""The attachment API (DESIGN §7): a ticket's files, their download, their withdrawal (R16).

Refusals come in the order of DESIGN §7: 404 (no such ticket or attachment) → 403 (the role) →
409 (already withdrawn) → 400 (the data). Every write goes through attachments.services.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import generics, permissions, serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from accounts import roles
from attachments import content, selectors, services
from attachments.models import Attachment, ticket_model
from attachments.uploads import limit_uploads
from supportdesk import forms
from supportdesk.api import request_data
from supportdesk.schema import BAD_REQUEST, CONFLICT


class AttachmentSerializer(serializers.ModelSerializer):
    created_by = serializers.CharField(source="created_by.username", read_only=True)
    withdrawn_by = serializers.CharField(
        source="withdrawn_by.username", read_only=True, default=None, allow_null=True
    )

    class Meta:
        model = Attachment
        fields = [
            "id",
            "ticket",
            "filename",
            "size",
            "content_type",
            "sha256",
            "note",
            "call_note",
            "vendor_contact",
            "created_by",
            "created_at",
            "withdrawn",
            "withdrawn_reason",
            "withdrawn_by",
            "withdrawn_at",
        ]
        read_only_fields = fields


@extend_schema_field(OpenApiTypes.BINARY)
class UploadedFileField(serializers.FileField):
    """The bytes of a multipart part (the schema says binary, not a URL)."""


class AttachmentUploadSerializer(serializers.Serializer):
    """The multipart body of an upload (validated by attachments.forms.AttachmentForm)."""

    file = UploadedFileField(
        help_text="Die Datei (höchstens SUPPORTDESK_MAX_UPLOAD_MB, Standard 20 MB; nicht leer)."
    )
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    call_note = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, help_text="Eine Gesprächsnotiz dieses Vorgangs."
    )
    vendor_contact = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, help_text="Ein Kontakt bei SIC dieses Vorgangs."
    )


class WithdrawSerializer(serializers.Serializer):
    reason = serializers.CharField(min_length=1, max_length=500)


class ReadsTickets(permissions.BasePermission):
    """Every reading role gets past; what it may write the service decides, after the 404."""

    def has_permission(self, request, view):
        return roles.can_read(request.user)


def include_withdrawn(request) -> bool:
    field = forms.BooleanField(required=False)
    try:
        return bool(field.clean(request.query_params.get("include_withdrawn")))
    except DjangoValidationError as error:
        raise ValidationError({"include_withdrawn": error.messages}) from None


class TicketAttachmentsView(generics.GenericAPIView):
    permission_classes = [ReadsTickets]
    serializer_class = AttachmentSerializer
    queryset = Attachment.objects.none()  # for the schema; the rows come from the selector

    def initialize_request(self, request, *args, **kwargs):
        limit_uploads(request)  # before anything reads the body
        return super().initialize_request(request, *args, **kwargs)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "include_withdrawn",
                OpenApiTypes.BOOL,
                description="Auch zurückgezogene Anhänge (Standard: nein).",
            )
        ],
        responses={200: AttachmentSerializer(many=True), 400: BAD_REQUEST},
    )
    def get(self, request, pk):
        ticket = get_object_or_404(ticket_model(), pk=pk)
        rows = selectors.ticket_attachments(ticket, include_withdrawn=include_withdrawn(request))
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(AttachmentSerializer(page, many=True).data)

    @extend_schema(
        request={"multipart/form-data": AttachmentUploadSerializer},
        responses={201: AttachmentSerializer},
    )
    def post(self, request, pk):
        ticket = get_object_or_404(ticket_model(), pk=pk)
        attachment = services.attachment_upload(
            ticket_id=ticket.pk, by=request.user, data=request_data(request), files=request.FILES
        )
        return Response(AttachmentSerializer(attachment).data, status=status.HTTP_201_CREATED)


class AttachmentDownloadView(generics.GenericAPIView):
    permission_classes = [ReadsTickets]
    queryset = Attachment.objects.all()

    @extend_schema(
        responses={
            (200, "application/octet-stream"): OpenApiResponse(
                OpenApiTypes.BINARY, description="Die gespeicherten Bytes, immer als Download."
            )
        }
    )
    def get(self, request, pk):
        return content.download_response(get_object_or_404(Attachment, pk=pk))


class AttachmentWithdrawView(generics.GenericAPIView):
    permission_classes = [ReadsTickets]
    serializer_class = AttachmentSerializer
    queryset = Attachment.objects.all()

    @extend_schema(request=WithdrawSerializer, responses={200: AttachmentSerializer, 409: CONFLICT})
    def post(self, request, pk):
        attachment = get_object_or_404(Attachment, pk=pk)
        attachment = services.attachment_withdraw(
            attachment_id=attachment.pk, by=request.user, data=request_data(request)
        )
        return Response(AttachmentSerializer(attachment).data)
