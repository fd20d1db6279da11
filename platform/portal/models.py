"""Pictures people upload: a tutor's photo and the images written into rich text.

Both live in the public schema (the portal is a shared app): a photo belongs to the person,
whichever organisation shows their profile, and an editor image names its organisation, whose
members alone may fetch it (a centre's images are read by its district's schools as well, as
the district bank is).  The files sit under the organisation's folder of the media root
(``<schema>/...``, where its other files are), written by ``portal.images`` after the content
was checked and the picture re-encoded; they are served only through views that check access.
"""

from __future__ import annotations

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.utils.translation import gettext_lazy as _


def picture_storage() -> FileSystemStorage:
    # Names carry the organisation's schema themselves: a photo is shown on several portals, so
    # the tenant storage's "current schema" prefix would point to a different folder on each.
    return FileSystemStorage()


class ProfilePhoto(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile_photo"
    )
    file = models.FileField(storage=picture_storage, max_length=300)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("profile photo")

    def __str__(self) -> str:
        return f"photo of user {self.user_id}"


class EditorImage(models.Model):
    organisation = models.ForeignKey(
        "tenants.Organisation", on_delete=models.PROTECT, related_name="editor_images"
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="editor_images"
    )
    file = models.FileField(storage=picture_storage, max_length=300)
    content_type = models.CharField(max_length=40)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    size = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("image in a text")
        constraints = [models.CheckConstraint(condition=models.Q(size__gt=0), name="editor_image_not_empty")]

    def __str__(self) -> str:
        return f"image {self.pk} of organisation {self.organisation_id}"
