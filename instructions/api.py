"""The work instruction's API (DESIGN §7, R21): the revision in force and all revisions, a new draft
(process manager), and a signature (author: authored; QMB: approved). Every write goes through
instructions.services; refusals come in the order 404 → 403 → 409 → 400 (429 for a lock-out)."""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import permissions, serializers, status
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import roles
from instructions import selectors, services
from instructions.forms import RevisionForm, SignRequestForm
from instructions.models import WorkInstructionRevision
from supportdesk.api import request_data
from supportdesk.schema import CONFLICT, LOCKED_OUT, ModelSerializer, form_body

RevisionCreateSerializer = form_body(RevisionForm, "WorkInstructionRevisionCreate")
RevisionSignSerializer = form_body(SignRequestForm, "WorkInstructionRevisionSign")


class SignatureSerializer(serializers.Serializer):
    meaning = serializers.ChoiceField(choices=WorkInstructionRevision.Meaning.choices)
    meaning_label = serializers.CharField()
    name = serializers.CharField(help_text="Der Name in Klartext (printed name).")
    user = serializers.CharField(source="user.username")
    at = serializers.DateTimeField()


class WorkInstructionRevisionSerializer(ModelSerializer):
    state_label = serializers.CharField(source="get_state_display", read_only=True)
    created_by = serializers.CharField(source="created_by.username", read_only=True)
    author = serializers.CharField(source="author.username", read_only=True, allow_null=True, default=None)
    approver = serializers.CharField(
        source="approver.username", read_only=True, allow_null=True, default=None
    )
    signatures = SignatureSerializer(many=True, read_only=True)

    class Meta:
        model = WorkInstructionRevision
        fields = [
            "id",
            "number",
            "title",
            "state",
            "state_label",
            "text",
            "change_summary",
            "effective_date",
            "created_by",
            "created_at",
            "author",
            "author_name",
            "authored_at",
            "approver",
            "approver_name",
            "approved_at",
            "superseded_at",
            "signatures",
        ]
        read_only_fields = fields


class CanReadInstruction(permissions.BasePermission):
    def has_permission(self, request, view):
        return roles.can_read_instruction(request.user)


WorkInstructionSerializer = inline_serializer(
    "WorkInstruction",
    {
        "in_force": WorkInstructionRevisionSerializer(
            allow_null=True, help_text="Die Revision in Kraft, oder null."
        ),
        "revisions": WorkInstructionRevisionSerializer(many=True),
    },
)


class WorkInstructionView(APIView):
    """GET /api/v1/work-instruction/: the revision in force and every revision, newest first."""

    permission_classes = [CanReadInstruction]

    @extend_schema(responses=WorkInstructionSerializer)
    def get(self, request):
        rows = list(selectors.revisions())
        in_force = next((row for row in rows if row.state == WorkInstructionRevision.State.IN_FORCE), None)
        return Response(
            {
                "in_force": WorkInstructionRevisionSerializer(in_force).data if in_force else None,
                "revisions": WorkInstructionRevisionSerializer(rows, many=True).data,
            }
        )


class RevisionCreateView(APIView):
    """POST /api/v1/work-instruction/revisions/: a new draft (process manager)."""

    permission_classes = [CanReadInstruction]

    @extend_schema(
        request=RevisionCreateSerializer, responses={201: WorkInstructionRevisionSerializer, 409: CONFLICT}
    )
    def post(self, request):
        revision = services.revision_create(by=request.user, data=request_data(request))
        return Response(
            WorkInstructionRevisionSerializer(selectors.revision_for_page(revision.pk)).data,
            status=status.HTTP_201_CREATED,
        )


class RevisionSignView(APIView):
    """POST /api/v1/work-instruction/revisions/{id}/sign/: `{"password", "meaning"}`."""

    permission_classes = [CanReadInstruction]

    @extend_schema(
        request=RevisionSignSerializer,
        responses={200: WorkInstructionRevisionSerializer, 409: CONFLICT, 429: LOCKED_OUT},
    )
    def post(self, request, pk):
        get_object_or_404(WorkInstructionRevision.objects.all(), pk=pk)
        revision = services.revision_sign(
            revision_id=pk, by=request.user, data=request_data(request), request=request
        )
        return Response(WorkInstructionRevisionSerializer(selectors.revision_for_page(revision.pk)).data)
