"""Attendance (the organiser's list, or the participant's rotating code), feedback, and certificates.

A participant earns the certificate by attending at least one session (for a
series: ``CERTIFICATE_SHARE`` of them); the organiser issues them in bulk and
the Celery worker renders the PDFs.
"""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import Membership, User
from consultations.services._common import audit, require

from .. import checkin, notify
from ..certificates import CertificateText, certificates_issue_many
from ..errors import ConflictError, NotFoundError, TutorialInvalidError, TutornetError
from ..models import KIND_ON_CERTIFICATE, Attendance, Certificate, Feedback, Registration, Session, Tutorial
from .tutorials import can_manage

# The share of a series' sessions a participant must attend for the certificate.
CERTIFICATE_SHARE = 0.5


def _session(session_id: int) -> Session:
    try:
        return Session.objects.select_related("tutorial").get(pk=session_id)
    except Session.DoesNotExist:
        raise NotFoundError(_("This session does not exist.")) from None


def _participant(tutorial: Tutorial, user_id: int) -> bool:
    return tutorial.registrations.filter(user_id=user_id, status=Registration.Status.CONFIRMED).exists()


@transaction.atomic
def attendance_mark(
    *, session: Session, user_id: int, present: bool, actor: User, membership: Membership | None
) -> bool:
    """The organiser marks a registered participant present (or not) at a session."""
    session = _session(session.pk)
    tutorial = session.tutorial
    require(can_manage(tutorial, user=actor, membership=membership))
    if tutorial.status == Tutorial.Status.CANCELLED:
        raise TutorialInvalidError(_("This tutorial is cancelled."))
    if session.starts_at - checkin.MARGIN > timezone.now():
        raise TutorialInvalidError(_("Attendance can be marked once the session has started."))
    if not _participant(tutorial, user_id):
        raise TutorialInvalidError(_("This person is not registered for the tutorial."), field="user")
    if present:
        Attendance.objects.get_or_create(
            session=session,
            user_id=user_id,
            defaults={"method": Attendance.Method.ORGANISER, "marked_by": actor},
        )
    else:
        Attendance.objects.filter(session=session, user_id=user_id).delete()
    audit(actor=actor, action="tutorial.attendance", target=session.pk, user=user_id, present=present)
    return present


def checkin_with_code(*, session: Session, user: User, code: str, now: datetime | None = None) -> Attendance:
    """The participant types the code from the organiser's screen; a wrong or late code is refused."""
    now = now or timezone.now()
    session = _session(session.pk)
    tutorial = session.tutorial
    if tutorial.status != Tutorial.Status.PUBLISHED:
        raise TutorialInvalidError(_("This tutorial is not running."))
    if not _participant(tutorial, user.pk):
        raise TutornetError(_("Only registered participants check in."), field="code")
    checkin.check_code(
        session.checkin_secret, code, now, session.starts_at, session.ends_at, zone=notify.zone()
    )
    try:
        with transaction.atomic():
            attendance, _created = Attendance.objects.get_or_create(
                session=session, user=user, defaults={"method": Attendance.Method.CODE, "at": now}
            )
    except IntegrityError:  # the same person twice at once
        attendance = Attendance.objects.get(session=session, user=user)
    return attendance


def attended(tutorial: Tutorial, user_id: int) -> bool:
    return Attendance.objects.filter(session__tutorial=tutorial, user_id=user_id).exists()


@transaction.atomic
def feedback_submit(
    *, tutorial: Tutorial, user: User, rating: int | str | None, useful: str, will_use: str
) -> Feedback:
    """Feedback after the tutorial, from a participant who attended; once per person."""
    try:
        value = int(rating) if rating not in (None, "") else None
    except (TypeError, ValueError):
        value = None
    if value is None or not 1 <= value <= 5:
        raise TutornetError(_("Choose a rating from 1 to 5."), field="rating")
    if not attended(tutorial, user.pk):
        raise TutornetError(_("Feedback is for those who attended the tutorial."))
    feedback = Feedback(
        tutorial=tutorial,
        user=user,
        rating=value,
        useful=(useful or "").strip()[:3000],
        will_use=(will_use or "").strip()[:3000],
    )
    try:
        with transaction.atomic():
            feedback.save()
    except IntegrityError:
        raise ConflictError(_("You have already left your feedback on this tutorial.")) from None
    return feedback


def earned_certificate(tutorial: Tutorial) -> list[int]:
    """The users who attended enough of the tutorial's sessions for a certificate."""
    total = tutorial.sessions.count()
    needed = max(1, int(total * CERTIFICATE_SHARE + 0.999)) if total > 1 else 1
    return list(
        Attendance.objects.filter(session__tutorial=tutorial)
        .values("user_id")
        .annotate(n=Count("session", distinct=True))
        .filter(n__gte=needed)
        .values_list("user_id", flat=True)
    )


@transaction.atomic
def certificates_issue_for_tutorial(
    *, tutorial: Tutorial, actor: User, membership: Membership | None, render: bool = True
) -> list[int]:
    """Certificates for everybody who attended, frozen now; the PDFs are rendered by the worker."""
    require(can_manage(tutorial, user=actor, membership=membership))
    if tutorial.status != Tutorial.Status.PUBLISHED:
        raise TutorialInvalidError(_("Certificates are issued for a tutorial that took place."))
    if tutorial.starts_at is None or tutorial.starts_at > timezone.now():
        raise TutorialInvalidError(_("Certificates are issued once the tutorial has taken place."))
    user_ids = earned_certificate(tutorial)
    if not user_ids:
        raise TutorialInvalidError(_("Nobody has been marked present yet."))
    organisation = notify.current_organisation()
    zone = organisation.zone
    organisers = ", ".join(str(u) for u in tutorial.organisers.order_by("last_name", "first_name"))
    with translation.override("ru"):
        kind_label = str(KIND_ON_CERTIFICATE.get(tutorial.kind, ""))  # type: ignore[call-overload]
    assert tutorial.starts_at is not None and tutorial.ends_at is not None
    people = {u.pk: u for u in User.objects.filter(pk__in=user_ids)}
    items = [
        (
            user_id,
            CertificateText(
                holder_name=people[user_id].get_full_name() or str(people[user_id]),
                title=tutorial.title,
                kind_label=kind_label,
                starts_on=timezone.localtime(tutorial.starts_at, zone).date(),
                ends_on=timezone.localtime(tutorial.ends_at, zone).date(),
                hours=tutorial.hours,
                organiser=organisers,
                organisation_name=organisation.name,
            ),
        )
        for user_id in user_ids
    ]
    ids = certificates_issue_many(
        source=Certificate.Source.TUTORIAL, source_id=tutorial.pk, items=items, render=render
    )
    audit(actor=actor, action="tutorial.certificates", target=tutorial.pk, count=len(ids))
    return ids
