"""What the support did, on rows the other apps' services wrote (support_data): the exact
figures of each school for the subject, none of another school's, on the selector, the page,
the API and the school's own view."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.utils import timezone, translation
from openpyxl import load_workbook

from accounts.models import Role
from consultations.models import Booking
from consultations.services import booking_rate
from tenants.models import AcademicYear
from tests.conftest import District, client_for, member
from tests.consultations.factories import OfferingFactory, SlotFactory, book_slot
from tutorials.district import picture, selectors
from tutorials.district.exports import school_lines, workbook
from tutorials.district.services import snapshot_compute

from .helpers import build
from .support_data import build_support

pytestmark = pytest.mark.django_db


def test_support_counts_each_school_from_the_other_apps_rows(centre: District) -> None:
    p = build(centre)
    build_support(p)
    year = AcademicYear.objects.get(pk=p.cast.year.pk)
    counts = selectors.support_counts(year, p.cast.subject.pk)
    a, b = counts[centre.school_a.pk], counts[centre.school_b.pk]
    assert a["routes"] == {"draft": 1} and (a["items_planned"], a["items_done"]) == (2, 1)
    assert a["consultations_held"] == 2 and a["consultation_rating"] == pytest.approx(4.5)
    assert (a["help_requests"], a["help_sessions"], a["help_rating"], a["help_rating_n"]) == (1, 1, 4, 2)
    assert (a["tutorials"], a["registrations"], a["attendances"]) == (1, 2, 2)
    assert a["tutorial_rating"] == pytest.approx(4.5)
    assert a["materials"] == 1
    assert b["routes"] == {} and (b["items_planned"], b["items_done"]) == (0, 0)
    assert b["consultations_held"] == 1 and b["consultation_rating"] == 2
    assert (b["help_requests"], b["help_sessions"], b["help_rating"]) == (0, 0, None)
    assert (b["tutorials"], b["registrations"], b["attendances"], b["tutorial_rating"]) == (1, 1, 1, 3)
    assert b["materials"] == 0
    assert (a["consultation_rating_n"], a["tutorial_rating_n"], b["consultation_rating_n"]) == (2, 2, 1)
    # Another subject sees none of it.
    assert selectors.support_counts(year, p.cast.other_tutor.subjects.get().pk) == {}

    # Every mean rating rests on fewer than 3 ratings: hidden, with its count, everywhere.
    snapshot = snapshot_compute(p.campaign.pk)
    rows, average = picture.support(snapshot.data)
    by_school = {r.school_id: r for r in rows}
    ra, rb = by_school[centre.school_a.pk], by_school[centre.school_b.pk]
    assert ra.values["consultations_held"] == 2 and rb.values["consultations_held"] == 1
    assert ra.values["attendances"] == 2 and rb.values["attendances"] == 1 and ra.values["materials"] == 1
    assert ra.values["items_done_share"] == 50 and rb.values["items_done_share"] is None
    for field in picture.RATING_FIELDS:
        assert ra.values[field] is None and ra.hidden(field), field
        assert average.values[field] is None and not average.hidden(field), field
    assert rb.hidden("consultation_rating") and not rb.hidden("help_rating")  # no Help Hour rating at all
    methodologist = client_for(p.cast.user("methodologist"), centre.host(centre.centre))
    page = methodologist.get(f"/district/{p.campaign.pk}/support/").content.decode()
    row_a = page[page.index(f'data-school="{centre.school_a.pk}"') :].split("</tr>")[0]
    row_b = page[page.index(f'data-school="{centre.school_b.pk}"') :].split("</tr>")[0]
    assert row_a.count("n &lt; 3") == 3 and row_b.count("n &lt; 3") == 2
    assert "4,5" not in row_a and "4.5" not in row_a
    body = methodologist.get(f"/api/district/{p.campaign.pk}/").json()
    support = {s["school_id"]: s["support"] for s in body["schools"]}
    assert support[centre.school_a.pk]["tutorial_rating"] is None
    assert support[centre.school_a.pk]["tutorial_rating_n"] == 2
    assert support[centre.school_b.pk]["consultations_held"] == 1
    with translation.override("en"):
        sheet = load_workbook(io.BytesIO(workbook(snapshot)))["Support"]
        lines = [text for _style, text in school_lines(snapshot, centre.school_a.pk)]
    values = {r[0]: r[1:] for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert values["Школа № 1"][-3:] == ("n < 3", "n < 3", "n < 3")
    assert "Tutorials: mean rating: n < 3 (—)" in lines


def test_a_mean_of_three_ratings_is_shown_with_its_count(centre: District) -> None:
    p = build(centre)
    build_support(p)
    a3 = p.teachers["a3"]
    consultant = member(centre.centre, Role.TUTOR).user
    slot = SlotFactory(
        offering=OfferingFactory(tutor=consultant, subject=p.cast.subject),
        starts_at=(timezone.now() - timedelta(hours=6)).replace(second=0, microsecond=0),
    )
    booking = book_slot(slot, a3.user, status=Booking.Status.HELD)
    booking_rate(booking_id=booking.pk, teacher=a3.user, score=3)
    snapshot = snapshot_compute(p.campaign.pk)
    rows, average = picture.support(snapshot.data)
    ra = next(r for r in rows if r.school_id == centre.school_a.pk)
    assert ra.values["consultation_rating"] == pytest.approx(4) and ra.rated("consultation_rating") == 3
    assert not ra.hidden("consultation_rating")
    # The district: A's mean only (B's single rating stays out), with A's count.
    assert average.values["consultation_rating"] == pytest.approx(4)
    assert average.values["consultation_rating_n"] == 3
    methodologist = client_for(p.cast.user("methodologist"), centre.host(centre.centre))
    page = methodologist.get(f"/district/{p.campaign.pk}/support/").content.decode()
    row_a = page[page.index(f'data-school="{centre.school_a.pk}"') :].split("</tr>")[0]
    assert "(n = 3)" in row_a
    with translation.override("en"):
        lines = [text for _style, text in school_lines(snapshot, centre.school_a.pk)]
    assert "Consultations: mean rating: 4.0 (n = 3) (4.0 (n = 3))" in lines
