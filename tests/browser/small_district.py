"""A small, lived-in district for the page walk (test_walk_every_page.py), built through the
services and the other apps' test builders: so that the pages each role reaches have content.

One diagnostics cast (tests/diagnostics_campaigns/helpers.py) is everybody: its teacher has a
closed campaign's results, an approved route with evidence (the portfolio), a place in a group
route, a certificate of an attended tutorial, a Help Hour request with a session, a material
published in the district bank, a consultation held and one to come, and a methodological week."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone
from django_tenants.utils import tenant_context

from accounts.models import Membership, Role
from consultations.models import Slot
from tests.casebank.factories import district_material
from tests.conftest import District, member
from tests.consultations.factories import OfferingFactory, SlotFactory, book_slot
from tests.diagnostics_campaigns.helpers import WRONG, Cast, make_cast
from tests.events.helpers import register as event_register
from tests.events.helpers import week
from tests.help_hour import helpers as help_hour
from tests.routes.helpers import approved
from tests.routes.results import EQUATIONS_AND_FUNCTIONS, final_campaign
from tests.tutorials.factories import published, register
from tutorials import checkin
from tutorials.models import Session, Tutorial
from tutorials.routes import collect, groups
from tutorials.services import certificates_issue_for_tutorial, checkin_with_code


@dataclass
class SmallDistrict:
    cast: Cast
    centre_admin: Membership


def _consultations(cast: Cast) -> None:
    """A consultation the teacher had (held, with the tutor's note) and one to come."""
    offering = OfferingFactory(tutor=cast.user("tutor"), subject=cast.subject)
    past = timezone.now() - timedelta(hours=3)
    soon = (timezone.now() + timedelta(days=2)).replace(minute=0, second=0, microsecond=0)
    held: Slot = SlotFactory(offering=offering, starts_at=past)
    coming: Slot = SlotFactory(offering=offering, starts_at=soon)
    book_slot(held, cast.user("teacher"), status="held", outcome_note="Разобрали уравнения с параметром")
    book_slot(coming, cast.user("teacher"), question="Как готовить к ОГЭ слабый класс?")
    SlotFactory(offering=offering, starts_at=soon + timedelta(days=1))  # a free one


def _certificate(cast: Cast) -> None:
    """A tutorial the teacher attended (it started 10 minutes ago) and its certificate."""
    tutorial = published(cast.tutor, title="Задания с развёрнутым ответом в ОГЭ")
    register(tutorial, cast.teacher)
    start = timezone.now() - timedelta(minutes=10)
    Session.objects.filter(tutorial=tutorial).update(starts_at=start, ends_at=start + timedelta(hours=2))
    Tutorial.objects.filter(pk=tutorial.pk).update(starts_at=start, ends_at=start + timedelta(hours=2))
    tutorial.refresh_from_db()
    session = tutorial.sessions.get()
    code = checkin.code_now(session.checkin_secret)
    checkin_with_code(session=session, user=cast.user("teacher"), code=code)
    certificates_issue_for_tutorial(tutorial=tutorial, actor=cast.user("tutor"), membership=cast.tutor)
    register(published(cast.tutor, title="Функциональная грамотность"), cast.teacher2)  # one to come


def _help_hour(cast: Cast, centre_admin: Membership) -> None:
    """An accepted request of the teacher with its session, and one waiting in the queue."""
    people = help_hour.Cast(
        district=cast.district,
        subject=cast.subject,
        requester=cast.teacher,
        colleague=cast.teacher2,
        school_admin=cast.admin_a,
        outsider=cast.physics_teacher,
        other_admin=cast.admin_b,
        other_teacher=cast.teacher_b,
        methodologist=cast.methodologist,
        methodologist2=cast.methodologist,
        tutor=cast.tutor,
        tutor2=cast.other_tutor,
        centre_admin=centre_admin,
    )
    accepted = help_hour.accepted_request(people)
    help_hour.schedule(people, [accepted])
    help_hour.new_request(people, by="colleague", participants=("colleague",))


def small_district_build(district: District) -> SmallDistrict:
    centre_admin = member(district.centre, Role.CENTRE_ADMIN)
    with tenant_context(district.centre):
        cast = make_cast(district)
        campaign = final_campaign(
            cast, {"teacher": WRONG, "teacher2": EQUATIONS_AND_FUNCTIONS, "teacher_b": WRONG}
        )
        _consultations(cast)
        route = approved(cast)
        groups.group_create(
            actor=cast.user("methodologist"),
            title="Уравнения — группа района",
            academic_year_id=cast.year.pk,
            subject_id=cast.subject.pk,
            topic_ids=[cast.topics["2.1"].pk],
            teacher_ids=[cast.user("teacher2").pk, cast.user("teacher_b").pk],
            campaign_id=campaign.pk,
        )
        _certificate(cast)
        _help_hour(cast, centre_admin)
        collect.evidence_collect(actor=cast.user("teacher"), route_id=route.pk)  # the portfolio's evidence
        event, _blocks, _tracks = week(cast.methodologist)
        event_register(cast.teacher, event)
    district_material(district, cast.user("teacher"), cast.user("methodologist"), title="Кейс: уравнения")
    return SmallDistrict(cast=cast, centre_admin=centre_admin)
