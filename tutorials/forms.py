"""Forms of the tutorial pages: they parse; the services validate and write."""

from __future__ import annotations

import datetime as dt
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django import forms
from django.utils.translation import gettext_lazy as _

from codifier.models import Topic
from tenants.models import Organisation, Subject

from .models import Format, Kind, Material, Tutorial
from .services.tutorials import TutorialData

# Each field deep-copies its widget (django.forms.Field), so one pattern serves the four fields.
TAGS = forms.SelectMultiple(attrs={"data-tags": ""})


class TutorialForm(forms.Form):
    kind = forms.ChoiceField(label=_("Form"), choices=Kind.choices)
    title = forms.CharField(label=_("Title"), max_length=300)
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 6, "data-rich-text": ""}), required=False
    )
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    start = forms.TimeField(label=_("Starts"), widget=forms.TimeInput(attrs={"type": "time"}))
    end = forms.TimeField(label=_("Ends"), widget=forms.TimeInput(attrs={"type": "time"}))
    more_dates = forms.CharField(
        label=_("More sessions of a series"),
        help_text=_("One date a line, e.g. 2026-12-10; each at the same time."),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )
    format = forms.ChoiceField(label=_("Format"), choices=Format.choices)
    place = forms.CharField(label=_("Place"), max_length=300, required=False)
    capacity = forms.IntegerField(label=_("Places"), min_value=1, initial=30)
    hours = forms.DecimalField(
        label=_("Academic hours"), min_value=Decimal("0.5"), initial=2, decimal_places=1
    )
    registration_closes = forms.DateTimeField(
        label=_("Registration and cancelling until"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text=_("Empty: until the start."),
    )
    requires_approval = forms.BooleanField(label=_("I approve registrations"), required=False)
    # Searchable tag fields (Tom Select, static/js/editors.js) that work by touch, not Ctrl-click.
    subjects = forms.ModelMultipleChoiceField(
        label=_("Subjects"), queryset=Subject.objects.none(), required=False, widget=TAGS
    )
    topics = forms.ModelMultipleChoiceField(
        label=_("Codifier topics"), queryset=Topic.objects.none(), required=False, widget=TAGS
    )
    audience_all = forms.BooleanField(label=_("For all teachers"), required=False, initial=True)
    audience_subjects = forms.ModelMultipleChoiceField(
        label=_("Or for teachers of"), queryset=Subject.objects.none(), required=False, widget=TAGS
    )
    audience_schools = forms.ModelMultipleChoiceField(
        label=_("Or for schools"), queryset=Organisation.objects.none(), required=False, widget=TAGS
    )

    def __init__(self, *args: object, organisation: Organisation, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.zone = organisation.zone
        subjects = Subject.objects.filter(is_active=True).order_by("name")
        self.fields["subjects"].queryset = subjects  # type: ignore[attr-defined]
        self.fields["audience_subjects"].queryset = subjects  # type: ignore[attr-defined]
        topics = Topic.objects.select_related("codifier").order_by("codifier_id", "position", "code")
        self.fields["topics"].queryset = topics  # type: ignore[attr-defined]
        schools = Organisation.objects.filter(centre=organisation, is_active=True).order_by("short_name")
        self.fields["audience_schools"].queryset = schools  # type: ignore[attr-defined]

    def _aware(self, day: dt.date, moment: dt.time) -> datetime:
        return datetime.combine(day, moment).replace(tzinfo=ZoneInfo(str(self.zone)))

    def clean_more_dates(self) -> list[dt.date]:
        found = []
        for line in (self.cleaned_data.get("more_dates") or "").split():
            try:
                found.append(dt.date.fromisoformat(line.strip()))
            except ValueError:
                raise forms.ValidationError(_("Write each date as YYYY-MM-DD.")) from None
        return found

    def to_data(self) -> TutorialData:
        cd = self.cleaned_data
        days = [cd["date"], *cd.get("more_dates", [])]
        sessions = []
        for day in days:
            start = self._aware(day, cd["start"])
            end = self._aware(day, cd["end"])
            if end <= start:
                end = start  # the service refuses it with its message
            sessions.append((start, end))
        closes = cd.get("registration_closes")
        if closes is not None and closes.tzinfo is None:
            closes = closes.replace(tzinfo=ZoneInfo(str(self.zone)))
        return TutorialData(
            title=cd["title"],
            kind=cd["kind"],
            description=cd.get("description", ""),
            sessions=sessions,
            capacity=cd["capacity"],
            registration_closes_at=closes,
            format=cd["format"],
            place=cd.get("place", ""),
            requires_approval=cd.get("requires_approval", False),
            hours=cd["hours"],
            subject_ids=[s.pk for s in cd.get("subjects", [])],
            topic_ids=[t.pk for t in cd.get("topics", [])],
            audience_all=cd.get("audience_all", False),
            audience_subject_ids=[s.pk for s in cd.get("audience_subjects", [])],
            audience_school_ids=[s.pk for s in cd.get("audience_schools", [])],
        )

    @classmethod
    def initial_for(cls, tutorial: Tutorial, zone: ZoneInfo) -> dict[str, object]:
        sessions = list(tutorial.sessions.all())
        first = sessions[0]
        start = first.starts_at.astimezone(zone)
        return {
            "kind": tutorial.kind,
            "title": tutorial.title,
            "description": tutorial.description,
            "date": start.date(),
            "start": start.time(),
            "end": first.ends_at.astimezone(zone).time(),
            "more_dates": "\n".join(s.starts_at.astimezone(zone).date().isoformat() for s in sessions[1:]),
            "format": tutorial.format,
            "place": tutorial.place,
            "capacity": tutorial.capacity,
            "hours": tutorial.hours,
            "registration_closes": tutorial.registration_closes_at.astimezone(zone).replace(tzinfo=None),
            "requires_approval": tutorial.requires_approval,
            "subjects": list(tutorial.subjects.all()),
            "topics": list(tutorial.topics.all()),
            "audience_all": tutorial.audience_all,
            "audience_subjects": list(tutorial.audience_subjects.all()),
            "audience_schools": list(tutorial.audience_schools.all()),
        }


class MoveForm(forms.Form):
    date = forms.DateField(label=_("New date"), widget=forms.DateInput(attrs={"type": "date"}))
    start = forms.TimeField(label=_("Starts"), widget=forms.TimeInput(attrs={"type": "time"}))
    end = forms.TimeField(label=_("Ends"), widget=forms.TimeInput(attrs={"type": "time"}))
    place = forms.CharField(label=_("Place"), max_length=300, required=False)

    def sessions(self, zone: ZoneInfo, count: int) -> list[tuple[datetime, datetime]]:
        """The series keeps its rhythm: the n-th session moves by the same number of days."""
        cd = self.cleaned_data
        out = []
        for n in range(max(count, 1)):
            day = cd["date"] + timedelta(days=7 * n) if count > 1 else cd["date"]
            out.append(
                (
                    datetime.combine(day, cd["start"]).replace(tzinfo=zone),
                    datetime.combine(day, cd["end"]).replace(tzinfo=zone),
                )
            )
        return out


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class MessageForm(forms.Form):
    subject = forms.CharField(label=_("Subject"), max_length=250)
    body = forms.CharField(label=_("Message"), widget=forms.Textarea(attrs={"rows": 5}))


class CheckinForm(forms.Form):
    code = forms.CharField(
        label=_("Code from the screen"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "size": 8}),
    )


RATING_CHOICES = [(str(n), str(n)) for n in range(1, 6)]


class FeedbackForm(forms.Form):
    # No pre-chosen value: the person must pick one.
    rating = forms.ChoiceField(
        label=_("Rating"), choices=RATING_CHOICES, widget=forms.RadioSelect, required=False
    )
    useful = forms.CharField(
        label=_("What was useful"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    will_use = forms.CharField(
        label=_("What I will use in my lessons"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )


class MaterialForm(forms.Form):
    stage = forms.ChoiceField(label=_("For"), choices=Material.Stage.choices)
    file = forms.FileField(label=_("File"))
