"""Telling teachers about a campaign through the notification outbox (ARCHITECTURE 4).

Each function writes the rows in the caller's transaction (one INSERT for the
whole audience) and delivery is queued on commit.  The campaign's own
timestamps (``opening_notified_at``, ``reminder_sent_at``) make the beat job
idempotent: a campaign is announced once and reminded once.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from notifications.models import Kind
from notifications.services import notification_build, notifications_create
from tenants.selectors import organisation_url

from ..models import Attempt, Campaign
from ._common import current_organisation

MY_PAGE = "/diagnostics/my/"
# Teachers who have not submitted are reminded this long before the close.
REMIND_BEFORE = timedelta(hours=24)


def _when(moment: datetime) -> str:
    organisation = current_organisation()
    zone = organisation.zone if organisation is not None else timezone.get_current_timezone()
    return formats.date_format(timezone.localtime(moment, zone), "DATETIME_FORMAT")


def _texts(notice: str, facts: dict[str, object]) -> tuple[str, str]:
    """The subject and body of ``notice`` (``opened``, ``reminder`` or ``extended``), in the
    active language."""
    if notice == "reminder":
        subject = _("Diagnostics «%(title)s» closes %(closes)s") % facts
        body = _(
            "You have not finished the diagnostic test «%(title)s» yet. It closes %(closes)s; "
            "once started, you have %(minutes)s minutes."
        )
    elif notice == "extended":
        subject = _("Diagnostics «%(title)s» is extended to %(closes)s") % facts
        body = _(
            "The diagnostic test «%(title)s» now closes %(closes)s instead of %(before)s. "
            "If you have started it, your answers are kept; once started, you have %(minutes)s minutes."
        )
    else:
        subject = _("Diagnostics «%(title)s» is open") % facts
        body = _(
            "The diagnostic test «%(title)s» is open from %(opens)s to %(closes)s. "
            "Once started, you have %(minutes)s minutes; every answer is saved as you give it. "
            "A questionnaire about the difficulties you meet goes with it."
        )
    return subject, body % facts


def _send(
    campaign: Campaign, users: list[User], kind: Kind, *, notice: str, before: datetime | None = None
) -> int:
    organisation = current_organisation()
    link = organisation_url(organisation, MY_PAGE) if organisation is not None else MY_PAGE
    rows = []
    for user in users:
        with translation.override(user.language):
            facts = {
                "title": campaign.title,
                "opens": _when(campaign.opens_at),
                "closes": _when(campaign.closes_at),
                "before": _when(before) if before is not None else "",
                "minutes": campaign.time_limit_minutes,
            }
            subject, body = _texts(notice, facts)
            rows.append(
                notification_build(
                    kind=kind,
                    recipient=user,
                    subject=subject,
                    body=body,
                    link=link,
                    organisation=organisation,
                )
            )
    notifications_create(rows)
    return len(rows)


def _not_finished(campaign: Campaign) -> list[User]:
    """The audience without a submitted attempt."""
    done = set(
        Attempt.objects.filter(campaign=campaign)
        .exclude(status=Attempt.Status.IN_PROGRESS)
        .values_list("teacher_id", flat=True)
    )
    return [u for u in _audience_users(campaign) if u.pk not in done]


def _audience_users(campaign: Campaign) -> list[User]:
    from .campaigns import audience

    return list(User.objects.filter(pk__in=audience(campaign).values("user_id")).order_by("pk"))


def campaign_opened(campaign: Campaign, *, now: datetime) -> int:
    """Announce an open campaign to its audience (once)."""
    if campaign.opening_notified_at is not None:
        return 0
    campaign.opening_notified_at = now
    campaign.save(update_fields=["opening_notified_at"])
    return _send(campaign, _audience_users(campaign), Kind.DIAGNOSTIC_OPENED, notice="opened")


def remind_at(campaign: Campaign) -> datetime:
    """When the reminder is due: ``REMIND_BEFORE`` before the close, but never before the
    campaign's half-way point, so that a short campaign's teachers are not told "it is
    open" and "it closes soon" in the same minute."""
    halfway = campaign.opens_at + (campaign.closes_at - campaign.opens_at) / 2
    return max(campaign.closes_at - REMIND_BEFORE, halfway)


def campaign_remind(campaign: Campaign, *, now: datetime) -> int:
    """Remind the audience who have not submitted (once)."""
    if campaign.reminder_sent_at is not None:
        return 0
    campaign.reminder_sent_at = now
    campaign.save(update_fields=["reminder_sent_at"])
    return _send(campaign, _not_finished(campaign), Kind.DIAGNOSTIC_REMINDER, notice="reminder")


def campaign_extended(campaign: Campaign, *, before: datetime) -> int:
    """Tell the audience who have not submitted that the close moved from ``before`` to the
    campaign's new close.  Nobody is told before the opening announcement: that one carries
    the new close already."""
    if campaign.opening_notified_at is None:
        return 0
    return _send(
        campaign, _not_finished(campaign), Kind.DIAGNOSTIC_REMINDER, notice="extended", before=before
    )


def campaigns_notify_due(*, now: datetime | None = None) -> int:
    """Beat, every few minutes in each organisation: announce campaigns that have opened
    and remind those whose :func:`remind_at` has come.  Idempotent."""
    now = now or timezone.now()
    sent = 0
    published = Campaign.objects.filter(published_at__isnull=False, opens_at__lte=now, closes_at__gt=now)
    for campaign_pk in published.filter(opening_notified_at__isnull=True).values_list("pk", flat=True):
        with transaction.atomic():
            campaign = Campaign.objects.select_for_update(skip_locked=True).filter(pk=campaign_pk).first()
            if campaign is not None:
                sent += campaign_opened(campaign, now=now)
    closing = published.filter(reminder_sent_at__isnull=True, closes_at__lte=now + REMIND_BEFORE)
    due = [c.pk for c in closing.only("pk", "opens_at", "closes_at") if remind_at(c) <= now]
    for campaign_pk in due:
        with transaction.atomic():
            campaign = Campaign.objects.select_for_update(skip_locked=True).filter(pk=campaign_pk).first()
            if campaign is not None:
                sent += campaign_remind(campaign, now=now)
    return sent
