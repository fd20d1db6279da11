"""Tutorials: seminars, trainings, master classes, supervision, workshops, consultations on a theme.

A tenant app (ARCHITECTURE 1, 2): district tutorials live in the centre's
schema, a school's own seminars in the school's; the code is the same.

The participation ``Certificate`` is shared with multi-day events
(``tutorials.events``): it names what it certifies by (source, id).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def certificate_path(instance: Certificate, filename: str) -> str:
    # The tenant storage prefixes the schema; the name is the public token, never user text.
    return f"certificates/{instance.token}.pdf"


class Certificate(models.Model):
    """A participation certificate: who took part in what, frozen at issue.

    The thing it certifies is named by (``source``, ``source_id``): a tutorial,
    an event, ...  The text on it (name, title, dates, hours, organiser) is
    copied at issue, so a later rename of the tutorial or the person does not
    change a document someone already filed for attestation.  ``token`` is the
    public verification id in the link printed on it.
    """

    class Source(models.TextChoices):
        TUTORIAL = "tutorial", _("tutorial")
        EVENT = "event", _("multi-day event")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    source = models.CharField(_("what it certifies"), max_length=20, choices=Source.choices)
    source_id = models.PositiveBigIntegerField()
    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    holder_name = models.CharField(_("participant"), max_length=300)
    title = models.CharField(_("title"), max_length=500)
    kind_label = models.CharField(_("form"), max_length=100, blank=True)
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("to"))
    hours = models.DecimalField(_("hours"), max_digits=5, decimal_places=1)
    organiser = models.CharField(_("organiser"), max_length=500)
    organisation_name = models.CharField(_("organisation"), max_length=300)
    issued_at = models.DateTimeField(_("issued"), default=timezone.now)
    pdf = models.FileField(upload_to=certificate_path, max_length=200, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        ordering = ["-issued_at"]
        constraints = [
            models.UniqueConstraint(fields=["user", "source", "source_id"], name="one_certificate_per_thing"),
            models.CheckConstraint(condition=models.Q(hours__gt=0), name="certificate_hours_positive"),
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")), name="certificate_dates_ordered"
            ),
        ]
        indexes = [models.Index(fields=["source", "source_id"], name="certificate_source")]

    def __str__(self) -> str:
        return f"{self.holder_name}: {self.title}"

    @property
    def is_valid(self) -> bool:
        return self.revoked_at is None
