"""Search, materials, versions, "more like this" and files."""

from __future__ import annotations

from django.http import FileResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import User

from .. import selectors, services
from .common import CasebankAPIView, _errors
from .serializers import (
    CasebankMaterialBriefOutputSerializer,
    CasebankMaterialInputSerializer,
    CasebankMaterialOutputSerializer,
    CasebankMaterialPageSerializer,
    CasebankMaterialUpdateInputSerializer,
    CasebankSearchInputSerializer,
    CasebankSearchOutputSerializer,
    CasebankVersionBriefOutputSerializer,
    CasebankVersionOutputSerializer,
    search_page_data,
)


class SearchApi(CasebankAPIView):
    """GET: full-text search (Russian) of this bank's published materials, with filters."""

    @extend_schema(
        operation_id="casebank_search",
        parameters=[CasebankSearchInputSerializer],
        responses={200: CasebankSearchOutputSerializer, **_errors(400, 403)},
    )
    def get(self, request: Request) -> Response:
        params = CasebankSearchInputSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        result = selectors.materials_search(
            user=self.actor, query=data.get("q", ""), subject=data.get("subject"), grade=data.get("grade"),
            kind=data.get("kind"), topic=data.get("topic"), origin=data.get("origin"),
            licence=data.get("licence"), sort=data["sort"], page=data["page"], per_page=data["page_size"],
        )  # fmt: skip
        return Response(search_page_data(result))


def _people(ids: list[int]) -> list[User]:
    """The people named by ``ids``; an unknown id is a 400 naming the co-authors field."""
    people = list(User.objects.filter(pk__in=ids))
    if unknown := set(ids) - {p.pk for p in people}:
        raise serializers.ValidationError(
            {"co_authors": [_("No such person: %(ids)s.") % {"ids": ", ".join(map(str, sorted(unknown)))}]}
        )
    return people


class MaterialListCreateApi(CasebankAPIView):
    """GET: the caller's own materials in this bank (any status); POST: a new draft."""

    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(operation_id="casebank_materials_mine", responses=CasebankMaterialPageSerializer)
    def get(self, request: Request) -> Response:
        return self.paginated(
            selectors.materials_authored(user=self.actor), CasebankMaterialBriefOutputSerializer
        )

    @extend_schema(
        operation_id="casebank_materials_create",
        request={
            "application/json": CasebankMaterialInputSerializer,
            "multipart/form-data": CasebankMaterialInputSerializer,
        },
        responses={201: CasebankMaterialOutputSerializer, **_errors(400, 403)},
    )
    def post(self, request: Request) -> Response:
        serializer = CasebankMaterialInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        co_authors = _people(data.pop("co_authors"))
        material = services.material_create(actor=self.actor, co_authors=co_authors, **data)
        return self.detail(material, status.HTTP_201_CREATED)


class MaterialDetailApi(CasebankAPIView):
    """GET: one material (its published version; the authors' latest state before publication);
    PATCH: an author's edit (a new version once published)."""

    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(
        operation_id="casebank_materials_retrieve",
        responses={200: CasebankMaterialOutputSerializer, **_errors(404)},
    )
    def get(self, request: Request, material_id: int) -> Response:
        return self.detail(self.material(material_id))

    @extend_schema(
        operation_id="casebank_materials_partial_update",
        request={
            "application/json": CasebankMaterialUpdateInputSerializer,
            "multipart/form-data": CasebankMaterialUpdateInputSerializer,
        },
        responses={200: CasebankMaterialOutputSerializer, **_errors(400, 403, 404),
                   409: OpenApiResponse(description="The material awaits moderation.")},
    )  # fmt: skip
    def patch(self, request: Request, material_id: int) -> Response:
        material = self.material(material_id)
        serializer = CasebankMaterialUpdateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        if "co_authors" in data:
            data["co_authors"] = _people(data["co_authors"])
        services.material_update(
            material=material, actor=self.actor, remove_attachment_ids=data.pop("remove_attachments"), **data
        )
        return self.detail(material)


class VersionListApi(CasebankAPIView):
    """GET: the version history the caller may see, newest first: a plain list (a material has few)."""

    pagination_class = None  # type: ignore[assignment]  # the schema then declares a plain list

    @extend_schema(
        operation_id="casebank_versions_list",
        responses={200: CasebankVersionBriefOutputSerializer(many=True), **_errors(404)},
    )
    def get(self, request: Request, material_id: int) -> Response:
        versions = selectors.material_versions(material=self.material(material_id), user=self.actor)
        return Response(CasebankVersionBriefOutputSerializer(versions, many=True).data)


class VersionDetailApi(CasebankAPIView):
    @extend_schema(
        operation_id="casebank_versions_retrieve",
        responses={200: CasebankVersionOutputSerializer, **_errors(404)},
    )
    def get(self, request: Request, material_id: int, number: int) -> Response:
        version = selectors.version_get(material=self.material(material_id), number=number, user=self.actor)
        return Response(CasebankVersionOutputSerializer(version).data)


class SimilarApi(CasebankAPIView):
    """GET: "more like this", at most six published materials: a plain list."""

    pagination_class = None  # type: ignore[assignment]

    @extend_schema(
        operation_id="casebank_materials_similar",
        responses={200: CasebankMaterialBriefOutputSerializer(many=True), **_errors(404)},
    )
    def get(self, request: Request, material_id: int) -> Response:
        similar = selectors.materials_similar(material=self.material(material_id), user=self.actor)
        return Response(CasebankMaterialBriefOutputSerializer(similar, many=True).data)


class DownloadApi(CasebankAPIView):
    """GET: the file, to those who may see its version; each download is counted."""

    @extend_schema(
        operation_id="casebank_files_download",
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY, **_errors(404)},
    )
    def get(self, request: Request, attachment_id: int) -> FileResponse:
        attachment = services.attachment_download(attachment_id=attachment_id, actor=self.actor)
        return FileResponse(
            attachment.file.open("rb"),
            as_attachment=True,
            filename=attachment.original_name,
            content_type=attachment.content_type,
        )
