"""The district picture through the REST API, under /api/district/ (in the OpenAPI schema).

The same snapshot and the same suppression as the pages (``picture``): a hidden cell has
its figures null and ``hidden`` true.  The centre's methodologists get every school; a
school's administrator their own school next to the district; anyone else a 403."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from tutornet.api import TutornetAPIView
from tutornet.errors import PermissionDeniedError

from . import permissions, picture, services


class CellSerializer(serializers.Serializer):
    topic_id = serializers.IntegerField()
    hidden = serializers.BooleanField()
    n = serializers.IntegerField(allow_null=True)
    mean = serializers.FloatField(allow_null=True)
    share_with_deficit = serializers.FloatField(allow_null=True)


class ChangeSerializer(serializers.Serializer):
    topic_id = serializers.IntegerField()
    hidden = serializers.BooleanField()
    n = serializers.IntegerField(allow_null=True)
    change = serializers.FloatField(allow_null=True)
    ci_low = serializers.FloatField(allow_null=True)
    ci_high = serializers.FloatField(allow_null=True)
    within_noise = serializers.BooleanField(allow_null=True)


class RowSerializer(serializers.Serializer):
    school_id = serializers.IntegerField(allow_null=True)
    name = serializers.CharField()
    cells = CellSerializer(many=True)
    changes = ChangeSerializer(many=True)
    support = serializers.DictField(child=serializers.FloatField(allow_null=True))


class TopicSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    title = serializers.CharField()


class PictureSerializer(serializers.Serializer):
    campaign_id = serializers.IntegerField()
    previous_campaign_id = serializers.IntegerField(allow_null=True)
    computed_at = serializers.DateTimeField()
    stale = serializers.BooleanField()
    topics = TopicSerializer(many=True)
    schools = RowSerializer(many=True)
    district = RowSerializer()


def _cell(c: picture.Cell) -> dict[str, Any]:
    shown = c.shown
    return {
        "topic_id": c.topic_id,
        "hidden": c.hidden,
        "n": c.n if shown or c.empty else None,
        "mean": c.mean if shown else None,
        "share_with_deficit": c.share if shown else None,
    }


def _change(c: picture.ChangeCell) -> dict[str, Any]:
    shown = c.shown
    return {
        "topic_id": c.topic_id,
        "hidden": c.hidden,
        "n": c.n if shown or c.n == 0 else None,
        "change": c.change if shown else None,
        "ci_low": c.low if shown else None,
        "ci_high": c.high if shown else None,
        "within_noise": c.within_noise if shown else None,
    }


class DistrictPictureApi(TutornetAPIView):
    @extend_schema(
        operation_id="district_picture_retrieve",
        responses={200: PictureSerializer, 403: OpenApiResponse(), 404: OpenApiResponse()},
    )
    def get(self, request: Request, campaign_id: int) -> Response:
        """A campaign's heatmap, year over year and support, per school and for the district."""
        membership = getattr(request._request, "district_membership", None)
        only = None
        if not permissions.can_see_district(membership):
            only = permissions.own_school(membership)
            if only is None:
                raise PermissionDeniedError(_("The district picture is for the centre's methodologists."))
        campaign = services.campaign_of(campaign_id)
        fresh = services.snapshot_for(campaign)
        data = fresh.snapshot.data
        heat = picture.heatmap(data, only_school=only)
        yoy = picture.year_over_year(data, only_school=only)
        changes: dict[int | None, list[picture.ChangeCell]] = (
            {s: cells for s, _name, cells in yoy.rows} if yoy else {}
        )
        support_rows, average = picture.support(data, only_school=only)
        support = {r.school_id: r.values for r in support_rows}
        body = {
            "campaign_id": campaign.pk,
            "previous_campaign_id": (data["previous"] or {}).get("id"),
            "computed_at": fresh.snapshot.computed_at,
            "stale": fresh.stale,
            "topics": [{"id": t.id, "code": t.code, "title": t.title} for t in heat.topics],
            "schools": [
                {
                    "school_id": row.school_id,
                    "name": row.name,
                    "cells": [_cell(c) for c in row.cells],
                    "changes": [_change(c) for c in changes.get(row.school_id, [])],
                    "support": support.get(row.school_id, {}),
                }
                for row in heat.rows
            ],
            "district": {
                "school_id": None,
                "name": _("District"),
                "cells": [_cell(c) for c in heat.district.cells],
                "changes": [_change(c) for c in yoy.district] if yoy else [],
                "support": average.values,
            },
        }
        return Response(PictureSerializer(body).data)
