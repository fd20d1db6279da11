"""REST API of the case-material bank: search, materials, versions, moderation, engagement, files.

The bank is the one of the organisation served on this host (a school's own
bank, or the district bank on the centre's host, open to every school of the
district).  One small view per operation with its own input and output
serializers; reads are ``casebank.selectors``, writes ``casebank.services`` —
the same ones the HTML pages call.  Visibility is decided inside them: a
material (or file) the caller may not see is a 404 exactly like a missing one;
a refused action is a 403; a wrong value a 400 naming the field; a step in the
wrong moderation state a 409.
"""

from __future__ import annotations

from typing import Any

from django.http import FileResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.api import BriefPersonOutputSerializer, SubjectOutputSerializer
from accounts.models import User
from tutornet.api import TutornetAPIView

from . import selectors, services
from .models import GRADES, Comment, Kind, Licence, Material, Status

# --- output -----------------------------------------------------------------------------------


class CasebankOriginOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    short_name = serializers.CharField()


class CasebankAttachmentOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="original_name")
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    download_url = serializers.SerializerMethodField()

    def get_download_url(self, attachment: Any) -> str:
        return f"/api/casebank/files/{attachment.pk}/"


class CasebankMaterialBriefOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    kind = serializers.ChoiceField(choices=Kind.choices)
    licence = serializers.ChoiceField(choices=Licence.choices)
    status = serializers.ChoiceField(choices=Status.choices)
    subjects = SubjectOutputSerializer(many=True, source="subjects.all")
    grades = serializers.ListField(child=serializers.IntegerField())
    topics = serializers.ListField(child=serializers.CharField())
    abstract = serializers.CharField()
    authors = BriefPersonOutputSerializer(many=True, source="authors.all")
    origin_organisation = CasebankOriginOutputSerializer(
        allow_null=True, help_text="The school of origin (district bank)."
    )
    published_at = serializers.DateTimeField(allow_null=True)
    updated_at = serializers.DateTimeField()
    rating_average = serializers.DecimalField(max_digits=3, decimal_places=2)
    rating_count = serializers.IntegerField()
    download_count = serializers.IntegerField()


class CasebankCodifierTopicOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    title = serializers.CharField()


class CasebankMaterialOutputSerializer(CasebankMaterialBriefOutputSerializer):
    body = serializers.CharField(help_text="Sanitised HTML.")
    codifier_topics = CasebankCodifierTopicOutputSerializer(
        many=True, source="codifier_topics.all",
        help_text="Codifier topics (КЭС) that the free-text topics name by code or title.",
    )  # fmt: skip
    current_version = serializers.IntegerField(
        source="current_version.number", allow_null=True, default=None,
        help_text="The number of the version readers see (null until one is published).",
    )  # fmt: skip
    attachments = serializers.SerializerMethodField()

    @extend_schema_field(CasebankAttachmentOutputSerializer(many=True))
    def get_attachments(self, material: Material) -> list[dict[str, Any]]:
        return CasebankAttachmentOutputSerializer(self.context.get("attachments", []), many=True).data  # type: ignore[return-value]


class CasebankVersionBriefOutputSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    status = serializers.ChoiceField(choices=Status.choices)
    title = serializers.CharField()
    created_at = serializers.DateTimeField()
    submitted_at = serializers.DateTimeField(allow_null=True)
    decided_at = serializers.DateTimeField(allow_null=True)
    moderator_comment = serializers.CharField()


class CasebankVersionOutputSerializer(CasebankVersionBriefOutputSerializer):
    material_id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=Kind.choices)
    licence = serializers.ChoiceField(choices=Licence.choices)
    abstract = serializers.CharField()
    body = serializers.CharField(help_text="Sanitised HTML.")
    grades = serializers.ListField(child=serializers.IntegerField())
    topics = serializers.ListField(child=serializers.CharField())
    subject_ids = serializers.ListField(child=serializers.IntegerField())
    attachments = CasebankAttachmentOutputSerializer(many=True, source="attachments.all")


class CasebankSearchHitOutputSerializer(serializers.Serializer):
    material = CasebankMaterialBriefOutputSerializer()
    rank = serializers.FloatField(allow_null=True)
    title_html = serializers.CharField(help_text="The title, HTML-escaped, with matches in <mark>.")
    snippet_html = serializers.CharField(
        help_text="A fragment of the text, HTML-escaped, with matches in <mark>."
    )


class CasebankSearchOutputSerializer(serializers.Serializer):
    count = serializers.IntegerField(source="total")
    page = serializers.IntegerField()
    num_pages = serializers.IntegerField()
    has_next = serializers.BooleanField()
    query = serializers.CharField()
    corrected_query = serializers.CharField(
        allow_null=True, help_text="The query after typo correction, when the search ran with it."
    )
    fuzzy = serializers.BooleanField(help_text="The results come from similar titles (no full-text match).")
    results = CasebankSearchHitOutputSerializer(many=True, source="hits")


