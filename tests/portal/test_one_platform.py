"""One platform from the school portal: the centre's tutors, bookings, bank and sign-in reach
a school's teacher without the centre's address and without a second sign-in (README, "One
platform")."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.utils import translation
from django_tenants.utils import tenant_context

from accounts.models import Role
from consultations.models import Offering
from tests.casebank.factories import district_material
from tests.conftest import District, client_for, member
from tests.factories import SubjectFactory

from .helpers import book, follow_across, hop_form_in, slot_in

pytestmark = pytest.mark.django_db

SCHOOL, CENTRE, PUBLIC = "school1.localhost", "centre.localhost", "localhost"


@pytest.fixture(autouse=True)
def _russian() -> None:
    translation.activate("ru")


def test_a_school_without_tutors_of_its_own_leads_its_consultations_page_to_the_centres_tutors(
    district: District,
) -> None:
    tutor_slot = slot_in(district.centre)
    teacher = member(district.school_a).user
    school = client_for(teacher, SCHOOL)
    with tenant_context(district.school_a):
        assert not Offering.objects.filter(is_active=True).exists()

    page, host = follow_across(school, school.get("/consultations/"), {SCHOOL: school})

    assert host == CENTRE
    assert page.status_code == 200
    assert (
        f'data-slot-id="{tutor_slot.pk}"' in page.content.decode()
        or tutor_slot.tutor.last_name in page.content.decode()
    )


def test_a_school_with_its_own_tutors_shows_them_and_offers_the_centres(district: District) -> None:
    slot = slot_in(district.school_b)
    teacher = member(district.school_b).user
    # Followed: the page goes on to the week of the first free slot (three days ahead may be
    # next week: this failed on Fridays, Saturdays and Sundays before).
    response = client_for(teacher, "school2.localhost").get("/consultations/", follow=True)
    assert response.status_code == 200
    assert slot.tutor.last_name in response.content.decode()


def test_the_hop_signs_in_only_once_per_ticket_and_never_leads_off_site(district: District) -> None:
    teacher = member(district.school_a).user
    school = client_for(teacher, SCHOOL)
    action, ticket = hop_form_in(school.get(f"/go/{district.centre.pk}/?next=//evil.example/"))  # type: ignore[misc]
    assert urlsplit(action).hostname == CENTRE
    origin = {"HTTP_ORIGIN": f"http://{SCHOOL}:8000"}

    centre = Client(HTTP_HOST=CENTRE)
    landed = centre.post(urlsplit(action).path, {"t": ticket}, **origin)  # type: ignore[arg-type]
    assert landed["Location"] == "/"  # not //evil.example/
    assert centre.get("/").status_code == 200

    replay = Client(HTTP_HOST=CENTRE)
    again = replay.post(urlsplit(action).path, {"t": ticket}, **origin)  # type: ignore[arg-type]
    assert again["Location"].startswith("/accounts/login/")
    assert "_auth_user_id" not in replay.session


def test_the_hop_lands_on_the_page_it_was_asked_for(district: District) -> None:
    teacher = member(district.school_a).user
    school = client_for(teacher, SCHOOL)
    action, ticket = hop_form_in(school.get(f"/go/{district.centre.pk}/?next=/casebank/"))  # type: ignore[misc]
    centre = Client(HTTP_HOST=CENTRE)
    landed = centre.post(urlsplit(action).path, {"t": ticket}, HTTP_ORIGIN=f"http://{SCHOOL}:8000")
    assert landed["Location"] == "/casebank/"


def test_no_ticket_into_a_school_one_does_not_belong_to(district: District) -> None:
    teacher = member(district.school_a).user
    response = client_for(teacher, SCHOOL).get(f"/go/{district.school_b.pk}/?next=/casebank/")
    assert response.status_code == 302
    assert "/accounts/hop/" not in response["Location"]
    assert (
        response["Location"].endswith("school2.localhost:8000/casebank/")
        or "school2.localhost" in response["Location"]
    )


def test_the_school_dashboard_lists_the_centre_among_the_other_organisations(district: District) -> None:
    teacher = member(district.school_a).user
    page = client_for(teacher, SCHOOL).get("/").content.decode()
    other = page[page.index('class="other-organisations"') :]
    assert district.centre.name in other
    assert f"/go/{district.centre.pk}/" in other


def test_the_operator_sites_centre_link_does_not_ask_to_sign_in_again(district: District) -> None:
    teacher = member(district.school_a).user
    public = client_for(teacher, PUBLIC)
    home = public.get("/").content.decode()
    assert f"/go/{district.centre.pk}/" in home

    page, host = follow_across(public, public.get(f"/go/{district.centre.pk}/?next=/"), {PUBLIC: public})
    assert host == CENTRE
    assert page.status_code == 200
    assert district.centre.name in page.content.decode()


def test_an_anonymous_visitor_is_sent_to_the_centres_own_sign_in(district: District) -> None:
    response = Client(HTTP_HOST=PUBLIC).get(f"/go/{district.centre.pk}/?next=/")
    assert response.status_code == 302
    assert urlsplit(response["Location"]).hostname == CENTRE
    assert "/accounts/hop/" not in response["Location"]


def test_my_bookings_on_the_school_portal_list_the_centre_bookings_and_only_mine(
    district: District, django_assert_max_num_queries
) -> None:  # type: ignore[no-untyped-def]
    teacher = member(district.school_a).user
    other = member(district.school_a).user
    mine = slot_in(district.centre)
    theirs = slot_in(
        district.centre,
        mine.starts_at.replace(hour=mine.starts_at.hour) + (mine.ends_at - mine.starts_at) * 3,
    )
    book(district.centre, mine, teacher, district.school_a, question="Мой вопрос о проектах")
    book(district.centre, theirs, other, district.school_a, question="Чужой вопрос о ВПР")

    client = client_for(teacher, SCHOOL)
    client.get("/consultations/my/")  # warm the per-process caches (host, memberships)
    with django_assert_max_num_queries(16):
        page = client.get("/consultations/my/").content.decode()
    assert "Мой вопрос о проектах" in page
    assert mine.tutor.last_name in page
    assert "Чужой вопрос о ВПР" not in page
    assert f"/go/{district.centre.pk}/" in page


def test_a_tutors_bookings_page_points_to_the_consultations_they_lead(district: District) -> None:
    tutor = member(district.centre, Role.TUTOR).user
    page = client_for(tutor, CENTRE).get("/consultations/my/").content.decode()
    assert "/consultations/calendar/" in page
    assert "Консультации, которые я провожу" in page


def test_the_school_bank_search_also_searches_the_district_bank_and_names_each_bank(
    district: District, django_assert_max_num_queries
) -> None:  # type: ignore[no-untyped-def]
    author = member(district.school_a).user
    methodologist = member(district.centre, Role.METHODOLOGIST).user
    _own, copy = district_material(district, author, methodologist, title="Кейс о пропорциях в районе")
    reader = member(district.school_b).user  # another school: its own bank has nothing
    client = client_for(reader, "school2.localhost")
    client.get("/casebank/?q=пропорциях")
    with django_assert_max_num_queries(30):
        page = client.get("/casebank/?q=пропорциях").content.decode()
    district_part = page[page.index('class="district-hits"') :]
    assert "Кейс о пропорциях в районе" in district_part
    assert "Банк района" in district_part
    assert f"/casebank/materials/{copy.pk}/" in district_part or f"/go/{district.centre.pk}/" in district_part
    assert "Банк школы" in page[: page.index('class="district-hits"')]


def test_the_district_bank_is_not_searched_twice_on_the_centre(district: District) -> None:
    reader = member(district.school_b).user
    page = client_for(reader, CENTRE).get("/casebank/?q=пропорциях").content.decode()
    assert 'class="district-hits"' not in page


def test_the_tutor_profile_shows_subjects_offerings_and_ratings_to_a_school_teacher(
    district: District,
) -> None:
    subject = SubjectFactory(name="Физика-профиль")
    tutor_membership = member(district.centre, Role.TUTOR)
    tutor_membership.subjects.add(subject)
    slot_in(district.centre, tutor=tutor_membership.user, subject=subject, topic="Лабораторные работы")
    teacher = member(district.school_a).user
    page = client_for(teacher, CENTRE).get(f"/tutors/{tutor_membership.user.pk}/").content.decode()
    assert tutor_membership.user.last_name in page
    assert "Физика-профиль" in page
    assert "Лабораторные работы" in page
    assert "Оценок пока нет" in page


def test_no_tutor_profile_for_a_non_tutor_nor_for_an_outsider(district: District) -> None:
    teacher = member(district.school_a).user
    assert client_for(teacher, CENTRE).get(f"/tutors/{teacher.pk}/").status_code == 404
    outsider = member(district.school_b).user
    tutor = member(district.centre, Role.TUTOR).user
    assert client_for(outsider, SCHOOL).get(f"/tutors/{tutor.pk}/").status_code == 403


def test_a_teachers_own_page_shows_their_subjects_and_organisations(district: District) -> None:
    membership = member(district.school_a)
    membership.subjects.add(SubjectFactory(name="Химия-моя"))
    page = client_for(membership.user, SCHOOL).get("/my/organisations/").content.decode()
    assert district.school_a.name in page
    assert "Химия-моя" in page


def test_the_author_sees_the_district_copy_published_with_its_link_rating_and_downloads(
    district: District, django_assert_max_num_queries
) -> None:  # type: ignore[no-untyped-def]
    author = member(district.school_a).user
    methodologist = member(district.centre, Role.METHODOLOGIST).user
    own, copy = district_material(district, author, methodologist, title="Кейс автора для района")
    client = client_for(author, SCHOOL)
    page = client.get(f"/casebank/materials/{own.pk}/").content.decode()
    assert "Опубликован в банке района" in page
    assert f"/go/{district.centre.pk}/?next=%2Fcasebank%2Fmaterials%2F{copy.pk}%2F" in page
    assert "Отправить изменения в банк района" in page

    client.get("/casebank/mine/")
    with django_assert_max_num_queries(16):
        mine = client.get("/casebank/mine/").content.decode()
    card = mine[mine.index(f'data-material-id="{own.pk}"') :]
    assert "Банк района: Опубликован" in card[: card.index("</li>")]


def test_a_co_reader_does_not_get_the_authors_district_facts(district: District) -> None:
    from portal import authored

    author = member(district.school_a).user
    methodologist = member(district.centre, Role.METHODOLOGIST).user
    own, _copy = district_material(district, author, methodologist)
    stranger = member(district.school_a).user
    with tenant_context(district.school_a):
        assert authored.district_facts(material=own, user=stranger) is None
        assert authored.district_facts(material=own, user=author) is not None


def test_reschedule_offers_and_accepts_only_slots_of_the_same_offering(district: District) -> None:
    from consultations.services import booking_reschedule
    from tutornet.errors import TutornetError

    tutor = member(district.centre, Role.TUTOR).user
    teacher = member(district.school_a).user
    first = slot_in(district.centre, tutor=tutor)
    with tenant_context(district.centre):
        from tests.consultations.factories import SlotFactory

        same = SlotFactory(
            offering=first.offering, starts_at=first.starts_at + (first.ends_at - first.starts_at) * 2
        )
    other = slot_in(
        district.centre, first.starts_at + (first.ends_at - first.starts_at) * 4, tutor=tutor, group=True
    )
    booking = book(district.centre, first, teacher, district.school_a)

    page = (
        client_for(teacher, CENTRE).get(f"/consultations/bookings/{booking.pk}/reschedule/").content.decode()
    )
    assert f'value="{same.pk}"' in page
    assert f'value="{other.pk}"' not in page

    with tenant_context(district.centre):
        with pytest.raises(TutornetError) as refused:
            booking_reschedule(booking_id=booking.pk, new_slot_id=other.pk, actor=teacher)
        assert refused.value.field == "new_slot"
        booking.refresh_from_db()
        assert booking.status == "confirmed" and booking.slot_id == first.pk


def test_ratings_have_no_pre_chosen_value(district: District) -> None:
    from casebank.forms import RatingForm as MaterialRatingForm
    from consultations.forms import RatingForm

    chosen = re.compile(r'value="\d" selected')
    assert not chosen.search(str(RatingForm()["score"]))
    assert not RatingForm({"score": ""}).is_valid()
    assert not chosen.search(str(MaterialRatingForm()["score"]))
    assert not MaterialRatingForm({"score": ""}).is_valid()


def test_booking_inside_the_cancel_deadline_warns_and_asks(district: District) -> None:
    from datetime import timedelta

    from django.utils import timezone

    starts = (timezone.now() + timedelta(hours=6)).replace(minute=0, second=0, microsecond=0)
    near = slot_in(district.centre, starts, min_notice_hours=1, cancel_deadline_hours=12)
    far = slot_in(district.centre, starts + timedelta(days=3))
    teacher = member(district.school_a).user
    client = client_for(teacher, CENTRE)
    page = client.get(f"/consultations/slots/{near.pk}/book/").content.decode()
    assert 'id="no-cancel-warning"' in page and "data-confirm=" in page
    page = client.get(f"/consultations/slots/{far.pk}/book/").content.decode()
    assert 'id="no-cancel-warning"' not in page


def test_destructive_actions_ask_for_confirmation_saying_what_follows(district: District) -> None:
    slot = slot_in(district.centre)
    teacher = member(district.school_a).user
    book(district.centre, slot, teacher, district.school_a)
    page = client_for(teacher, CENTRE).get("/consultations/my/").content.decode()
    form = page[page.index('class="inline cancel"') :]
    form = form[: form.index(">")]
    assert 'data-confirm="Отменить консультацию?"' in form
    assert 'data-confirm-reason="reason"' in form
    assert "тьютор" in form  # what follows: the tutor is told
