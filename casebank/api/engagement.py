"""Ratings, favourites and comments."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from .. import selectors, services
from ..models import Comment
from .common import CasebankAPIView, _errors
from .serializers import (
    CasebankCommentInputSerializer,
    CasebankCommentOutputSerializer,
    CasebankCommentPageSerializer,
    CasebankFavouriteInputSerializer,
    CasebankFavouriteOutputSerializer,
    CasebankRatingInputSerializer,
    CasebankRatingOutputSerializer,
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
