"""Forms of the event pages (the services validate again and have the last word)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Block, Event


class EventForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea, required=False)
    starts_on = forms.DateField(label=_("First day"), widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(label=_("Last day"), widget=forms.DateInput(attrs={"type": "date"}))
    fill_mode = forms.ChoiceField(label=_("How tracks are filled"), choices=Event.FillMode.choices)
    capacity = forms.IntegerField(label=_("Places (empty: no limit)"), min_value=1, required=False)
    hours = forms.IntegerField(label=_("Hours (certificate)"), min_value=0, initial=0)


class SettingsForm(forms.Form):
    rating_opens_at = forms.DateTimeField(
        label=_("Rating opens"), required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    rating_closes_at = forms.DateTimeField(
        label=_("Rating closes"), required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    points_attendance = forms.IntegerField(label=_("Points per attended session"), min_value=0)
    points_reflection = forms.IntegerField(label=_("Points per daily reflection"), min_value=0)
    board_visibility = forms.ChoiceField(
        label=_("Points board visible to"), choices=Event.BoardVisibility.choices
    )


class BlockForm(forms.Form):
    day = forms.TypedChoiceField(label=_("Day"), coerce=int)
    title = forms.CharField(label=_("Title"), max_length=200)
    starts = forms.TimeField(label=_("Starts"), widget=forms.TimeInput(attrs={"type": "time"}))
    ends = forms.TimeField(label=_("Ends"), widget=forms.TimeInput(attrs={"type": "time"}))
    kind = forms.ChoiceField(label=_("Kind"), choices=Block.Kind.choices)


class TrackForm(forms.Form):
    block = forms.TypedChoiceField(label=_("Block"), coerce=int)
    title = forms.CharField(label=_("Title"), max_length=200)
    places = forms.IntegerField(label=_("Places"), min_value=1)
    min_size = forms.IntegerField(label=_("Minimum size"), min_value=0, initial=0)
    place = forms.CharField(label=_("Room"), max_length=200, required=False)


class QuestionForm(forms.Form):
    day = forms.TypedChoiceField(label=_("Day"), coerce=int)
    text = forms.CharField(label=_("Reflection question"), max_length=500)


class TaskForm(forms.Form):
    title = forms.CharField(label=_("Task"), max_length=200)
    max_points = forms.IntegerField(label=_("Maximum points"), min_value=1)
