"""Each role's home page says what's next, in a fixed number of queries."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.utils import timezone, translation
from django_tenants.utils import tenant_context

from accounts import services as account_services
from accounts.models import Role
from tests.casebank.factories import material
from tests.conftest import District, client_for, member
from tests.factories import SubjectFactory
from tests.help_hour.helpers import make_cast, new_request

from .helpers import book, slot_in, soon

pytestmark = pytest.mark.django_db

SCHOOL, CENTRE = "school1.localhost", "centre.localhost"


@pytest.fixture(autouse=True)
def _russian() -> Iterator[None]:
    with translation.override("ru"):
        yield


def _dashboard(user, host: str, queries, limit: int) -> str:  # type: ignore[no-untyped-def]
    client = client_for(user, host)
    client.get("/")  # per-process caches (host, district memberships) warm
    with queries(limit):
        response = client.get("/")
    assert response.status_code == 200
    return response.content.decode()


def test_a_teachers_home_shows_the_next_consultation_with_its_question_and_new_materials(
    district: District, django_assert_max_num_queries
) -> None:  # type: ignore[no-untyped-def]
    subject = SubjectFactory(name="Математика-дашборд")
    teacher_membership = member(district.school_a)
    teacher_membership.subjects.add(subject)
    teacher = teacher_membership.user
    slot = slot_in(district.centre, soon(days=2))
    book(district.centre, slot, teacher, district.school_a, question="Как готовить к ОГЭ?")
    author = member(district.school_a).user
    material(district.school_a, author, title="Кейс про дроби", subjects=[subject])
    # 20 here: one switch into the centre for all its reads, the subjects read once (the panel
    # prefetches them on the membership the dashboard's own line uses); + the diagnostics,
    # tutorials and events panels.
    page = _dashboard(teacher, SCHOOL, django_assert_max_num_queries, 22)
    panel = page[page.index('id="panel-teacher-next"') :]
    assert "Как готовить к ОГЭ?" in panel
    assert slot.tutor.get_full_name() in panel
    assert f"/go/{district.centre.pk}/" in panel
    assert "Кейс про дроби" in panel


def test_a_tutors_home_shows_todays_and_this_weeks_consultations_with_the_questions(
    district: District, django_assert_max_num_queries
) -> None:  # type: ignore[no-untyped-def]
    tutor = member(district.centre, Role.TUTOR).user
    starts = (timezone.now() + timedelta(hours=14)).replace(minute=0, second=0, microsecond=0)
    slot = slot_in(district.centre, starts, tutor=tutor, min_notice_hours=1)
    book(district.centre, slot, member(district.school_a).user, district.school_a, question="Вопрос тьютору")
    page = _dashboard(tutor, CENTRE, django_assert_max_num_queries, 20)
    panel = page[page.index('id="panel-tutor-next"') :]
    assert "Вопрос тьютору" in panel


def test_a_methodologists_home_counts_the_queue_the_moderation_and_sessions_without_outcome(
    district: District, django_assert_max_num_queries
) -> None:  # type: ignore[no-untyped-def]
    cast = make_cast(district)
    with tenant_context(district.centre):
        new_request(cast)
    page = _dashboard(cast.methodologist.user, CENTRE, django_assert_max_num_queries, 22)
    panel = page[page.index('id="panel-methodologist-next"') :]
    assert "/consultations/help-hour/centre/" in panel
    assert "1 заявка" in panel or "1 заявк" in panel


def test_a_school_admins_home_lists_open_requests_invitations_and_staff_without_subjects(
    district: District, django_assert_max_num_queries
) -> None:  # type: ignore[no-untyped-def]
    cast = make_cast(district)
    with tenant_context(district.centre):
        new_request(cast)
    admin = cast.school_admin
    account_services.invitation_create(
        organisation=district.school_a,
        email="novaya@example.org",
        role=Role.TEACHER,
        actor=admin.user,
        actor_membership=admin,
    )
    page = _dashboard(admin.user, SCHOOL, django_assert_max_num_queries, 22)
    panel = page[page.index('id="panel-school-admin-next"') :]
    assert cast.requester.user.get_full_name() in panel
    assert cast.colleague.user.get_full_name() in panel  # a teacher without subjects
    assert "novaya@example.org" in panel


def test_a_centre_admins_home_lists_schools_being_onboarded_and_tutors_without_offerings(
    district: District, django_assert_max_num_queries
) -> None:  # type: ignore[no-untyped-def]
    admin = member(district.centre, Role.CENTRE_ADMIN).user
    idle = member(district.centre, Role.TUTOR, last_name="Бездельников").user
    busy = member(district.centre, Role.TUTOR, last_name="Занятов").user
    slot_in(district.centre, tutor=busy)
    page = _dashboard(admin, CENTRE, django_assert_max_num_queries, 20)
    panel = page[page.index('id="panel-centre-admin-next"') :]
    assert idle.last_name in panel
    assert busy.last_name not in panel
    assert district.school_a.short_name in panel  # no administrator yet in the test district


def test_every_page_has_the_section_navigation_and_the_menu_button(district: District) -> None:
    teacher = member(district.school_a).user
    client = client_for(teacher, SCHOOL)
    for path in ("/", "/casebank/", "/my/calendar/", "/consultations/help-hour/requests/"):
        page = client.get(path).content.decode()
        assert 'id="section-nav"' in page, path
        assert 'class="menu-toggle"' in page
        assert 'aria-current="page"' in page


def _nav(user, host: str) -> str:  # type: ignore[no-untyped-def]
    page = client_for(user, host).get("/").content.decode()
    return page[page.index('id="section-nav"') :].split("</nav>", 1)[0]


def test_the_navigation_leads_to_tutorials_diagnostics_and_routes_on_the_centre_from_any_portal(
    district: District,
) -> None:
    hop = f"/go/{district.centre.pk}/?next="
    teacher = _nav(member(district.school_a).user, SCHOOL)
    assert 'href="/tutorials/"' in teacher and "Тьюториалы" in teacher
    # The district's diagnostics and routes live on the centre: one hop, no second sign-in.
    assert f'href="{hop}%2Fdiagnostics%2Fmy%2F"' in teacher and "Моя диагностика" in teacher
    assert f'href="{hop}%2Froutes%2F"' in teacher and "Маршруты" in teacher

    methodologist = _nav(member(district.centre, Role.METHODOLOGIST).user, CENTRE)
    assert 'href="/diagnostics/campaigns/"' in methodologist and 'href="/routes/"' in methodologist

    admin = _nav(member(district.school_a, Role.SCHOOL_ADMIN).user, SCHOOL)
    assert f'href="{hop}%2Froutes%2F"' in admin and "diagnostics" not in admin
    centre_admin = _nav(member(district.centre, Role.CENTRE_ADMIN).user, CENTRE)
    assert "/routes/" not in centre_admin  # nobody's route is theirs to see or approve


def test_the_organisers_of_methodological_weeks_find_them_in_the_navigation(district: District) -> None:
    """No other link leads an organiser to /events/ (the dashboard's panel lists the weeks a
    person takes part in): the page walk of tests/browser found it reachable only by address."""
    for organisation, role in ((district.centre, Role.METHODOLOGIST), (district.centre, Role.TUTOR)):
        host = district.host(organisation)
        assert 'href="/events/"' in _nav(member(organisation, role).user, host), role
    assert 'href="/events/"' not in _nav(member(district.school_a).user, SCHOOL)


def test_the_404_page_is_in_the_sites_design_and_language_with_landmarks_and_a_way_back(
    district: District, settings
) -> None:  # type: ignore[no-untyped-def]
    settings.DEBUG = False
    teacher = member(district.school_a).user
    response = client_for(teacher, SCHOOL).get("/nowhere/at/all/")
    page = response.content.decode()
    assert response.status_code == 404
    assert "Страница не найдена" in page
    assert "<main" in page and "<header" in page and 'href="/"' in page


def test_the_500_page_is_in_the_sites_language_with_a_way_back(district: District) -> None:
    from django.test import RequestFactory
    from portal.views import server_error

    request = RequestFactory().get("/")
    page = server_error(request).content.decode()
    assert "<main" in page and 'href="/"' in page
    assert "Что-то пошло не так" in page
