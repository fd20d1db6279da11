"""Forms of the consultation pages.

They only parse input; every rule is checked again by the service the view calls,
and a service's ``TutornetError`` becomes an error of the field it names.
"""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from tenants.models import Subject

from .models import AvailabilityException, Booking, Offering

WEEKDAYS = [
    (0, _("Monday")),
    (1, _("Tuesday")),
    (2, _("Wednesday")),
    (3, _("Thursday")),
    (4, _("Friday")),
    (5, _("Saturday")),
    (6, _("Sunday")),
]


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%H:%M", **kwargs)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class QuestionForm(forms.Form):
    """Booking a slot (or joining its waitlist): the question the teacher brings."""

    question = forms.CharField(
        label=_("The question you bring"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        help_text=_("The tutor reads it before the consultation."),
    )


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=300, required=False)


class RescheduleForm(forms.Form):
    new_slot = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(label=_("Reason"), max_length=300, required=False)


MARK_CHOICES = [(Booking.Status.HELD, _("Held")), (Booking.Status.NO_SHOW, _("Did not come"))]


class MarkForm(forms.Form):
    status = forms.ChoiceField(label=_("How it went"), choices=MARK_CHOICES)
    outcome_note = forms.CharField(
        label=_("Outcome"), widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=2000
    )


class RatingForm(forms.Form):
    score = forms.TypedChoiceField(
        # No pre-chosen value: the person picks one (an empty choice is refused as required).
        label=_("Rating"),
        coerce=int,
        choices=[("", "—"), *[(n, str(n)) for n in range(5, 0, -1)]],
    )
    comment = forms.CharField(
        label=_("Comment"), widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=2000
    )


class OfferingForm(forms.Form):
    """An offering's settings; the tutor field only for the organisation's admin."""

    tutor = forms.TypedChoiceField(label=_("Tutor"), coerce=int, required=False)
    subject = forms.ModelChoiceField(label=_("Subject"), queryset=Subject.objects.filter(is_active=True))
    topic = forms.CharField(label=_("Topic"), max_length=200, required=False)
    format = forms.ChoiceField(label=_("Format"), choices=Offering.Format.choices)
    capacity = forms.IntegerField(
        label=_("Places"), min_value=1, max_value=500, initial=1, help_text=_("For a group consultation.")
    )
    mode = forms.ChoiceField(label=_("Mode"), choices=Offering.Mode.choices)
    place = forms.CharField(
        label=_("Consultation point (address, room)"),
        max_length=300,
        required=False,
        help_text=_("For in-person consultations."),
    )
    slot_minutes = forms.IntegerField(
        label=_("Slot length, minutes"), min_value=10, max_value=480, initial=45
    )
    buffer_minutes = forms.IntegerField(
        label=_("Break between consultations, minutes"), min_value=0, max_value=240, initial=15
    )
    min_notice_hours = forms.IntegerField(
        label=_("Minimum booking notice, hours"), min_value=0, max_value=720, initial=12
    )
    horizon_days = forms.IntegerField(
        label=_("Booking horizon, days"), min_value=1, max_value=366, initial=28
    )
    cancel_deadline_hours = forms.IntegerField(
        label=_("Cancelling and rescheduling until, hours before"), min_value=0, max_value=720, initial=12
    )

    def __init__(self, *args: Any, tutor_choices: list[tuple[int, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if tutor_choices is None:
            del self.fields["tutor"]
        else:
            cast(forms.TypedChoiceField, self.fields["tutor"]).choices = tutor_choices
            self.fields["tutor"].required = True

    @staticmethod
    def initial_for(offering: Offering) -> dict[str, Any]:
        initial = {name: getattr(offering, name) for name in Offering.SETTINGS}
        initial["subject"] = offering.subject_id
        initial["tutor"] = offering.tutor_id
        return initial


class WindowForm(forms.Form):
    weekday = forms.TypedChoiceField(label=_("Weekday"), coerce=int, choices=WEEKDAYS, required=False)
    starts = forms.TimeField(label=_("From"), widget=TimeInput(), required=False)
    ends = forms.TimeField(label=_("To"), widget=TimeInput(), required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        starts, ends = data.get("starts"), data.get("ends")
        if (starts is None) != (ends is None):
            raise forms.ValidationError(_("Give both times, or none to remove the window."))
        if starts is not None and ends is not None and ends <= starts:
            raise forms.ValidationError(_("Each window must end after it starts."))
        return data


WindowFormSet = forms.formset_factory(WindowForm, extra=3, max_num=30)


class ExceptionForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=AvailabilityException.Kind.choices)
    date = forms.DateField(label=_("Date"), widget=DateInput())
    starts = forms.TimeField(
        label=_("From"), widget=TimeInput(), required=False, help_text=_("Empty: the whole day.")
    )
    ends = forms.TimeField(label=_("To"), widget=TimeInput(), required=False)
    all_offerings = forms.BooleanField(
        label=_("For all my offerings (days off)"), required=False, help_text=_("Only for “not available”.")
    )
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)
