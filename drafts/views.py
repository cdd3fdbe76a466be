"""``/api/drafts/me`` (SPEC §5): the signed-in user's one draft."""

from drf_spectacular.utils import extend_schema
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from drafts import services
from drafts.models import RuleDraft
from drafts.serializers import DraftEnvelopeSerializer, DraftInputSerializer


class DraftMeView(APIView):
    """``GET`` reads the caller's draft (or null); ``PUT`` replaces it."""

    permission_classes = [IsAuthenticated]

    @extend_schema(operation_id="drafts_me_read", responses={200: DraftEnvelopeSerializer})
    def get(self, request):
        draft = RuleDraft.objects.filter(user=request.user).first()
        return Response(DraftEnvelopeSerializer({"draft": draft}).data)

    @extend_schema(
        operation_id="drafts_me_save",
        request=DraftInputSerializer,
        responses={200: DraftEnvelopeSerializer},
        description=(
            "payload must be an object. Known keys are checked (title string <= 500, "
            "summary string <= 8000, currentStep from the create flow's steps, sections "
            "and stakeholders arrays); every other key is stored unchanged."
        ),
    )
    def put(self, request):
        serializer = DraftInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        draft = services.save_draft(user=request.user, payload=serializer.validated_data["payload"])
        return Response(DraftEnvelopeSerializer({"draft": draft}).data)
