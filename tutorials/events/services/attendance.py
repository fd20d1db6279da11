"""Attendance per track session and the event's participation certificate.

Check-in uses the rotating code of ``tutorials.checkin`` (each track has its own
secret; the organiser's screen shows ``code_now``): the code is accepted only
during the block (with checkin's margin), a late or wrong code is refused with
checkin's message, and only a participant placed in that track can check in.
Organisers may also mark attendance on the list.  The certificate is issued by
``tutorials.certificates`` (source ``event``) to a participant who attended at
least one session; its text names the event, its dates, hours and organisers.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import Membership, User
from tutorials.certificates import CertificateText, certificate_issue, certificates_issue_many
from tutorials.checkin import check_code
from tutorials.models import Certificate
from tutornet.errors import NotFoundError, PermissionDeniedError, TutornetError

from ..models import Assignment, Attendance, Event, Participant, Track
from ._common import acting, audit, current_organisation, managed_event, own_participant, visible_event


def _track(track_id: int) -> Track:
    try:
        return Track.objects.select_related("block__day").get(pk=track_id)
    except Track.DoesNotExist:
        raise NotFoundError(_("There is no such track.")) from None


@transaction.atomic
def check_in(*, actor: User, membership: Membership | None, track_id: int, code: str) -> Attendance:
    """The participant checks in to their track's session with the code on the screen."""
    acting(actor, membership)
    track = _track(track_id)
    event = visible_event(track.block.day.event_id, membership)
    participant = own_participant(event, actor)
    if not Assignment.objects.filter(participant=participant, track=track).exists():
        raise PermissionDeniedError(_("You are not in this track."))
    check_code(
        track.checkin_secret,
        code,
        timezone.now(),
        track.block.starts_at,
        track.block.ends_at,
        zone=current_organisation().zone,
    )
    attendance, created = Attendance.objects.get_or_create(
        participant=participant, track=track, defaults={"how": Attendance.How.CODE}
    )
    if created:
        audit(actor=actor, action="event.check_in", target=track, event_id=event.pk)
    return attendance


@transaction.atomic
def attendance_mark(
    *, actor: User, membership: Membership | None, track_id: int, participant_id: int, present: bool
) -> None:
    """The organiser marks a participant present (or not) at a track's session."""
    acting(actor, membership)
    track = _track(track_id)
    event = managed_event(track.block.day.event_id, membership)
    participant = Participant.objects.filter(
        pk=participant_id, event=event, status=Participant.Status.REGISTERED
    ).first()
    if participant is None:
        raise NotFoundError(_("There is no such participant."))
    if present:
        Attendance.objects.get_or_create(
            participant=participant, track=track, defaults={"how": Attendance.How.MARKED}
        )
    else:
        Attendance.objects.filter(participant=participant, track=track).delete()
    audit(
        actor=actor, action="event.attendance", target=track, participant_id=participant.pk, present=present
    )


def _kind_label() -> str:
    # Frozen in the platform's language: the certificate is a Russian document.
    with translation.override(settings.LANGUAGE_CODE):
        return str(_("methodological week"))


def _organisers(event: Event) -> str:
    return ", ".join(user.get_full_name() or user.email for user in event.organisers.all())


def certificate_text(
    event: Event, participant: Participant, organisers: str | None = None
) -> CertificateText:
    organisers = organisers if organisers is not None else _organisers(event)
    return CertificateText(
        holder_name=participant.user.get_full_name() or participant.user.email,
        title=event.title,
        kind_label=_kind_label(),
        starts_on=event.starts_on,
        ends_on=event.ends_on,
        hours=Decimal(event.hours),
        organiser=organisers,
        organisation_name=current_organisation().name,
    )


def _attended(participant: Participant) -> bool:
    return Attendance.objects.filter(participant=participant).exists()


@transaction.atomic
def event_certificate(*, actor: User, membership: Membership | None, event_id: int) -> Certificate:
    """The actor's certificate for the event (issued on first request): for a participant
    who attended at least one session."""
    acting(actor, membership)
    event = visible_event(event_id, membership)
    participant = own_participant(event, actor)
    if not _attended(participant):
        raise TutornetError(_("A certificate is issued after you have attended at least one session."))
    return certificate_issue(
        user=actor,
        source=Certificate.Source.EVENT,
        source_id=event.pk,
        text=certificate_text(event, participant),
    )


@transaction.atomic
def event_certificates_issue(*, actor: User, membership: Membership | None, event_id: int) -> int:
    """The organiser issues the certificates of everyone who attended; PDFs by the worker."""
    acting(actor, membership)
    event = managed_event(event_id, membership)
    participants = (
        Participant.objects.filter(
            event=event, status=Participant.Status.REGISTERED, attendances__isnull=False
        )
        .distinct()
        .select_related("user")
    )
    organisers = _organisers(event)
    items = [(p.user_id, certificate_text(event, p, organisers)) for p in participants]
    ids = certificates_issue_many(source=Certificate.Source.EVENT, source_id=event.pk, items=items)
    audit(actor=actor, action="event.certificates", target=event, count=len(ids))
    return len(ids)


def certificate_of(event: Event, user: User) -> Certificate | None:
    return Certificate.objects.filter(source=Certificate.Source.EVENT, source_id=event.pk, user=user).first()
