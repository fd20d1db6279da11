"""REST API of the question bank, under /api/diagnostics/bank/ on an organisation's host.

The bank is the one of the organisation served on this host; only its methodologists
(``.permissions``) use it: anyone else gets a 403, and an item of another
organisation's bank does not exist here (404).  Reads are ``.selectors``, writes
``.services`` — the same ones the pages call.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.api import SubjectOutputSerializer
from tenants.models import Subject
from tutornet.api import TutornetAPIView

from . import selectors, services
from .errors import ItemNotFoundError
from .models import Item, ItemType
from .permissions import require_bank

# --- output -------------------------------------------------------------------------------


class BankTopicOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    title = serializers.CharField()
    codifier_id = serializers.IntegerField()


class BankVersionOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.IntegerField()
    text = serializers.CharField(help_text="Sanitised HTML; formulas in LaTeX between \\( \\) or $ $.")
    body = serializers.JSONField(
        help_text="The type's content, as documented in tutorials.diagnostics.scoring."
    )
    max_points = serializers.DecimalField(max_digits=6, decimal_places=2)
    topics = BankTopicOutputSerializer(many=True, source="topics.all")
    created_at = serializers.DateTimeField()
    used_at = serializers.DateTimeField(
        allow_null=True, help_text="Set once a campaign used it: never edited."
    )


class BankItemOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    type = serializers.ChoiceField(choices=ItemType.choices)
    name = serializers.CharField()
    subject = SubjectOutputSerializer()
    archived = serializers.BooleanField()
    created_at = serializers.DateTimeField()
    current_version = BankVersionOutputSerializer()


# --- input --------------------------------------------------------------------------------


class BankItemInputSerializer(serializers.Serializer):
    subject_id = serializers.IntegerField(required=False, help_text="Required when creating.")
    type = serializers.ChoiceField(
        choices=ItemType.choices, required=False, help_text="Required when creating."
    )
    name = serializers.CharField(required=False, allow_blank=True, max_length=255)
    text = serializers.CharField()
    body = serializers.JSONField()
    max_points = serializers.DecimalField(max_digits=6, decimal_places=2, required=False, default=Decimal(1))
    topic_ids = serializers.ListField(child=serializers.IntegerField(), allow_empty=False)


class BankArchiveInputSerializer(serializers.Serializer):
    archived = serializers.BooleanField(default=True)


FILTERS = [
    OpenApiParameter("subject", int, description="Subject id"),
    OpenApiParameter("topic", int, description="Codifier topic id"),
    OpenApiParameter("type", str, enum=ItemType.values),
    OpenApiParameter("q", str, description="Words of the name or text"),
    OpenApiParameter("archived", bool),
]


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


class BankItemListCreateApi(TutornetAPIView):
    @extend_schema(operation_id="diagnostics_bank_items_list", parameters=FILTERS,
                   responses=BankItemOutputSerializer(many=True))  # fmt: skip
    def get(self, request: Request) -> Response:
        require_bank(self.actor)
        params = request.query_params
        items = selectors.bank_items(
            subject_id=_int(params.get("subject")),
            topic_id=_int(params.get("topic")),
            type=params.get("type") or None,
            query=(params.get("q") or "").strip(),
            archived=params.get("archived") in ("1", "true"),
        )
        return self.paginated(items, BankItemOutputSerializer)

    @extend_schema(operation_id="diagnostics_bank_items_create", request=BankItemInputSerializer,
                   responses={201: BankItemOutputSerializer})  # fmt: skip
    def post(self, request: Request) -> Response:
        require_bank(self.actor)
        data = _valid(BankItemInputSerializer, request)
        subject = Subject.objects.filter(pk=data.get("subject_id") or 0).first()
        if subject is None or not data.get("type"):
            raise serializers.ValidationError({"subject_id": ["Give the subject and the type."]})
        item = services.item_create(
            subject=subject,
            type=data["type"],
            name=data.get("name", ""),
            text=data["text"],
            body=data["body"],
            max_points=data["max_points"],
            topics=data["topic_ids"],
            actor=self.actor,
        )
        return Response(BankItemOutputSerializer(_load(item.pk)).data, status=status.HTTP_201_CREATED)


def _valid(serializer_class: type[serializers.Serializer], request: Request) -> dict[str, Any]:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def _load(item_id: int) -> Item:
    item = selectors.bank_items(archived=None).filter(pk=item_id).first()
    if item is None:
        raise ItemNotFoundError("No such item in this bank.")
    return item


class BankItemDetailApi(TutornetAPIView):
    @extend_schema(operation_id="diagnostics_bank_item", responses=BankItemOutputSerializer)
    def get(self, request: Request, item_id: int) -> Response:
        require_bank(self.actor)
        return Response(BankItemOutputSerializer(_load(item_id)).data)

    @extend_schema(
        operation_id="diagnostics_bank_item_update",
        request=BankItemInputSerializer,
        responses=BankItemOutputSerializer,
        description="New content: in place while no campaign used the version, else as the next version.",
    )
    def put(self, request: Request, item_id: int) -> Response:
        require_bank(self.actor)
        item = _load(item_id)
        data = _valid(BankItemInputSerializer, request)
        services.item_update(
            item=item,
            name=data.get("name"),
            text=data["text"],
            body=data["body"],
            max_points=data["max_points"],
            topics=data["topic_ids"],
            actor=self.actor,
        )
        return Response(BankItemOutputSerializer(_load(item_id)).data)


class BankItemVersionsApi(TutornetAPIView):
    pagination_class = None  # type: ignore[assignment]  # a plain list: the schema then declares one

    @extend_schema(
        operation_id="diagnostics_bank_item_versions", responses=BankVersionOutputSerializer(many=True)
    )
    def get(self, request: Request, item_id: int) -> Response:
        require_bank(self.actor)
        item = _load(item_id)
        versions = item.versions.prefetch_related("topics").order_by("number")
        return Response(BankVersionOutputSerializer(versions, many=True).data)


class BankItemArchiveApi(TutornetAPIView):
    @extend_schema(operation_id="diagnostics_bank_item_archive", request=BankArchiveInputSerializer,
                   responses=BankItemOutputSerializer)  # fmt: skip
    def post(self, request: Request, item_id: int) -> Response:
        require_bank(self.actor)
        item = _load(item_id)
        data = _valid(BankArchiveInputSerializer, request)
        services.item_archive(item=item, actor=self.actor, archived=data["archived"])
        return Response(BankItemOutputSerializer(_load(item_id)).data)
