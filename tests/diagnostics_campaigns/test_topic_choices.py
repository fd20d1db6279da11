"""The wizard and the questionnaire builder offer the codifier topics of the campaign's year:
with this year's and next year's codifier of a subject, a code is not offered twice."""

from __future__ import annotations

import io

from accounts.models import Role
from codifier.models import Exam
from codifier.services import codifier_import
from tenants.models import AcademicYear
from tests.conftest import member
from tutorials.diagnostics.campaigns.forms import CampaignForm, QuestionForm

from .helpers import Cast


def _next_year_codifier(cast: Cast) -> AcademicYear:
    year, _ = AcademicYear.objects.get_or_create(
        name="2027/2028", defaults={"starts_on": "2027-09-01", "ends_on": "2028-08-31"}
    )
    codifier_import(
        subject=cast.subject,
        exam=Exam.OGE,
        academic_year=year,
        title="КЭС ОГЭ 2027/2028",
        stream=io.BytesIO("Код;Элемент содержания\n1;Числа\n1.1;Натуральные числа\n".encode()),
        filename="kes.csv",
        actor=member(cast.district.centre, Role.CENTRE_ADMIN).user,
        organisation=cast.district.centre,
    )
    return year


def _labels(choices: object) -> list[str]:
    return [str(label) for _value, label in choices if _value != ""]  # type: ignore[attr-defined]


def test_the_questionnaire_offers_the_topics_of_the_campaigns_year_only(cast: Cast) -> None:
    next_year = _next_year_codifier(cast)
    this_year = _labels(
        QuestionForm(subject_id=cast.subject.pk, academic_year_id=cast.year.pk).fields["topic"].choices
    )
    assert this_year.count("1.1 Натуральные числа") == 1 and len(this_year) == 4
    following = _labels(
        QuestionForm(subject_id=cast.subject.pk, academic_year_id=next_year.pk).fields["topic"].choices
    )
    assert following == ["1 Числа", "1.1 Натуральные числа"]


def test_the_wizard_offers_the_years_topics_and_names_the_codifier_when_the_year_is_unknown(
    cast: Cast,
) -> None:
    _next_year_codifier(cast)
    schools = [(cast.district.school_a.pk, "A")]
    chosen = CampaignForm(schools=schools, subject_id=cast.subject.pk, academic_year_id=cast.year.pk)
    labels = _labels(chosen.fields["blueprint_topic_ids"].choices)
    assert len(labels) == 4 and labels.count("1.1 Натуральные числа") == 1
    unknown = _labels(
        CampaignForm(schools=schools, subject_id=cast.subject.pk).fields["blueprint_topic_ids"].choices
    )
    assert (
        "1.1 Натуральные числа · КЭС ОГЭ 2027/2028" in unknown
        and "1.1 Натуральные числа · КЭС ОГЭ" in unknown
    )
