"""Reads of multi-day events: lists, a person's schedule, the points board, the
allocation report, the reflection summary, and the defence tutor for routes.
Each keeps to a fixed number of queries (asserted in the tests)."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Count, Prefetch, Q, Sum
from django.utils import timezone

from accounts.models import Membership, User
from tenants.models import AcademicYear

from . import permissions
from .models import (
    AllocationRun,
    Assignment,
    Attendance,
    Block,
    Day,
    DefenceAssignment,
    Event,
    Participant,
    ReflectionAnswer,
    ReflectionQuestion,
    TaskScore,
    Track,
)


def _events() -> Any:
    return Event.objects.prefetch_related("organisers", "audience_subjects")


def events_for(membership: Membership | None) -> list[Event]:
    """The events this person may see here: published ones of their audience, and those they manage."""
    if membership is None:
        return []
    if permissions.is_staff(membership):
        return list(_events().exclude(status=Event.Status.CANCELLED))
    candidates = (
        _events().filter(Q(status=Event.Status.PUBLISHED) | Q(organisers=membership.user_id)).distinct()
    )
    return [event for event in candidates if permissions.can_see(membership, event)]


def registered_event_ids(user: User) -> set[int]:
    return set(
        Participant.objects.filter(user=user, status=Participant.Status.REGISTERED).values_list(
            "event_id", flat=True
        )
    )


def participant_of(event: Event, user: User) -> Participant | None:
    return Participant.objects.filter(event=event, user=user, status=Participant.Status.REGISTERED).first()


def event_structure(event: Event) -> list[Day]:
    """Days with their blocks, tracks and questions, in three queries."""
    return list(
        Day.objects.filter(event=event).prefetch_related(
            Prefetch("blocks", queryset=Block.objects.order_by("starts_at", "pk")),
            Prefetch(
                "blocks__tracks", queryset=Track.objects.select_related("leader").order_by("position", "pk")
            ),
            "questions",
        )
    )


@dataclass
class ScheduleRow:
    block: Block
    track: Track | None
    attended: bool = False


@dataclass
class ScheduleDay:
    day: Day
    rows: list[ScheduleRow] = field(default_factory=list)
    answered: bool = False


def schedule_for(event: Event, participant: Participant) -> list[ScheduleDay]:
    """A participant's personal schedule: for every block, their track (or none yet)."""
    assigned = {
        a.block_id: a.track
        for a in Assignment.objects.filter(participant=participant).select_related("track")
    }
    attended = set(Attendance.objects.filter(participant=participant).values_list("track_id", flat=True))
    answered_days = set(
        ReflectionAnswer.objects.filter(participant=participant).values_list("question__day_id", flat=True)
    )
    days = []
    for day in event_structure(event):
        rows = []
        for block in day.blocks.all():
            track = assigned.get(block.pk)
            rows.append(ScheduleRow(block, track, bool(track and track.pk in attended)))
        days.append(ScheduleDay(day, rows, day.pk in answered_days))
    return days


def ratings_of(participant: Participant) -> dict[int, int]:
    return dict(participant.ratings.values_list("track_id", "value"))


@dataclass
class BoardRow:
    participant: Participant
    attendance: int
    reflection: int
    tasks: int

    @property
    def total(self) -> int:
        return self.attendance + self.reflection + self.tasks


def points_board(event: Event, *, only: Participant | None = None) -> list[BoardRow]:
    """Points by the event's rules: per attended session, per day with a reflection, task scores."""
    participants = Participant.objects.filter(event=event, status=Participant.Status.REGISTERED)
    if only is not None:
        participants = participants.filter(pk=only.pk)
    participants = participants.select_related("user").annotate(
        sessions=Count("attendances", distinct=True),
        reflected_days=Count("answers__question__day", distinct=True),
    )
    tasks = dict(
        TaskScore.objects.filter(participant__event=event)
        .values("participant_id")
        .annotate(points=Sum("points"))
        .values_list("participant_id", "points")
    )
    rows = [
        BoardRow(
            participant=p,
            attendance=p.sessions * event.points_attendance,  # type: ignore[attr-defined]
            reflection=p.reflected_days * event.points_reflection,  # type: ignore[attr-defined]
            tasks=tasks.get(p.pk, 0) or 0,
        )
        for p in participants
    ]
    return sorted(rows, key=lambda row: (-row.total, row.participant.user.last_name, row.participant.pk))


