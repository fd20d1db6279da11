"""What the support did, built through the services of the other apps for schools A and B.

School A: a route with two items (one done), two consultations held (rated 4 and 5), a Help
Hour request held in a session (rated 5 and 3), a tutorial two of its teachers registered for
and attended (rated 5 and 4), and a case material published in the district bank.
School B: one consultation held (rated 2), one teacher registered for the tutorial and attended
(rated 3); no route, no Help Hour, no material.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from accounts.models import Role
from consultations.help_hour import services as help_hour
from consultations.models import Booking
from consultations.services import booking_rate
from tests.casebank.factories import district_material
from tests.conftest import member
from tests.consultations.factories import OfferingFactory, SlotFactory, book_slot
from tests.tutorials.factories import published, register
from tutorials.models import Session, Tutorial
from tutorials.routes import services as routes
from tutorials.services import attendance_mark, feedback_submit

from .helpers import Picture


def build_support(p: Picture) -> None:
    cast, a1, a2, b1 = p.cast, p.teachers["a1"], p.teachers["a2"], p.teachers["b1"]
    centre = cast.district.centre
    subject = cast.subject
    # Routes (school A only).
    route = routes.route_create(
        actor=a1.user, teacher=a1.user, academic_year=cast.year, subject_id=subject.pk
    )
    routes.item_add(actor=a1.user, route_id=route.pk, version=route.version, task="Дроби")
    route.refresh_from_db()
    item = routes.item_add(actor=a1.user, route_id=route.pk, version=route.version, task="Функции")
    routes.item_update(actor=a1.user, item_id=item.pk, version=item.version, status="done")
    # Consultations: a slot that started an hour ago, booked back then, marked held, rated.
    consultant = member(centre, Role.TUTOR).user
    offering = OfferingFactory(tutor=consultant, subject=subject)
    for i, (teacher, score) in enumerate([(a1, 4), (a2, 5), (b1, 2)]):
        start = (timezone.now() - timedelta(hours=2 + i)).replace(second=0, microsecond=0)
        slot = SlotFactory(offering=offering, starts_at=start)
        booking = book_slot(slot, teacher.user, status=Booking.Status.HELD)
        booking_rate(booking_id=booking.pk, teacher=teacher.user, score=score)
    # Help Hour: A's request, accepted, held in a session, rated by both participants.
    request = help_hour.request_create(
        actor=a1.user,
        membership=a1,
        subject=subject,
        category="work_program",
        description="Не получается согласовать рабочую программу с ФОП",
        participant_ids=[a1.user.pk, a2.user.pk],
        preferred_times=[{"date": "2031-03-02", "from": "14:00", "to": "16:00"}],
        document=None,
        submit=True,
    )
    methodologist = cast.methodologist
    help_hour.request_accept(request_id=request.pk, actor=methodologist.user, membership=methodologist)
    starts = timezone.now() + timedelta(days=1)
    session = help_hour.session_schedule(
        request_ids=[request.pk],
        starts_at=starts,
        ends_at=starts + timedelta(hours=1),
        mode="video",
        place="",
        capacity=10,
        tutor_ids=[cast.tutor.user.pk],
        actor=methodologist.user,
        membership=methodologist,
    )
    help_hour.session_mark_held(
        session_id=session.pk,
        actor=cast.tutor.user,
        membership=cast.tutor,
        now=starts + timedelta(minutes=30),
    )
    for teacher, score in [(a1, 5), (a2, 3)]:
        help_hour.session_rate(session_id=session.pk, actor=teacher.user, membership=teacher, score=score)
    # A tutorial of the subject: registered, moved to have started, attended, rated.
    organiser = member(centre, Role.TUTOR)
    tutorial = published(organiser, subject_ids=[subject.pk])
    for teacher in (a1, a2, b1):
        register(tutorial, teacher)
    start = timezone.now() - timedelta(minutes=10)
    Session.objects.filter(tutorial=tutorial).update(starts_at=start, ends_at=start + timedelta(hours=2))
    Tutorial.objects.filter(pk=tutorial.pk).update(starts_at=start, ends_at=start + timedelta(hours=2))
    sitting = Session.objects.get(tutorial=tutorial)
    for teacher, score in [(a1, 5), (a2, 4), (b1, 3)]:
        attendance_mark(
            session=sitting, user_id=teacher.user.pk, present=True, actor=organiser.user, membership=organiser
        )
        feedback_submit(tutorial=tutorial, user=teacher.user, rating=score, useful="", will_use="")
    # A case material of school A, published in the district bank.
    district_material(cast.district, a1.user, methodologist.user, subjects=[subject])
