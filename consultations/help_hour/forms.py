"""Forms of the Help Hour pages.

They only parse input: every rule (document type and size, completeness before
sending, capacity, the workflow) is checked by the service the view calls, and
a service's ``TutornetError`` becomes an error of the field it names.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from portal.widgets import TagSelect

from consultations.forms import DateInput, TimeInput
from tenants.models import Subject

from .models import Category, HelpHourSession, Status

DOCUMENT_ACCEPT = ".docx,.odt,.pdf"


def _people_choices(people: list[Any]) -> list[tuple[int, str]]:
    return [(person.pk, person.get_full_name() or person.email) for person in people]


class RequestForm(forms.Form):
    """A school's request: what, about which document, who takes part (preferred times: a formset)."""

    subject = forms.ModelChoiceField(
        label=_("Subject"), queryset=Subject.objects.none(), empty_label=_("— choose —")
    )
    category = forms.ChoiceField(label=_("Category"), choices=[("", _("— choose —")), *Category.choices])
    description = forms.CharField(
        label=_("What is difficult"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=5000,
        required=False,
        help_text=_("Describe the difficulty: the tutor prepares with it."),
    )
    document = forms.FileField(
        label=_("Document to look at"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": DOCUMENT_ACCEPT}),
        help_text=_("A .docx, .odt or .pdf file, for example the work program."),
    )
    participants = forms.TypedMultipleChoiceField(
        label=_("Participating teachers"),
        coerce=int,
        required=False,
        widget=TagSelect,
    )

    def __init__(self, *args: Any, staff: list[Any], has_document: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["subject"].queryset = Subject.objects.filter(is_active=True).order_by("name")  # type: ignore[attr-defined]
        self.fields["participants"].choices = _people_choices(staff)  # type: ignore[attr-defined]
        if has_document:
            self.fields["remove_document"] = forms.BooleanField(
                label=_("Remove the current document"), required=False
            )


class PreferredTimeForm(forms.Form):
    date = forms.DateField(label=_("Date"), required=False, widget=DateInput())
    starts = forms.TimeField(label=_("from"), required=False, widget=TimeInput())
    ends = forms.TimeField(label=_("to"), required=False, widget=TimeInput())

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        filled = [data.get(name) is not None for name in ("date", "starts", "ends")]
        if any(filled) and not all(filled):
            raise forms.ValidationError(_("Give the date, the start and the end, or leave the row empty."))
        return data

    def as_value(self) -> dict[str, str] | None:
        data = getattr(self, "cleaned_data", {})
        if data.get("date") is None:
            return None
        return {
            "date": data["date"].isoformat(),
            "from": data["starts"].strftime("%H:%M"),
            "to": data["ends"].strftime("%H:%M"),
        }


PreferredTimeFormSet = forms.formset_factory(PreferredTimeForm, extra=3, max_num=10)


def preferred_initial(values: list[dict[str, str]]) -> list[dict[str, str]]:
    return [{"date": v["date"], "starts": v["from"], "ends": v["to"]} for v in values]


class CommentForm(forms.Form):
    """The comment of a step: the school's answer, a reason, a question."""

    comment = forms.CharField(label=_("Comment"), widget=forms.Textarea(attrs={"rows": 3}), required=False)


class AssignTutorForm(forms.Form):
    tutor = forms.TypedChoiceField(label=_("Tutor"), coerce=int)
    comment = forms.CharField(label=_("Comment"), required=False, max_length=1000)

    def __init__(self, *args: Any, tutors: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["tutor"].choices = [("", _("— choose —")), *_people_choices(tutors)]  # type: ignore[attr-defined]


MAX_AGE_DAYS = 36500
FIRST_DAY = date(2000, 1, 1)
LAST_DAY = date(2999, 12, 31)


class QueueFilterForm(forms.Form):
    """The methodologists' queue filters (GET)."""

    subject = forms.ModelChoiceField(
        label=_("Subject"), queryset=Subject.objects.none(), required=False, empty_label=_("All")
    )
    category = forms.ChoiceField(
        label=_("Category"), choices=[("", _("All")), *Category.choices], required=False
    )
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", _("All")), *[(s, label) for s, label in Status.choices if s != Status.DRAFT]],
        required=False,
    )
    school = forms.TypedChoiceField(label=_("School"), coerce=int, required=False, empty_value=None)
    # Bounded: a wait beyond a century is a typo, and beyond it the dates overflow.
    min_age = forms.IntegerField(
        label=_("Waiting at least, days"), min_value=0, max_value=MAX_AGE_DAYS, required=False
    )
    max_age = forms.IntegerField(
        label=_("Waiting at most, days"), min_value=0, max_value=MAX_AGE_DAYS, required=False
    )

    def __init__(self, *args: Any, schools: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["subject"].queryset = Subject.objects.filter(is_active=True).order_by("name")  # type: ignore[attr-defined]
        self.fields["school"].choices = [("", _("All")), *[(s.pk, s.short_name) for s in schools]]  # type: ignore[attr-defined]


class ScheduleForm(forms.Form):
    """A Help Hour session for one or several accepted requests (naive times: the centre's clock)."""

    date = forms.DateField(label=_("Date"), widget=DateInput())
    starts_at = forms.TimeField(label=_("Starts"), widget=TimeInput())
    ends_at = forms.TimeField(label=_("Ends"), widget=TimeInput())
    mode = forms.ChoiceField(
        label=_("Format"),
        choices=HelpHourSession.Mode.choices,
        initial=HelpHourSession.Mode.VIDEO,
        widget=forms.RadioSelect,
    )
    place = forms.CharField(
        label=_("Place (address, room)"),
        max_length=300,
        required=False,
        help_text=_("For an in-person session. A video session gets its own room."),
    )
    capacity = forms.IntegerField(label=_("Places"), min_value=1, max_value=500, initial=10)
    tutors = forms.TypedMultipleChoiceField(label=_("Tutors"), coerce=int, required=False, widget=TagSelect)
    topic = forms.CharField(label=_("Topic"), max_length=200, required=False)

    def __init__(self, *args: Any, tutors: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["tutors"].choices = _people_choices(tutors)  # type: ignore[attr-defined]


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": DOCUMENT_ACCEPT}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


class OutcomeForm(forms.Form):
    summary = forms.CharField(
        label=pgettext_lazy("help hour outcome", "Summary"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=10000,
    )
    recommendations = forms.CharField(
        label=_("Recommendations"), widget=forms.Textarea(attrs={"rows": 4}), required=False, max_length=10000
    )
    # The metaclass moves fields off the class, so the name does not shadow ``BaseForm.files``;
    # it is the name the service's errors use (``field="files"``).
    files = MultipleFileField(  # type: ignore[assignment]
        label=_("Files returned"),
        required=False,
        help_text=_("For example the annotated work program (.docx, .odt, .pdf)."),
    )


class RatingForm(forms.Form):
    score = forms.TypedChoiceField(
        label=_("How useful was it?"),
        coerce=int,
        choices=[(5, "5"), (4, "4"), (3, "3"), (2, "2"), (1, "1")],
    )
    comment = forms.CharField(label=_("Comment"), required=False, max_length=2000)


class PeriodForm(forms.Form):
    """A period of the figures; days outside FIRST_DAY..LAST_DAY are refused on the form (no overflow)."""

    date_from = forms.DateField(
        label=_("From"),
        required=False,
        widget=DateInput(),
        validators=[MinValueValidator(FIRST_DAY), MaxValueValidator(LAST_DAY)],
    )
    date_to = forms.DateField(
        label=_("To"),
        required=False,
        widget=DateInput(),
        validators=[MinValueValidator(FIRST_DAY), MaxValueValidator(LAST_DAY)],
    )
