"""Booking in one click from a plan item (the consultations' and tutorials' own services do
the booking), the booking as the item's evidence, and the "по вашему маршруту" flag."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from consultations.models import Booking, Slot
from consultations.services import booking_mark
from tenants.models import AcademicYear
from tests.conftest import client_for
from tests.consultations.factories import OfferingFactory, SlotFactory
from tests.diagnostics_campaigns.helpers import Cast
from tests.tutorials.factories import published
from tutorials.errors import ConflictError
from tutorials.models import Registration
from tutorials.routes import booking, collect, selectors, services
from tutorials.routes.models import Evidence, PlanItem, Route, TargetKind
from tutornet.errors import NotFoundError, PermissionDeniedError, TutornetError

from .helpers import draft


def _pointing(cast: Cast, kind: str, object_id: int, who: str = "teacher") -> PlanItem:
    route = draft(cast, who)
    item = route.items.get()
    return services.item_set_target(
        actor=cast.user(who), item_id=item.pk, version=item.version, kind=kind, object_id=object_id
    )


def _offering(cast: Cast, tutor: str = "tutor"):  # type: ignore[no-untyped-def]
    offering = OfferingFactory(tutor=cast.user(tutor), subject=cast.subject)
    soon = (timezone.now() + timedelta(days=2)).replace(minute=0, second=0, microsecond=0)
    slots = [SlotFactory(offering=offering, starts_at=soon + timedelta(hours=h)) for h in (0, 1, 2, 3)]
    return offering, slots


def test_one_click_books_the_consultation_and_files_it_as_evidence(cast: Cast) -> None:
    offering, slots = _offering(cast)
    item = _pointing(cast, TargetKind.OFFERING, offering.pk)
    client = client_for(cast.user("teacher"), cast.district.host(cast.district.centre))
    page = client.get(f"/routes/{item.route_id}/").content.decode()
    # The next three free times, each a button.
    assert page.count(f'action="/routes/{item.route_id}/items/{item.pk}/book/"') == 3
    client.post(f"/routes/{item.route_id}/items/{item.pk}/book/", {"slot": slots[0].pk})
    booked = Booking.objects.get(teacher=cast.user("teacher"))
    assert (booked.slot_id, booked.question, booked.teacher_organisation_id) == (
        slots[0].pk,
        item.task,
        cast.district.school_a.pk,
    )
    evidence = Evidence.objects.get(route_id=item.route_id)
    assert (evidence.item_id, evidence.kind, evidence.source_key) == (
        item.pk,
        "consultation",
        f"booking:{booked.pk}",
    )
    item.refresh_from_db()
    assert item.status == PlanItem.ItemStatus.IN_PROGRESS
    # A second click on the same time is the consultations' own refusal, and writes nothing.
    response = client.post(
        f"/routes/{item.route_id}/items/{item.pk}/book/", {"slot": slots[0].pk}, follow=True
    )
    assert "Вы уже записаны на эту консультацию" in response.content.decode()
    assert Evidence.objects.filter(route_id=item.route_id).count() == 1


def test_once_held_the_booked_consultation_is_the_same_evidence_with_the_tutors_note(cast: Cast) -> None:
    offering, slots = _offering(cast)
    item = _pointing(cast, TargetKind.OFFERING, offering.pk)
    teacher = cast.user("teacher")
    booking.item_book(actor=teacher, item_id=item.pk, slot_id=slots[1].pk)
    # Time passes: the consultation took place.
    held = Booking.objects.get(teacher=teacher)
    past = timezone.now() - timedelta(minutes=50)
    Slot.objects.filter(pk=held.slot_id).update(starts_at=past, ends_at=past + timedelta(minutes=45))
    Booking.objects.filter(pk=held.pk).update(starts_at=past, ends_at=past + timedelta(minutes=45))
    booking_mark(
        booking_id=held.pk, actor=cast.user("tutor"), status="held", outcome_note="Разобрали уравнения"
    )
    assert collect.evidence_collect(actor=teacher, route_id=item.route_id) == []
    evidence = Evidence.objects.get(route_id=item.route_id)
    assert (evidence.item_id, evidence.note) == (item.pk, "Разобрали уравнения")


def test_what_booking_from_an_item_refuses(cast: Cast) -> None:
    offering, slots = _offering(cast)
    other_offering, other_slots = _offering(cast, "other_tutor")
    item = _pointing(cast, TargetKind.OFFERING, offering.pk)
    teacher = cast.user("teacher")
    with pytest.raises(TutornetError, match="Choose a time of this task"):
        booking.item_book(actor=teacher, item_id=item.pk, slot_id=other_slots[0].pk)
    with pytest.raises(PermissionDeniedError):  # the tutor sees the route but books for nobody
        booking.item_book(actor=cast.user("tutor"), item_id=item.pk, slot_id=slots[0].pk)
    with pytest.raises(NotFoundError):
        booking.item_book(actor=cast.user("teacher_b"), item_id=item.pk, slot_id=slots[0].pk)
    plain = draft(cast, "teacher2").items.get()
    with pytest.raises(TutornetError, match="does not point to a consultation"):
        booking.item_book(actor=cast.user("teacher2"), item_id=plain.pk)
    assert not Booking.objects.filter(slot__offering__in=[offering, other_offering]).exists()
    assert not Evidence.objects.exists()


def test_one_click_registers_for_the_tutorial(cast: Cast) -> None:
    tutorial = published(cast.tutor, title="Уравнения с параметром", topic_ids=[cast.topics["2.1"].pk])
    item = _pointing(cast, TargetKind.TUTORIAL, tutorial.pk)
    client = client_for(cast.user("teacher"), cast.district.host(cast.district.centre))
    assert "Уравнения с параметром" in client.get(f"/routes/{item.route_id}/").content.decode()
    client.post(f"/routes/{item.route_id}/items/{item.pk}/book/")
    registration = Registration.objects.get(tutorial=tutorial, user=cast.user("teacher"))
    evidence = Evidence.objects.get(item=item)
    assert evidence.source_key == f"registration:{registration.pk}" and evidence.kind == "tutorial"
    with pytest.raises(ConflictError):  # the tutorials' own rule
        booking.item_book(actor=cast.user("teacher"), item_id=item.pk)
    assert Evidence.objects.filter(item=item).count() == 1


def test_the_route_page_queries_do_not_grow_with_bookable_items(cast: Cast) -> None:
    offering, _ = _offering(cast)
    few_items = _pointing(cast, TargetKind.OFFERING, offering.pk)
    route = draft(cast, "teacher2", items=6)
    teacher = cast.user("teacher2")
    for item in route.items.all():
        services.item_set_target(
            actor=teacher,
            item_id=item.pk,
            version=item.version,
            kind=TargetKind.OFFERING,
            object_id=offering.pk,
        )
    client_a = client_for(cast.user("teacher"), cast.district.host(cast.district.centre))
    client_b = client_for(teacher, cast.district.host(cast.district.centre))
    client_a.get(f"/routes/{few_items.route_id}/")
    client_b.get(f"/routes/{route.pk}/")
    with CaptureQueriesContext(connection) as few:
        client_a.get(f"/routes/{few_items.route_id}/")
    with CaptureQueriesContext(connection) as many:
        page = client_b.get(f"/routes/{route.pk}/").content.decode()
    assert page.count("/book/") == 6 * 3
    assert len(many) == len(few)


# --- "по вашему маршруту" ----------------------------------------------------------------


def test_tutorials_on_the_topics_of_the_teachers_open_route_are_flagged(cast: Cast) -> None:
    AcademicYear.objects.filter(pk=cast.year.pk).update(is_current=True)
    on_topic = published(cast.tutor, title="Уравнения: разбор", topic_ids=[cast.topics["2.1"].pk])
    published(cast.tutor, title="Дроби: разбор", topic_ids=[cast.topics["1.2"].pk])
    route = draft(cast, items=0)
    teacher = cast.user("teacher")
    services.item_add(
        actor=teacher,
        route_id=route.pk,
        version=route.version,
        task="Уравнения",
        topic_id=cast.topics["2.1"].pk,
    )
    route.refresh_from_db()
    dropped = services.item_add(
        actor=teacher, route_id=route.pk, version=route.version, task="Дроби", topic_id=cast.topics["1.2"].pk
    )
    services.item_update(actor=teacher, item_id=dropped.pk, version=dropped.version, status="dropped")
    assert selectors.route_topic_ids_for(teacher.pk) == [cast.topics["2.1"].pk]
    assert selectors.route_topic_ids_for(cast.user("teacher2").pk) == []
    page = client_for(teacher, cast.district.host(cast.district.centre)).get("/tutorials/").content.decode()
    assert page.count("по вашему маршруту") == 1
    card = page.split(f'id="tutorial-{on_topic.pk}"')[1].split("</li>")[0]
    assert "по вашему маршруту" in card
    # Another teacher's route flags nothing for this one; a route of another year neither.
    other = client_for(cast.user("teacher2"), cast.district.host(cast.district.centre))
    assert "по вашему маршруту" not in other.get("/tutorials/").content.decode()
    Route.objects.filter(pk=route.pk).update(
        academic_year=AcademicYear.objects.create(
            name="2030/2031", starts_on="2030-09-01", ends_on="2031-08-31"
        )
    )
    assert selectors.route_topic_ids_for(teacher.pk) == []
