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


def _send(campaign: Campaign, users: list[User], kind: Kind, *, reminder: bool) -> int:
    organisation = current_organisation()
    link = organisation_url(organisation, MY_PAGE) if organisation is not None else MY_PAGE
    rows = []
    for user in users:
        with translation.override(user.language):
            facts = {
                "title": campaign.title,
                "opens": _when(campaign.opens_at),
                "closes": _when(campaign.closes_at),
                "minutes": campaign.time_limit_minutes,
            }
            if reminder:
                subject = _("Diagnostics «%(title)s» closes %(closes)s") % facts
                body = (
                    _(
                        "You have not finished the diagnostic test «%(title)s» yet. It closes %(closes)s; "
                        "once started, you have %(minutes)s minutes."
                    )
                    % facts
                )
            else:
                subject = _("Diagnostics «%(title)s» is open") % facts
                body = (
                    _(
                        "The diagnostic test «%(title)s» is open from %(opens)s to %(closes)s. "
                        "Once started, you have %(minutes)s minutes; every answer is saved as you give it. "
                        "A questionnaire about the difficulties you meet goes with it."
                    )
                    % facts
                )
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


def _audience_users(campaign: Campaign) -> list[User]:
    from .campaigns import audience

    return list(User.objects.filter(pk__in=audience(campaign).values("user_id")).order_by("pk"))


def campaign_opened(campaign: Campaign, *, now: datetime) -> int:
    """Announce an open campaign to its audience (once)."""
    if campaign.opening_notified_at is not None:
        return 0
    campaign.opening_notified_at = now
    campaign.save(update_fields=["opening_notified_at"])
    return _send(campaign, _audience_users(campaign), Kind.DIAGNOSTIC_OPENED, reminder=False)


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
    done = Attempt.objects.filter(campaign=campaign).exclude(status=Attempt.Status.IN_PROGRESS)
    users = [
        u for u in _audience_users(campaign) if u.pk not in set(done.values_list("teacher_id", flat=True))
    ]
    return _send(campaign, users, Kind.DIAGNOSTIC_REMINDER, reminder=True)


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
