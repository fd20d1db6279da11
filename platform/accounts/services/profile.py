"""A person's own profile."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from tutornet.errors import TutornetError

from ..models import User
from .common import audit


@transaction.atomic
def user_update_profile(
    *, user: User, last_name: str, first_name: str, patronymic: str, language: str
) -> User:
    if not last_name.strip() or not first_name.strip():
        raise TutornetError(_("Enter your surname and first name."), field="last_name")
    if language not in dict(settings.LANGUAGES):
        raise TutornetError(_("Unknown language."), field="language")
    user.last_name, user.first_name, user.patronymic = (
        last_name.strip(),
        first_name.strip(),
        patronymic.strip(),
    )
    user.language = language
    user.save(update_fields=["last_name", "first_name", "patronymic", "language"])
    audit(actor=user, organisation=None, action="user.update_profile", target=user.email)
    return user
