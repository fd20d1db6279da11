"""A small district with hand-checkable results, made through the diagnostics' services.

This year's form (the cast's codifier, 2026/2027): single (1.1, 1 point), multiple (1.2,
2 points), short (2.1, 1 point), numeric (1.1 and 2.1, 1 point); so a teacher's topic
percentages are 1.1 = (single + numeric) / 2, 1.2 = multiple, 2.1 = (short + numeric) / 2.
Last year's form (its own codifier, 2025/2026): single on "1.1" and short on "1.5",
which the codifier's mapping continues as this year's 1.1 and 1.2.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.utils import timezone

from accounts.models import Membership, Role
from codifier.models import Codifier, Exam, Topic, TopicMapping
from tenants.models import AcademicYear, Organisation
from tests.conftest import District, member
from tests.diagnostics_campaigns.helpers import RIGHT, WRONG, Cast, make_cast, make_items
from tutorials.diagnostics.campaigns import services
from tutorials.diagnostics.campaigns.models import AttemptItem, Campaign
from tutorials.diagnostics.models import ItemType, ItemVersion
from tutorials.diagnostics.services.items import item_create

AUTO = (ItemType.SINGLE, ItemType.MULTIPLE, ItemType.SHORT, ItemType.NUMERIC)


@dataclass
class Picture:
    cast: Cast
    campaign: Campaign
    teachers: dict[str, Membership] = field(default_factory=dict)
    previous: Campaign | None = None
    old_topics: dict[str, Topic] = field(default_factory=dict)


def past_campaign(
    cast: Cast, *, year: AcademicYear, versions: list[ItemVersion], opens: datetime
) -> Campaign:
    """A campaign that ran in the past, published as of its opening (as the demo makes them)."""
    campaign = services.campaign_create(
        membership=cast.methodologist,
        title=f"Сентябрь {year.name}",
        academic_year=year,
        subject=cast.subject,
        opens_at=opens,
        closes_at=opens + timedelta(days=14),
        time_limit_minutes=60,
        deficit_threshold=60,
        version_ids=[v.pk for v in versions],
    )
    Campaign.objects.filter(pk=campaign.pk).update(published_at=opens)
    campaign.refresh_from_db()
    return campaign


def take(campaign: Campaign, membership: Membership, right: set[str], *, minutes: int = 0) -> None:
    """The teacher answers: right on the item types in ``right``, wrong on the others."""
    start = campaign.opens_at + timedelta(hours=1, minutes=minutes)
    attempt = services.attempt_start(campaign_id=campaign.pk, membership=membership, now=start)
    for item in AttemptItem.objects.filter(attempt=attempt).select_related("version__item"):
        kind = item.version.item.type
        services.answer_save(
            attempt_id=attempt.pk,
            user=membership.user,
            version_id=item.version_id,
            response=(RIGHT if kind in right else WRONG)[kind],
            now=start + timedelta(minutes=1),
        )
    services.attempt_submit(attempt_id=attempt.pk, user=membership.user, now=start + timedelta(minutes=5))


def teacher(cast: Cast, school: Organisation) -> Membership:
    membership = member(school, Role.TEACHER)
    membership.subjects.add(cast.subject)
    return membership


# This year's answers: (school, right item types).
THIS_YEAR = {
    "a1": ("a", set(AUTO)),  # 1.1: 100, 1.2: 100, 2.1: 100
    "a2": ("a", {ItemType.SINGLE}),  # 1.1: 50, 1.2: 0, 2.1: 0
    "a3": ("a", {ItemType.NUMERIC}),  # 1.1: 50, 1.2: 0, 2.1: 50
    "a4": ("a", set()),  # 0, 0, 0
    "b1": ("b", set(AUTO)),  # 100, 100, 100
    "b2": ("b", {ItemType.SHORT}),  # 0, 0, 50
    "b3": ("b", {ItemType.MULTIPLE}),  # 0, 100, 0
}
# Last year's: single on old 1.1, short on old 1.5 (-> this year's 1.2).
LAST_YEAR = {
    "a1": set(),  # old 1.1: 0, 1.5: 0
    "a2": {ItemType.SINGLE},  # 100, 0
    "a3": {ItemType.SHORT},  # 0, 100
    "a4": set(),  # 0, 0
    "gone": {ItemType.SINGLE, ItemType.SHORT},  # left the district: not paired
}


def build(district: District, *, small_b: bool = False, last_year: bool = False) -> Picture:
    cast = make_cast(district)
    versions = make_items(cast)
    year_now = cast.year
    opens = timezone.make_aware(datetime(2026, 9, 5, 9, 0))
    campaign = past_campaign(cast, year=year_now, versions=[versions[k] for k in AUTO], opens=opens)
    picture = Picture(cast=cast, campaign=campaign)
    schools = {"a": district.school_a, "b": district.school_b}
    for name, (school, _right) in THIS_YEAR.items():
        if small_b and name == "b3":
            continue
        picture.teachers[name] = teacher(cast, schools[school])
    if last_year:
        _last_year(picture)
    for i, (name, (_school, right)) in enumerate(THIS_YEAR.items()):
        if name in picture.teachers:
            take(campaign, picture.teachers[name], right, minutes=i)
    return picture


def _last_year(picture: Picture) -> None:
    cast = picture.cast
    year, _ = AcademicYear.objects.get_or_create(
        name="2025/2026", defaults={"starts_on": date(2025, 9, 1), "ends_on": date(2026, 8, 31)}
    )
    codifier = Codifier.objects.create(
        subject=cast.subject, exam=Exam.OGE, academic_year=year, title="КЭС 2025"
    )
    old = {
        "1.1": Topic.objects.create(codifier=codifier, code="1.1", title="Натуральные числа", position=0),
        "1.5": Topic.objects.create(codifier=codifier, code="1.5", title="Дроби (старый код)", position=1),
    }
    picture.old_topics = old
    TopicMapping.objects.create(old=old["1.1"], new=cast.topics["1.1"])
    TopicMapping.objects.create(old=old["1.5"], new=cast.topics["1.2"])
    author = cast.user("methodologist")
    single = item_create(
        subject=cast.subject,
        type=ItemType.SINGLE,
        text="3 + 3 = ?",
        body={"choices": [{"id": "a", "text": "5"}, {"id": "b", "text": "6", "correct": True}]},
        topics=[old["1.1"]],
        actor=author,
        name="old single",
    )
    short = item_create(
        subject=cast.subject,
        type=ItemType.SHORT,
        text="Решите x + 2 = 5",
        body={"answers": ["3"]},
        topics=[old["1.5"]],
        actor=author,
        name="old short",
    )
    versions = [ItemVersion.objects.get(pk=i.current_version_id) for i in (single, short)]
    opens = timezone.make_aware(datetime(2025, 9, 5, 9, 0))
    previous = past_campaign(cast, year=year, versions=versions, opens=opens)
    picture.previous = previous
    gone = teacher(cast, picture.cast.district.school_a)
    for i, (name, right) in enumerate(LAST_YEAR.items()):
        membership = gone if name == "gone" else picture.teachers[name]
        take(previous, membership, right, minutes=i)