@dataclass
class BlockReport:
    block: Block
    tracks: list[Track]
    run: AllocationRun | None
    unassigned: list[Participant]
    under_minimum: list[Track]
    members: dict[int, list[Assignment]]


def allocation_report(event: Event) -> list[BlockReport]:
    """For the organiser: every block's tracks with their people, the last run's
    satisfaction, who is unassigned and which tracks are under their minimum."""
    blocks = list(
        Block.objects.filter(day__event=event)
        .order_by("starts_at", "pk")
        .prefetch_related(Prefetch("tracks", queryset=Track.objects.order_by("position", "pk")))
    )
    runs: dict[int, AllocationRun] = {}
    for run in AllocationRun.objects.filter(block__day__event=event).order_by("block_id", "-ran_at", "-pk"):
        runs.setdefault(run.block_id, run)
    participants = {
        p.pk: p
        for p in Participant.objects.filter(event=event, status=Participant.Status.REGISTERED).select_related(
            "user"
        )
    }
    members: dict[int, list[Assignment]] = defaultdict(list)
    placed: dict[int, set[int]] = defaultdict(set)
    for assignment in Assignment.objects.filter(block__day__event=event).order_by("pk"):
        assignment.participant = participants.get(assignment.participant_id)  # type: ignore[assignment]
        members[assignment.track_id].append(assignment)
        placed[assignment.block_id].add(assignment.participant_id)
    reports = []
    for block in blocks:
        tracks = list(block.tracks.all())
        for track in tracks:
            track.people = members.get(track.pk, [])  # type: ignore[attr-defined]
        last_run = runs.get(block.pk)
        unassigned = [p for pk, p in participants.items() if pk not in placed[block.pk]] if last_run else []
        under = [t for t in tracks if t.min_size and t.assigned < t.min_size]
        reports.append(BlockReport(block, tracks, last_run, unassigned, under, members))
    return reports


STOP_WORDS = frozenset(
    [
        "и",
        "в",
        "во",
        "не",
        "что",
        "он",
        "на",
        "я",
        "с",
        "со",
        "как",
        "а",
        "то",
        "все",
        "она",
        "так",
        "его",
        "но",
        "да",
        "ты",
        "к",
        "у",
        "же",
        "вы",
        "за",
        "бы",
        "по",
        "только",
        "ее",
        "мне",
        "было",
        "вот",
        "от",
        "меня",
        "еще",
        "нет",
        "о",
        "из",
        "ему",
        "теперь",
        "когда",
        "даже",
        "ну",
        "вдруг",
        "ли",
        "если",
        "уже",
        "или",
        "ни",
        "быть",
        "был",
        "него",
        "до",
        "вас",
        "нибудь",
        "опять",
        "уж",
        "вам",
        "ведь",
        "там",
        "потом",
        "себя",
        "ничего",
        "ей",
        "может",
        "они",
        "тут",
        "где",
        "есть",
        "надо",
        "ней",
        "для",
        "мы",
        "тебя",
        "их",
        "чем",
        "была",
        "сам",
        "чтоб",
        "без",
        "будто",
        "чего",
        "раз",
        "тоже",
        "себе",
        "под",
        "будет",
        "ж",
        "тогда",
        "кто",
        "этот",
        "того",
        "потому",
        "этого",
        "какой",
        "совсем",
        "ним",
        "здесь",
        "этом",
        "один",
        "почти",
        "мой",
        "тем",
        "чтобы",
        "нее",
        "были",
        "куда",
        "зачем",
        "всех",
        "никогда",
        "можно",
        "при",
        "наконец",
        "два",
        "об",
        "другой",
        "хоть",
        "после",
        "над",
        "больше",
        "тот",
        "через",
        "эти",
        "нас",
        "про",
        "всего",
        "них",
        "какая",
        "много",
        "разве",
        "три",
        "эту",
        "моя",
        "впрочем",
        "хорошо",
        "свою",
        "этой",
        "перед",
        "иногда",
        "лучше",
        "чуть",
        "том",
        "нельзя",
        "такой",
        "им",
        "более",
        "всегда",
        "конечно",
        "всю",
        "между",
        "это",
        "the",
        "a",
        "an",
        "and",
        "or",
        "of",
        "to",
        "in",
        "is",
        "it",
        "for",
        "on",
        "with",
        "i",
        "was",
        "we",
        "that",
    ]
)
WORD_RE = re.compile(r"[\wё-]+", re.IGNORECASE)


