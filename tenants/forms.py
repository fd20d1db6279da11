"""Forms of the school and centre administration pages.

They only parse input; every rule is checked again by the service the view calls.
"""

from __future__ import annotations

import functools
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _
from portal.widgets import TagSelect

from accounts import permissions
from accounts.models import Role

from .models import Organisation, Subject, known_time_zones

# Russia's zones first: the district picks one of these almost always.
RUSSIAN_ZONES = [
    "Europe/Kaliningrad",
    "Europe/Moscow",
    "Europe/Samara",
    "Asia/Yekaterinburg",
    "Asia/Omsk",
    "Asia/Novosibirsk",
    "Asia/Krasnoyarsk",
    "Asia/Irkutsk",
    "Asia/Yakutsk",
    "Asia/Vladivostok",
    "Asia/Magadan",
    "Asia/Kamchatka",
]


def time_zone_choices() -> list[tuple[str, str]]:
    """Each zone as people say it («московское время, UTC+3»; others «UTC+2 (Europe/Riga)»)."""
    from portal.templatetags.portal import zone_label  # the one wording of zones; portal uses tenants

    return [(z, zone_label(z)) for z in _time_zones()]


@functools.cache
def _time_zones() -> tuple[str, ...]:
    """The zones offered, Russia's first: the tz database is read once (``known_time_zones``)."""
    others = sorted(z for z in known_time_zones() if z not in RUSSIAN_ZONES and "/" in z)
    return tuple(RUSSIAN_ZONES + others)


def active_subjects() -> Any:
    return Subject.objects.filter(is_active=True).order_by("name")


class SubjectsField(forms.ModelMultipleChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", _("Subjects"))
        kwargs.setdefault("widget", TagSelect)
        super().__init__(queryset=active_subjects(), **kwargs)


def role_choices(organisation: Organisation) -> list[tuple[str, str]]:
    return [(role.value, str(role.label)) for role in permissions.grantable_roles(organisation)]


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("E-mail"))
    last_name = forms.CharField(label=_("Surname"), max_length=100, required=False)
    first_name = forms.CharField(label=_("First name"), max_length=100, required=False)
    patronymic = forms.CharField(label=_("Patronymic"), max_length=100, required=False)
    role = forms.ChoiceField(label=_("Role"))
    subjects = SubjectsField()

    def __init__(self, *args: Any, organisation: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["role"]).choices = role_choices(organisation)
        if organisation.is_school:
            self.fields["role"].initial = Role.TEACHER


class StaffCsvForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_(
            "UTF-8 or Windows-1251, columns separated by “;” or “,”; the first line names the columns."
        ),
    )


class MembershipForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"))
    subjects = SubjectsField()

    def __init__(self, *args: Any, organisation: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["role"]).choices = role_choices(organisation)


class OrganisationProfileForm(forms.Form):
    name = forms.CharField(label=_("Full name"), max_length=300)
    short_name = forms.CharField(label=_("Short name"), max_length=100)
    time_zone = forms.ChoiceField(label=_("Time zone"), choices=time_zone_choices)
    address = forms.CharField(label=_("Address"), max_length=300, required=False)
    email = forms.EmailField(label=_("Contact e-mail"), required=False)
    phone = forms.CharField(label=_("Phone"), max_length=50, required=False)


class SchoolOnboardForm(forms.Form):
    name = forms.CharField(label=_("Full name"), max_length=300)
    short_name = forms.CharField(label=_("Short name"), max_length=100)
    subdomain = forms.CharField(
        label=_("Address (subdomain)"),
        max_length=42,
        help_text=_("Latin letters, digits and hyphens, for example school21."),
    )
    time_zone = forms.ChoiceField(label=_("Time zone"), choices=time_zone_choices, initial="Europe/Moscow")
    admin_email = forms.EmailField(label=_("E-mail of the school's first administrator"))


class TutorAppointForm(forms.Form):
    email = forms.EmailField(label=_("E-mail"))
    last_name = forms.CharField(label=_("Surname"), max_length=100, required=False)
    first_name = forms.CharField(label=_("First name"), max_length=100, required=False)
    patronymic = forms.CharField(label=_("Patronymic"), max_length=100, required=False)
    subjects = SubjectsField(required=True)


class SubjectForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    name_en = forms.CharField(label=_("Name in English"), max_length=120, required=False)
    code = forms.SlugField(label=_("Code"), max_length=50, help_text=_("Latin letters, digits and hyphens."))
    is_active = forms.BooleanField(label=_("In use"), required=False, initial=True)


class AcademicYearForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=20, help_text=_("For example 2025/2026."))
    starts_on = forms.DateField(
        label=_("Starts on"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    ends_on = forms.DateField(
        label=_("Ends on"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    is_current = forms.BooleanField(label=_("Current year"), required=False)
