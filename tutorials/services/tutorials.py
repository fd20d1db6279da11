"""Creating, publishing, changing, moving and cancelling tutorials; their materials.

Publishing tells the audience; moving or cancelling tells everybody registered
(and the waiting list), each with an .ics that updates or removes the event in
their calendar (the tutorial's ``sequence`` goes up).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import IO

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Membership, User
from casebank.files import check_attachment
from casebank.services.common import sanitise_html
from consultations.services._common import audit, require
from consultations.video import new_room_name

from .. import checkin, notify, permissions
from ..errors import NotFoundError, TutorialInvalidError
from ..models import Format, Kind, Material, Registration, Session, Tutorial


@dataclass
class TutorialData:
    """What the organiser fills in; the services validate it."""

    title: str
    kind: str = Kind.SEMINAR
    description: str = ""
    sessions: Sequence[tuple[datetime, datetime]] = ()
    capacity: int = 30
    registration_closes_at: datetime | None = None
    registration_opens_at: datetime | None = None
    format: str = Format.IN_PERSON
    place: str = ""
    requires_approval: bool = False
    hours: Decimal = Decimal("2")
    subject_ids: Sequence[int] = ()
    topic_ids: Sequence[int] = ()
    organiser_ids: Sequence[int] = ()
    speaker_ids: Sequence[int] = ()
    audience_all: bool = True
    audience_subject_ids: Sequence[int] = ()
    audience_school_ids: Sequence[int] = ()
    case_material_ids: Sequence[int] = field(default_factory=list)


def _lock(tutorial_id: int) -> Tutorial:
    try:
        return Tutorial.objects.select_for_update().get(pk=tutorial_id)
    except Tutorial.DoesNotExist:
        raise NotFoundError(_("This tutorial does not exist.")) from None


def is_organiser(tutorial: Tutorial, user: User) -> bool:
    return tutorial.organisers.filter(pk=user.pk).exists()


def can_manage(tutorial: Tutorial, *, user: User, membership: Membership | None) -> bool:
    """Change, publish, move, cancel, see the list: its organisers (still organising here) and the staff."""
    if permissions.is_staff(membership):
        return True
    return permissions.can_organise(membership) and is_organiser(tutorial, user)


def _validate(data: TutorialData) -> list[tuple[datetime, datetime]]:
    title = (data.title or "").strip()
    if not title:
        raise TutorialInvalidError(_("Give the tutorial a title."), field="title")
    if data.kind not in Kind.values:
        raise TutorialInvalidError(_("Choose the kind of tutorial."), field="kind")
    if data.format not in Format.values:
        raise TutorialInvalidError(_("Choose the format."), field="format")
    if data.format in (Format.IN_PERSON, Format.MIXED) and not data.place.strip():
        raise TutorialInvalidError(_("Say where the tutorial takes place."), field="place")
    if not data.capacity or data.capacity < 1:
        raise TutorialInvalidError(_("The number of places must be at least 1."), field="capacity")
    if data.hours is None or Decimal(data.hours) <= 0:
        raise TutorialInvalidError(_("The number of hours must be positive."), field="hours")
    sessions = sorted((start, end) for start, end in data.sessions)
    if not sessions:
        raise TutorialInvalidError(_("Add at least one session with its date and time."), field="sessions")
    for start, end in sessions:
        if timezone.is_naive(start) or timezone.is_naive(end):
            raise ValueError("session times must be timezone-aware")
        if end <= start:
            raise TutorialInvalidError(_("A session must end after it starts."), field="sessions")
    for (_s1, end1), (start2, _e2) in zip(sessions, sessions[1:], strict=False):
        if start2 < end1:
            raise TutorialInvalidError(_("Two sessions of the tutorial overlap."), field="sessions")
    closes = data.registration_closes_at or sessions[0][0]
    if closes > sessions[0][0]:
        raise TutorialInvalidError(
            _("Registration must close no later than the first session starts."),
            field="registration_closes_at",
        )
    if data.registration_opens_at and data.registration_opens_at >= closes:
        raise TutorialInvalidError(
            _("Registration must open before it closes."), field="registration_opens_at"
        )
    if not data.audience_all and not (data.audience_subject_ids or data.audience_school_ids):
        raise TutorialInvalidError(
            _("Choose the audience: all teachers, or some subjects or schools."), field="audience"
        )
    return sessions


def _apply(tutorial: Tutorial, data: TutorialData, sessions: list[tuple[datetime, datetime]]) -> None:
    tutorial.title = data.title.strip()[:300]
    tutorial.kind = data.kind
    tutorial.description = sanitise_html(data.description)
    tutorial.capacity = data.capacity
    tutorial.format = data.format
    tutorial.place = data.place.strip()[:300]
    tutorial.requires_approval = data.requires_approval
    tutorial.hours = Decimal(data.hours)
    tutorial.registration_opens_at = data.registration_opens_at
    tutorial.registration_closes_at = data.registration_closes_at or sessions[0][0]
    tutorial.audience_all = data.audience_all
    tutorial.starts_at, tutorial.ends_at = sessions[0][0], sessions[-1][1]
    if tutorial.has_video and not tutorial.video_room:
        tutorial.video_room = new_room_name()


def _set_relations(tutorial: Tutorial, data: TutorialData, *, actor: User) -> None:
    tutorial.subjects.set(data.subject_ids)
    tutorial.topics.set(data.topic_ids)
    tutorial.organisers.set(
        set(data.organiser_ids) | {actor.pk} if not data.organiser_ids else data.organiser_ids
    )
    tutorial.speakers.set(data.speaker_ids)
    tutorial.audience_subjects.set(() if data.audience_all else data.audience_subject_ids)
    tutorial.audience_schools.set(() if data.audience_all else data.audience_school_ids)
    tutorial.case_materials.set(data.case_material_ids)


def _organisers_valid(data: TutorialData) -> None:
    """Organisers and speakers are tutors or methodologists of this organisation."""
    from accounts.models import Role

    from ..notify import current_organisation

    people = set(data.organiser_ids) | set(data.speaker_ids)
    if not people:
        return
    allowed = set(
        Membership.objects.filter(
            organisation=current_organisation(),
            user_id__in=people,
            is_active=True,
            role__in=[Role.TUTOR, Role.METHODOLOGIST],
        ).values_list("user_id", flat=True)
    )
    if people - allowed:
        raise TutorialInvalidError(
            _("Organisers and speakers must be tutors or methodologists of this organisation."),
            field="organisers",
        )


@transaction.atomic
def tutorial_create(*, data: TutorialData, actor: User, membership: Membership | None) -> Tutorial:
    """A draft tutorial with its sessions; the actor organises it unless others are named."""
    require(permissions.can_organise(membership))
    sessions = _validate(data)
    _organisers_valid(data)
    tutorial = Tutorial(created_by=actor)
    _apply(tutorial, data, sessions)
    tutorial.save()
    Session.objects.bulk_create(
        [
            Session(tutorial=tutorial, starts_at=start, ends_at=end, checkin_secret=checkin.new_secret())
            for start, end in sessions
        ]
    )
    _set_relations(tutorial, data, actor=actor)
    audit(actor=actor, action="tutorial.create", target=tutorial.pk)
    return tutorial


@transaction.atomic
def tutorial_update(
    *, tutorial: Tutorial, data: TutorialData, actor: User, membership: Membership | None
) -> Tutorial:
    """Change a tutorial's description and settings.  Its times change only through ``tutorial_move``
    once published (people must be told); the capacity never drops below the places taken."""
    tutorial = _lock(tutorial.pk)
    require(can_manage(tutorial, user=actor, membership=membership))
    if tutorial.status == Tutorial.Status.CANCELLED:
        raise TutorialInvalidError(_("This tutorial is cancelled."))
    sessions = _validate(data)
    _organisers_valid(data)
    if data.capacity < tutorial.places_taken:
        raise TutorialInvalidError(
            _("%(taken)s places are already taken: the capacity cannot be lower.")
            % {"taken": tutorial.places_taken},
            field="capacity",
        )
    current = list(tutorial.sessions.values_list("starts_at", "ends_at"))
    if tutorial.status == Tutorial.Status.PUBLISHED and current != sessions:
        raise TutorialInvalidError(
            _("To change the dates of a published tutorial, move it: the participants will be told."),
            field="sessions",
        )
    _apply(tutorial, data, sessions)
    tutorial.save()
    if current != sessions:
        tutorial.sessions.all().delete()
        Session.objects.bulk_create(
            [
                Session(tutorial=tutorial, starts_at=start, ends_at=end, checkin_secret=checkin.new_secret())
                for start, end in sessions
            ]
        )
    _set_relations(tutorial, data, actor=actor)
    audit(actor=actor, action="tutorial.update", target=tutorial.pk)
    return tutorial


@transaction.atomic
def tutorial_publish(*, tutorial: Tutorial, actor: User, membership: Membership | None) -> Tutorial:
    """Open the tutorial to its audience and tell them (outbox; delivered after commit)."""
    tutorial = _lock(tutorial.pk)
    require(can_manage(tutorial, user=actor, membership=membership))
    if tutorial.status != Tutorial.Status.DRAFT:
        raise TutorialInvalidError(_("Only a draft can be published."))
    if tutorial.starts_at is None or tutorial.starts_at <= timezone.now():
        raise TutorialInvalidError(_("The tutorial has already started: it cannot be published."))
    tutorial.status = Tutorial.Status.PUBLISHED
    tutorial.published_at = timezone.now()
    tutorial.save(update_fields=["status", "published_at"])
    notify.tutorial_published(tutorial)
    audit(actor=actor, action="tutorial.publish", target=tutorial.pk)
    return tutorial


def _registered(tutorial: Tutorial) -> QuerySet[Registration]:
    return tutorial.registrations.filter(status__in=Registration.ACTIVE).select_related("user")


@transaction.atomic
def tutorial_cancel(
    *, tutorial: Tutorial, reason: str, actor: User, membership: Membership | None
) -> Tutorial:
    """Cancel: every registration ends, everybody is told why, and the .ics removes the event."""
    tutorial = _lock(tutorial.pk)
    require(can_manage(tutorial, user=actor, membership=membership))
    if tutorial.status == Tutorial.Status.CANCELLED:
        raise TutorialInvalidError(_("This tutorial is already cancelled."))
    reason = (reason or "").strip()
    if not reason:
        raise TutorialInvalidError(
            _("Say why the tutorial is cancelled: the participants will read it."), field="reason"
        )
    was_published = tutorial.status == Tutorial.Status.PUBLISHED
    registrations = list(_registered(tutorial))
    tutorial.status = Tutorial.Status.CANCELLED
    tutorial.cancel_reason = reason[:500]
    tutorial.sequence += 1
    tutorial.places_taken = 0
    tutorial.save(update_fields=["status", "cancel_reason", "sequence", "places_taken"])
    Registration.objects.filter(pk__in=[r.pk for r in registrations]).update(
        status=Registration.Status.CANCELLED, cancelled_at=timezone.now(), offer_expires_at=None
    )
    if was_published:
        notify.tutorial_cancelled(tutorial, [r.user for r in registrations], actor=actor)
    audit(actor=actor, action="tutorial.cancel", target=tutorial.pk, reason=reason)
    return tutorial


@transaction.atomic
def tutorial_move(
    *,
    tutorial: Tutorial,
    sessions: Iterable[tuple[datetime, datetime]],
    actor: User,
    membership: Membership | None,
    place: str | None = None,
    registration_closes_at: datetime | None = None,
) -> Tutorial:
    """New dates (and place) for a tutorial; registrations stay, everybody gets the updated .ics."""
    tutorial = _lock(tutorial.pk)
    require(can_manage(tutorial, user=actor, membership=membership))
    if tutorial.status == Tutorial.Status.CANCELLED:
        raise TutorialInvalidError(_("This tutorial is cancelled."))
    new_sessions = sorted(sessions)
    if new_sessions and new_sessions[0][0] <= timezone.now():
        raise TutorialInvalidError(_("The new date must be in the future."), field="sessions")
    data = TutorialData(
        title=tutorial.title,
        kind=tutorial.kind,
        sessions=new_sessions,
        capacity=tutorial.capacity,
        format=tutorial.format,
        place=tutorial.place if place is None else place,
        hours=tutorial.hours,
        registration_closes_at=registration_closes_at or (new_sessions[0][0] if new_sessions else None),
        audience_all=True,
    )
    checked = _validate(data)
    old_starts_at = tutorial.starts_at
    tutorial.place = data.place.strip()[:300]
    tutorial.registration_closes_at = data.registration_closes_at or checked[0][0]
    if tutorial.registration_opens_at and tutorial.registration_opens_at >= tutorial.registration_closes_at:
        tutorial.registration_opens_at = None
    tutorial.starts_at, tutorial.ends_at = checked[0][0], checked[-1][1]
    tutorial.sequence += 1
    tutorial.save()
    tutorial.sessions.all().delete()
    Session.objects.bulk_create(
        [
            Session(tutorial=tutorial, starts_at=start, ends_at=end, checkin_secret=checkin.new_secret())
            for start, end in checked
        ]
    )
    # The reminders are due again for the new time: they belonged to the sessions just replaced.
    if tutorial.status == Tutorial.Status.PUBLISHED:
        notify.tutorial_moved(
            tutorial, [r.user for r in _registered(tutorial)], old_starts_at=old_starts_at, actor=actor
        )
    audit(actor=actor, action="tutorial.move", target=tutorial.pk)
    return tutorial


@transaction.atomic
def tutorial_message(
    *, tutorial: Tutorial, subject: str, body: str, actor: User, membership: Membership | None
) -> int:
    """A message from the organiser to everybody registered (not the waiting list); returns how many."""
    require(can_manage(tutorial, user=actor, membership=membership))
    subject, body = (subject or "").strip(), (body or "").strip()
    if not subject:
        raise TutorialInvalidError(_("Write the subject of the message."), field="subject")
    if not body:
        raise TutorialInvalidError(_("Write the message."), field="body")
    people = [
        r.user
        for r in tutorial.registrations.filter(
            status__in=[Registration.Status.CONFIRMED, Registration.Status.PENDING]
        ).select_related("user")
    ]
    notify.tutorial_message(tutorial, people, subject=subject[:250], body=body, actor=actor)
    audit(actor=actor, action="tutorial.message", target=tutorial.pk, recipients=len(people))
    return len(people)


@transaction.atomic
def material_attach(
    *,
    tutorial: Tutorial,
    stream: IO[bytes],
    name: str,
    stage: str,
    actor: User,
    membership: Membership | None,
) -> Material:
    """A file for before or after the tutorial; its type is decided by its content (casebank's sniffer)."""
    require(can_manage(tutorial, user=actor, membership=membership))
    if stage not in Material.Stage.values:
        raise TutorialInvalidError(
            _("Say whether the file is for before or after the tutorial."), field="stage"
        )
    checked = check_attachment(stream, name)
    stream.seek(0)
    material = Material(
        tutorial=tutorial,
        stage=stage,
        name=checked.name[:200],
        content_type=checked.type.content_type,
        size=checked.size,
        uploaded_by=actor,
    )
    from django.core.files import File

    material.file.save(checked.name, File(stream), save=False)
    material.save()
    audit(actor=actor, action="tutorial.material", target=tutorial.pk, name=material.name)
    return material
