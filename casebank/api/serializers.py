"""Input and output serializers of the case-bank API (the OpenAPI schema documents the answers with
the output ones)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.api import BriefPersonOutputSerializer, SubjectOutputSerializer

from .. import selectors
from ..models import GRADES, Kind, Licence, Material, Status

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
    count_is_lower_bound = serializers.BooleanField(
        source="total_is_lower_bound",
        help_text="There are more matches than ``count`` (counted exactly up to 1,000 by default).",
    )
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
        "count": result.total, "count_is_lower_bound": result.total_is_lower_bound, "page": result.page,
        "num_pages": result.num_pages, "has_next": result.has_next, "query": result.query,
        "corrected_query": result.corrected_query, "fuzzy": result.fuzzy, "results": results,
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
    page = serializers.IntegerField(required=False, min_value=1, max_value=selectors.MAX_PAGE, default=1)
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


class CasebankSubmitOutputSerializer(serializers.Serializer):
    district_material_id = serializers.IntegerField(
        help_text="The material awaiting moderation in the district bank (read it on the centre's host)."
    )
    title = serializers.CharField()
    status = serializers.ChoiceField(choices=Status.choices)