@dataclass
class QuestionSummary:
    question: ReflectionQuestion
    answers: list[ReflectionAnswer]
    top_words: list[tuple[str, int]]


@dataclass
class DaySummary:
    day: Day
    answered: int
    participants: int
    questions: list[QuestionSummary]


def reflection_summary(event: Event) -> list[DaySummary]:
    """What participants wrote, per day and question: how many answered, the answers, and the
    words they used most (stop words left out)."""
    total = Participant.objects.filter(event=event, status=Participant.Status.REGISTERED).count()
    answers: dict[int, list[ReflectionAnswer]] = defaultdict(list)
    for answer in (
        ReflectionAnswer.objects.filter(
            question__day__event=event, participant__status=Participant.Status.REGISTERED
        )
        .select_related("participant__user")
        .order_by("written_at", "pk")
    ):
        answers[answer.question_id].append(answer)
    days = []
    for day in Day.objects.filter(event=event).prefetch_related("questions"):
        summaries = []
        people: set[int] = set()
        for question in day.questions.all():
            written = answers.get(question.pk, [])
            people |= {a.participant_id for a in written}
            words: Counter[str] = Counter()
            for answer in written:
                words.update(
                    w
                    for w in (m.lower() for m in WORD_RE.findall(answer.text))
                    if len(w) > 2 and w not in STOP_WORDS
                )
            summaries.append(
                QuestionSummary(question, written, sorted(words.items(), key=lambda kv: (-kv[1], kv[0]))[:8])
            )
        days.append(DaySummary(day, len(people), total, summaries))
    return days


def _year_bounds(year: int | AcademicYear) -> tuple[date, date]:
    if isinstance(year, AcademicYear):
        return year.starts_on, year.ends_on
    return date(year, 9, 1), date(year + 1, 8, 31)


def tutor_assigned_at_defence(user_id: int, year: int | AcademicYear) -> int | None:
    """The tutor (user id) a person was assigned to at a route defence of this organisation
    in the academic year (an ``AcademicYear``, or the calendar year it starts in:
    2026 means 1 Sept 2026 - 31 Aug 2027); the latest defence wins; None if none.

    Call it in the schema of the organisation that ran the event (the routes feature
    enters the centre's schema for a district route)."""
    first, last = _year_bounds(year)
    found = (
        DefenceAssignment.objects.filter(
            participant__user_id=user_id,
            participant__status=Participant.Status.REGISTERED,
            block__day__date__gte=first,
            block__day__date__lte=last,
        )
        .order_by("-block__starts_at", "-assigned_at", "-pk")
        .values_list("tutor_id", flat=True)
        .first()
    )
    return found


def panel_items(membership: Membership) -> list[dict[str, Any]]:
    """The dashboard: the person's current and coming events, and those whose rating is open
    (two queries)."""
    today = timezone.localdate()
    now = timezone.now()
    mine = registered_event_ids(membership.user)
    items = []
    for event in Event.objects.filter(status=Event.Status.PUBLISHED, ends_on__gte=today).order_by(
        "starts_on"
    )[:20]:
        rating_open = bool(
            event.fill_mode == Event.FillMode.PREFERENCES
            and event.rating_opens_at
            and event.rating_closes_at
            and event.rating_opens_at <= now < event.rating_closes_at
        )
        if event.pk in mine:
            items.append({"event": event, "registered": True, "rating_open": rating_open})
    return items[:5]
