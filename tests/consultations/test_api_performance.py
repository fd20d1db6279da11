"""The booking endpoint stays cheap (bench/booking_contention.py measures it over HTTP).

A booking over the REST API costs a fixed number of queries, whatever the
offering, the tutor or the teacher's school: the slot comes with its offering,
subject and tutor; both sides' notifications are one INSERT; the caller's
district membership is one query.  The shortcut for the district membership
answers exactly what ``accounts.selectors.district_membership_for`` answers.
"""

from __future__ import annotations

import json

import pytest
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import tenant_context
from rest_framework.test import APIClient

from accounts.models import Membership, Role
from accounts.selectors import district_membership_for
from consultations.models import Booking
from notifications.models import Notification
from tests.conftest import District, member
from tests.factories import UserFactory, api_token

from .api_helpers import CENTRE, book, in_days, slot_in
from .factories import teacher_in

pytestmark = pytest.mark.django_db

# SET search_path, token, district membership, savepoint (the test's transaction
# holds the service's), slot locked with offering/subject/tutor, booking, its busy
# time in the public schema (accounts.TeacherBusy), slot counter, audit, both
# notifications, release, and on commit the live push's read of the slot.  The token is
# one SELECT: knox's own authentication read all the caller's tokens again on every
# request (to delete expired ones); tutornet.api.TokenAuthentication does not.
BOOKING_QUERIES = 12


def test_a_booking_over_the_api_costs_a_fixed_number_of_queries_including_its_commit_hooks(
    district: District, django_capture_on_commit_callbacks
) -> None:
    teacher = teacher_in(district.school_a)
    token = api_token(teacher)
    client = APIClient(HTTP_HOST=CENTRE, HTTP_AUTHORIZATION=f"Token {token}")
    assert book(client, slot_in(district.centre, starts_at=in_days(2))).status_code == 201  # warm caches
    slot = slot_in(district.centre, starts_at=in_days(4))
    before = Notification.objects.order_by("-pk").values_list("pk", flat=True).first() or 0

    with CaptureQueriesContext(connection) as queries, django_capture_on_commit_callbacks(execute=True):
        response = book(client, slot)

    assert response.status_code == 201, response.content
    sql = [query["sql"][:120] for query in queries.captured_queries]
    assert len(sql) <= BOOKING_QUERIES, "\n".join(sql)
    assert len([q for q in sql if "knox_authtoken" in q]) == 1, "\n".join(sql)
    with tenant_context(district.centre):
        booking = Booking.objects.get(pk=response.json()["id"])
        assert (booking.teacher_id, booking.slot_id) == (teacher.pk, slot.pk)
    sent = Notification.objects.filter(kind="booking_confirmed", pk__gt=before)
    assert sorted(sent.values_list("recipient_id", flat=True)) == sorted([teacher.pk, slot.tutor_id])
    assert all(n.attachment_name == "consultation.ics" for n in sent)


def test_the_district_membership_is_found_in_one_query_on_every_host(district: District) -> None:
    school_teacher = member(district.school_a)
    centre_tutor = member(district.centre, Role.TUTOR)
    tutor_also_in_a_school = member(district.centre, Role.TUTOR)
    Membership.objects.create(
        user=tutor_also_in_a_school.user, organisation=district.school_b, role=Role.TEACHER
    )
    in_two_schools = member(district.school_b)
    Membership.objects.create(user=in_two_schools.user, organisation=district.school_a, role=Role.TEACHER)
    left = member(district.school_a)
    left.is_active = False
    left.save(update_fields=["is_active"])
    nobody = UserFactory()

    def found(person: object, organisation: object) -> object:
        with CaptureQueriesContext(connection) as queries:
            membership = district_membership_for(person, organisation)
        assert len(queries) <= 1, (person, organisation)
        return membership

    # The centre: its own members, else the staff of its schools (the own membership first).
    assert found(school_teacher.user, district.centre) == school_teacher
    assert found(centre_tutor.user, district.centre) == centre_tutor
    assert found(tutor_also_in_a_school.user, district.centre) == tutor_also_in_a_school
    assert found(in_two_schools.user, district.centre).organisation in (district.school_a, district.school_b)
    assert found(left.user, district.centre) is None
    assert found(nobody, district.centre) is None
    # A school: only its own active members.
    assert found(school_teacher.user, district.school_a) == school_teacher
    assert found(school_teacher.user, district.school_b) is None
    assert found(centre_tutor.user, district.school_a) is None
    assert found(in_two_schools.user, district.school_b) == in_two_schools
    assert found(left.user, district.school_a) is None


def test_the_new_booking_answer_is_exactly_what_the_booking_serializer_gives(district: District) -> None:
    from consultations.api import BookingOutputSerializer

    teacher = teacher_in(district.school_a)
    token = api_token(teacher)
    client = APIClient(HTTP_HOST=CENTRE, HTTP_AUTHORIZATION=f"Token {token}")
    slot = slot_in(district.centre, starts_at=in_days(3))

    response = book(client, slot)

    assert response.status_code == 201, response.content
    with tenant_context(district.centre):
        booking = Booking.objects.select_related("slot__offering__subject", "slot__tutor", "teacher").get(
            pk=response.json()["id"]
        )
        context = {"zone": district.centre.zone, "actor": teacher, "just_booked": True}
        expected = BookingOutputSerializer(booking, context=context).data
    assert response.json() == json.loads(json.dumps(expected, cls=DjangoJSONEncoder))
    assert response.json()["slot"]["booked"] == 1 and response.json()["rating"] is None


TAKEN_AS_IS = [
    {"slot": 7, "question": "  Как оценивать проекты?\n"},
    {"slot": 1, "question": "x" * 4000},
]
LEFT_TO_THE_SERIALIZER = [
    {"slot": 7, "question": "x" * 4001},
    {"slot": 7, "question": "   "},
    {"slot": 7, "question": ""},
    {"slot": 0, "question": "?"},
    {"slot": -3, "question": "?"},
    {"slot": "7", "question": "?"},
    {"slot": True, "question": "?"},
    {"slot": 7.0, "question": "?"},
    {"slot": 7, "question": 5},
    {"slot": 7, "question": "a\x00b"},
    {"slot": 7, "question": "a\ud800b"},
    {"slot": 7},
    {"question": "?"},
    {"slot": 7, "question": "?", "extra": 1},
    ["slot", 7],
]


@pytest.mark.parametrize("data", TAKEN_AS_IS)
def test_a_plain_booking_body_is_read_exactly_as_the_input_serializer_reads_it(data: object) -> None:
    from consultations.api import BookingCreateInputSerializer, _plain_booking_input

    serializer = BookingCreateInputSerializer(data=data)
    assert serializer.is_valid(), serializer.errors
    assert _plain_booking_input(data) == dict(serializer.validated_data)


@pytest.mark.parametrize("data", LEFT_TO_THE_SERIALIZER)
def test_an_unusual_booking_body_is_left_to_the_input_serializer(data: object) -> None:
    from consultations.api import _plain_booking_input

    assert _plain_booking_input(data) is None
