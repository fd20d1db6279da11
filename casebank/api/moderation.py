"""Publication and moderation: publish in a school, submit to the district, the methodologists' decisions."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from .. import selectors, services
from .common import CasebankAPIView, _errors
from .serializers import (
    CasebankMaterialOutputSerializer,
    CasebankModerationItemOutputSerializer,
    CasebankModerationPageSerializer,
    CasebankRejectInputSerializer,
    CasebankReturnInputSerializer,
    CasebankSubmitOutputSerializer,
)

_ACTION_RESPONSES = {
    200: CasebankMaterialOutputSerializer,
    **_errors(403, 404),
    409: OpenApiResponse(description="Wrong state."),
}


class PublishInSchoolApi(CasebankAPIView):
    """An author publishes a draft in the school's own bank (not moderated)."""

    @extend_schema(
        operation_id="casebank_materials_publish_in_school", request=None, responses=_ACTION_RESPONSES
    )
    def post(self, request: Request, material_id: int) -> Response:
        material = services.material_publish_in_school(material=self.material(material_id), actor=self.actor)
        return self.detail(material)


class SubmitApi(CasebankAPIView):
    """An author submits the material to the district bank (from a school: a moderated copy in the
    centre's bank; at the centre: the latest draft or returned version)."""

    @extend_schema(
        operation_id="casebank_materials_submit", request=None,
        responses={200: CasebankSubmitOutputSerializer, **_errors(403, 404),
                   409: OpenApiResponse(description="Wrong state.")},
    )  # fmt: skip
    def post(self, request: Request, material_id: int) -> Response:
        copy = services.material_submit(material=self.material(material_id), actor=self.actor)
        # From a school the copy lives in the centre's schema: answer what was written, without re-reading.
        return Response(
            CasebankSubmitOutputSerializer(
                {"district_material_id": copy.pk, "title": copy.title, "status": copy.status}
            ).data
        )


class PublishApi(CasebankAPIView):
    """A methodologist publishes the version awaiting moderation."""

    @extend_schema(operation_id="casebank_moderation_publish", request=None, responses=_ACTION_RESPONSES)
    def post(self, request: Request, material_id: int) -> Response:
        material = self.material(material_id)
        services.material_publish(material=material, actor=self.actor)
        return self.detail(material)


class ReturnApi(CasebankAPIView):
    """A methodologist returns the version awaiting moderation with comments."""

    @extend_schema(
        operation_id="casebank_moderation_return",
        request=CasebankReturnInputSerializer,
        responses=_ACTION_RESPONSES,
    )
    def post(self, request: Request, material_id: int) -> Response:
        material = self.material(material_id)
        data = CasebankReturnInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.material_return(material=material, actor=self.actor, comment=data.validated_data["comment"])
        return self.detail(material)


class RejectApi(CasebankAPIView):
    """A methodologist rejects the version awaiting moderation with a reason."""

    @extend_schema(
        operation_id="casebank_moderation_reject",
        request=CasebankRejectInputSerializer,
        responses=_ACTION_RESPONSES,
    )
    def post(self, request: Request, material_id: int) -> Response:
        material = self.material(material_id)
        data = CasebankRejectInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.material_reject(material=material, actor=self.actor, reason=data.validated_data["reason"])
        return self.detail(material)


class ModerationQueueApi(CasebankAPIView):
    """GET: versions awaiting moderation, oldest first (the centre's methodologists)."""

    @extend_schema(
        operation_id="casebank_moderation_queue",
        responses={200: CasebankModerationPageSerializer, **_errors(403)},
    )
    def get(self, request: Request) -> Response:
        return self.paginated(
            selectors.moderation_queue(user=self.actor), CasebankModerationItemOutputSerializer
        )
