"""The base of the case-bank endpoints and their documented error answers."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse
from rest_framework import status
from rest_framework.response import Response

from tutornet.api import TutornetAPIView

from .. import selectors
from ..models import Material
from .serializers import CasebankMaterialOutputSerializer

_ERRORS = {
    400: OpenApiResponse(description="Invalid input; the body names the field."),
    403: OpenApiResponse(description="Not allowed (the body says why)."),
    404: OpenApiResponse(description="No such material here, or not visible to the caller."),
}


def _errors(*codes: int) -> dict[int, OpenApiResponse]:
    return {code: _ERRORS[code] for code in codes}


class CasebankAPIView(TutornetAPIView):
    """Base of the bank's endpoints: signed-in callers; visibility is checked by the selectors."""

    def material(self, material_id: int) -> Material:
        return selectors.material_get(material_id=material_id, user=self.actor)

    def detail(self, material: Material, status_code: int = status.HTTP_200_OK) -> Response:
        material = selectors.material_get(material_id=material.pk, user=self.actor)
        versions = selectors.material_versions(material=material, user=self.actor)
        shown = material.current_version or (versions[0] if versions else None)
        attachments = list(shown.attachments.all()) if shown else []
        data = CasebankMaterialOutputSerializer(material, context={"attachments": attachments}).data
        return Response(data, status=status_code)