# The documented fields' own formatting (ISO 8601 in the current zone; "4.50"), built once.
_DATETIME = serializers.DateTimeField()
_RATING = serializers.DecimalField(max_digits=3, decimal_places=2)


def _datetime(value: Any) -> str | None:
    return _DATETIME.to_representation(value) if value is not None else None


def search_page_data(result: selectors.SearchPage) -> dict[str, Any]:
    """``CasebankSearchOutputSerializer(result).data``, written out.

    The serializers above document the answer in the OpenAPI schema; walking their nested
    fields cost about 2 ms for a page of 20 (bench/casebank_search.py), a third of the search's
    fixed cost, so the page is built here. A test holds the two to the same output.
    """
    results = []
    for hit in result.hits:
        m = hit.material
        origin = m.origin_organisation
        material = {
            "id": m.pk, "title": m.title, "kind": m.kind, "licence": m.licence, "status": m.status,
            "subjects": [{"id": s.pk, "name": s.name} for s in m.subjects.all()],
            "grades": list(m.grades), "topics": list(m.topics), "abstract": m.abstract,
            "authors": [{"id": a.pk, "full_name": a.get_full_name() or a.email} for a in m.authors.all()],
            "origin_organisation": (
                {"id": origin.pk, "name": origin.name, "short_name": origin.short_name} if origin else None
            ),
            "published_at": _datetime(m.published_at), "updated_at": _datetime(m.updated_at),
            "rating_average": _RATING.to_representation(m.rating_average),
            "rating_count": m.rating_count, "download_count": m.download_count,
        }  # fmt: skip
        rank = None if hit.rank is None else float(hit.rank)
        html = {"title_html": hit.title_html, "snippet_html": hit.snippet_html}
        results.append({"material": material, "rank": rank, **html})
    return {
        "count": result.total, "page": result.page, "num_pages": result.num_pages,
        "has_next": result.has_next, "query": result.query, "corrected_query": result.corrected_query,
        "fuzzy": result.fuzzy, "results": results,
    }  # fmt: skip


class CasebankCommentOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    author = BriefPersonOutputSerializer()
    text = serializers.CharField()
    created_at = serializers.DateTimeField()


class CasebankRatingOutputSerializer(serializers.Serializer):
    score = serializers.IntegerField()
    rating_average = serializers.DecimalField(max_digits=3, decimal_places=2)
    rating_count = serializers.IntegerField()


class CasebankFavouriteOutputSerializer(serializers.Serializer):
    favourite = serializers.BooleanField()


class CasebankModerationItemOutputSerializer(CasebankVersionBriefOutputSerializer):
    material_id = serializers.IntegerField()
    origin_organisation = CasebankOriginOutputSerializer(
        source="material.origin_organisation", allow_null=True
    )
    created_by = BriefPersonOutputSerializer()


def _page_of(item: type[serializers.Serializer], name: str) -> type[serializers.Serializer]:
    return type(
        name,
        (serializers.Serializer,),
        {
            "count": serializers.IntegerField(),
            "next": serializers.URLField(allow_null=True),
            "previous": serializers.URLField(allow_null=True),
            "results": item(many=True),
        },
    )


CasebankMaterialPageSerializer = _page_of(
    CasebankMaterialBriefOutputSerializer, "CasebankMaterialPageSerializer"
)
CasebankModerationPageSerializer = _page_of(
    CasebankModerationItemOutputSerializer, "CasebankModerationPageSerializer"
)
CasebankCommentPageSerializer = _page_of(CasebankCommentOutputSerializer, "CasebankCommentPageSerializer")

# --- input ------------------------------------------------------------------------------------


class CasebankSearchInputSerializer(serializers.Serializer):
    q = serializers.CharField(
        required=False, allow_blank=True, max_length=200, help_text="Words to find (Russian)."
    )
    subject = serializers.IntegerField(required=False, min_value=1, help_text="A subject's id.")
    grade = serializers.ChoiceField(required=False, choices=list(GRADES))
    kind = serializers.ChoiceField(required=False, choices=Kind.choices)
    topic = serializers.CharField(required=False, max_length=100)
    origin = serializers.IntegerField(required=False, min_value=1, help_text="The school of origin's id.")
    licence = serializers.ChoiceField(required=False, choices=Licence.choices)
    sort = serializers.ChoiceField(required=False, choices=list(selectors.SORTS), default="relevance")
    page = serializers.IntegerField(required=False, min_value=1, default=1)
    page_size = serializers.IntegerField(
        required=False, min_value=1, max_value=selectors.MAX_PER_PAGE, default=20
    )


class CasebankMaterialInputSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=300)
    kind = serializers.ChoiceField(choices=Kind.choices, default=Kind.CASE)
    licence = serializers.ChoiceField(choices=Licence.choices, default=Licence.CC_BY)
    abstract = serializers.CharField(required=False, allow_blank=True, default="")
    body = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="HTML; scripts are removed."
    )
    subjects = serializers.ListField(
        child=serializers.IntegerField(min_value=1), required=False, default=list
    )
    grades = serializers.ListField(child=serializers.IntegerField(), required=False, default=list)
    topics = serializers.ListField(child=serializers.CharField(max_length=100), required=False, default=list)
    co_authors = serializers.ListField(
        child=serializers.IntegerField(min_value=1), required=False, default=list,
        help_text="Ids of colleagues of this organisation who co-author the material.",
    )  # fmt: skip
    files = serializers.ListField(
        child=serializers.FileField(), required=False, default=list,
        help_text="Attachments (multipart): PDF, DOCX, ODT, PPTX, XLSX or images, checked by content.",
    )  # fmt: skip


class CasebankMaterialUpdateInputSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=300, required=False)
    kind = serializers.ChoiceField(choices=Kind.choices, required=False)
    licence = serializers.ChoiceField(choices=Licence.choices, required=False)
    abstract = serializers.CharField(required=False, allow_blank=True)
    body = serializers.CharField(required=False, allow_blank=True)
    subjects = serializers.ListField(child=serializers.IntegerField(min_value=1), required=False)
    grades = serializers.ListField(child=serializers.IntegerField(), required=False)
    topics = serializers.ListField(child=serializers.CharField(max_length=100), required=False)
    add_files = serializers.ListField(child=serializers.FileField(), required=False, default=list)
    co_authors = serializers.ListField(
        child=serializers.IntegerField(min_value=1), required=False,
        help_text="Ids of the other authors from now on (the caller stays one); left out: unchanged.",
    )  # fmt: skip
    remove_attachments = serializers.ListField(
        child=serializers.IntegerField(min_value=1), required=False, default=list,
        help_text="Ids of the latest version's attachments to leave out.",
    )  # fmt: skip


class CasebankRatingInputSerializer(serializers.Serializer):
    score = serializers.IntegerField(min_value=1, max_value=5)


class CasebankFavouriteInputSerializer(serializers.Serializer):
    favourite = serializers.BooleanField()


class CasebankCommentInputSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=5000)


class CasebankReturnInputSerializer(serializers.Serializer):
    comment = serializers.CharField(help_text="What the authors should change.")


class CasebankRejectInputSerializer(serializers.Serializer):
    reason = serializers.CharField()


# --- views ------------------------------------------------------------------------------------

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


class CasebankSubmitOutputSerializer(serializers.Serializer):
    district_material_id = serializers.IntegerField(
        help_text="The material awaiting moderation in the district bank (read it on the centre's host)."
    )
    title = serializers.CharField()
    status = serializers.ChoiceField(choices=Status.choices)


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


class RateApi(CasebankAPIView):
    @extend_schema(
        operation_id="casebank_materials_rate", request=CasebankRatingInputSerializer,
        responses={200: CasebankRatingOutputSerializer, **_errors(400, 403, 404)},
    )  # fmt: skip
    def put(self, request: Request, material_id: int) -> Response:
        material = self.material(material_id)
        data = CasebankRatingInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        rating = services.material_rate(
            material=material, score=data.validated_data["score"], actor=self.actor
        )
        material.refresh_from_db(fields=["rating_average", "rating_count"])
        return Response(
            CasebankRatingOutputSerializer(
                {
                    "score": rating.score,
                    "rating_average": material.rating_average,
                    "rating_count": material.rating_count,
                }
            ).data
        )


class FavouriteApi(CasebankAPIView):
    @extend_schema(
        operation_id="casebank_materials_favourite", request=CasebankFavouriteInputSerializer,
        responses={200: CasebankFavouriteOutputSerializer, **_errors(400, 403, 404)},
    )  # fmt: skip
    def put(self, request: Request, material_id: int) -> Response:
        material = self.material(material_id)
        data = CasebankFavouriteInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        favourite = services.favourite_set(
            material=material, favourite=data.validated_data["favourite"], actor=self.actor
        )
        return Response({"favourite": favourite})


class CommentListCreateApi(CasebankAPIView):
    @extend_schema(
        operation_id="casebank_comments_list", responses={200: CasebankCommentPageSerializer, **_errors(404)}
    )
    def get(self, request: Request, material_id: int) -> Response:
        comments = selectors.comments_of(material=self.material(material_id), user=self.actor)
        return self.paginated(comments, CasebankCommentOutputSerializer)

    @extend_schema(
        operation_id="casebank_comments_create", request=CasebankCommentInputSerializer,
        responses={201: CasebankCommentOutputSerializer, **_errors(400, 403, 404)},
    )  # fmt: skip
    def post(self, request: Request, material_id: int) -> Response:
        material = self.material(material_id)
        data = CasebankCommentInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        comment: Comment = services.comment_create(
            material=material, text=data.validated_data["text"], actor=self.actor
        )
        return Response(CasebankCommentOutputSerializer(comment).data, status=status.HTTP_201_CREATED)


class SimilarApi(CasebankAPIView):
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
