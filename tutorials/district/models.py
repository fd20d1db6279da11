"""The district picture's own data: the precomputed figures of one campaign.

Everything else it shows is read from the other apps.  A snapshot holds the
aggregates *before* suppression (n < 3 and complementary suppression are applied
on every read, by ``suppression``), so pages and exports share one rule.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class PictureSnapshot(models.Model):
    # A campaign of this schema (diagnostics' Campaign): by id, so the picture never
    # blocks deleting or changing a campaign.
    campaign_id = models.PositiveIntegerField(unique=True)
    computed_at = models.DateTimeField(_("computed at"))
    # The newest ``finalised_at`` among the campaign's results when computed: a newer
    # final result makes the snapshot stale.
    results_as_of = models.DateTimeField(null=True, blank=True)
    seconds = models.FloatField(default=0)
    data = models.JSONField()

    class Meta:
        verbose_name = _("district picture snapshot")
        verbose_name_plural = _("district picture snapshots")

    def __str__(self) -> str:
        return f"{self.campaign_id} @ {self.computed_at:%Y-%m-%d %H:%M}"
