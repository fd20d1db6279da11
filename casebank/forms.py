"""Forms of the case-bank pages.

They only parse input; every rule (titles, grades, file types and sizes, who may
do what) is checked again by the service the view calls, and a service's
``TutornetError`` becomes an error of the field it names.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from tenants.models import Organisation, Subject

from .models import GRADES, Kind, Licence

SORT_CHOICES = [
    ("relevance", _("Relevance")),
    ("newest", _("Newest first")),
    ("rating", _("Best rated")),
]
GRADE_CHOICES = [(g, str(g)) for g in GRADES]


# The list becomes a searchable tag field (static/js/editors.js, Tom Select).
_CHOOSE_SEVERAL = _("Type to find; add as many as you need, remove one with its ×.")


def _person(user: User) -> str:
    return user.get_full_name() or user.email


def _subjects() -> QuerySet[Subject]:
    return Subject.objects.filter(is_active=True).order_by("name")


class SearchForm(forms.Form):
    """The search page's query and filters (all optional; a wrong value is shown as a field error)."""

    q = forms.CharField(label=_("Search"), max_length=200, required=False)
    subject = forms.ModelChoiceField(
        label=_("Subject"), queryset=Subject.objects.none(), required=False, empty_label=_("Any subject")
    )
    grade = forms.TypedChoiceField(
        label=_("Grade"), choices=[("", _("Any grade")), *GRADE_CHOICES], coerce=int, required=False,
        empty_value=None,
    )  # fmt: skip
    kind = forms.ChoiceField(label=_("Kind"), choices=[("", _("Any kind")), *Kind.choices], required=False)
    topic = forms.CharField(label=_("Topic"), max_length=100, required=False)
    origin = forms.ModelChoiceField(
        label=_("School of origin"),
        queryset=Organisation.objects.none(),
        required=False,
        empty_label=_("Any school"),
    )
    licence = forms.ChoiceField(
        label=_("Licence"), choices=[("", _("Any licence")), *Licence.choices], required=False
    )
    sort = forms.ChoiceField(label=_("Sort"), choices=SORT_CHOICES, required=False)
    page = forms.IntegerField(min_value=1, required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, organisation: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["subject"].queryset = _subjects()  # type: ignore[attr-defined]
        if organisation.is_centre:
            self.fields["origin"].queryset = Organisation.objects.filter(  # type: ignore[attr-defined]
                centre=organisation, kind=Organisation.Kind.SCHOOL
            ).order_by("short_name")
        else:  # a school's own bank has no other school of origin
            del self.fields["origin"]

    def search_arguments(self) -> dict[str, Any]:
        """Keyword arguments for ``selectors.materials_search`` from the valid fields only."""
        data = self.cleaned_data if hasattr(self, "cleaned_data") else {}
        return {
            "query": data.get("q") or "",
            "subject": data["subject"].pk if data.get("subject") else None,
            "grade": data.get("grade") or None,
            "kind": data.get("kind") or None,
            "topic": data.get("topic") or None,
            "origin": data["origin"].pk if data.get("origin") else None,
            "licence": data.get("licence") or None,
            "sort": data.get("sort") or "relevance",
            "page": data.get("page") or 1,
        }


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (Django's documented recipe)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


class MaterialForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=300)
    kind = forms.ChoiceField(label=_("Kind"), choices=Kind.choices, initial=Kind.CASE)
    subjects = forms.ModelMultipleChoiceField(
        label=_("Subjects"), queryset=Subject.objects.none(), required=False,
        widget=forms.SelectMultiple(attrs={"size": 6, "data-tags": ""}), help_text=_CHOOSE_SEVERAL,
    )  # fmt: skip
    grades = forms.TypedMultipleChoiceField(
        label=_("Grades"), choices=GRADE_CHOICES, coerce=int, required=False,
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip
    topics = forms.CharField(
        label=_("Topics"),
        required=False,
        max_length=2100,
        help_text=_(
            "Separate topics with commas, e.g. “fractions, word problems”. A codifier code (7.5.8) or "
            "a codifier topic's title links the material to that topic."
        ),
    )
    abstract = forms.CharField(
        label=_("Abstract"), required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=5000
    )
    body = forms.CharField(
        label=_("Text"),
        required=False,
        # A rich-text editor (static/js/editors.js, Quill) writes this field; the server sanitises it.
        widget=forms.Textarea(attrs={"rows": 14, "data-rich-text": ""}),
        help_text=_(
            "Use the toolbar for headings, lists, tables, links and images (each image with a description "
            "for readers who cannot see it). Text pasted from Word keeps its structure without the clutter."
        ),
    )
    licence = forms.ChoiceField(label=_("Licence"), choices=Licence.choices, initial=Licence.CC_BY)
    co_authors = forms.ModelMultipleChoiceField(
        label=_("Co-authors"), queryset=User.objects.none(), required=False,
        widget=forms.SelectMultiple(attrs={"size": 6, "data-tags": ""}),
        help_text=format_lazy(
            "{} {}", _("Colleagues who wrote it with you: they see the draft and can edit it too."),
            _CHOOSE_SEVERAL,
        ),
    )  # fmt: skip
    attachments = MultipleFileField(
        label=_("Files"),
        required=False,
        help_text=_("PDF, DOCX, ODT, PPTX, XLSX or images; several files can be chosen at once."),
    )
    remove_attachments = forms.TypedMultipleChoiceField(
        label=_("Remove files"), choices=(), coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, attachments: Any = (), colleagues: Any = None, **kwargs: Any) -> None:
        """``colleagues``: who may be named co-author (a new material; the field is left out when None)."""
        super().__init__(*args, **kwargs)
        self.fields["subjects"].queryset = _subjects()  # type: ignore[attr-defined]
        if colleagues is None:
            del self.fields["co_authors"]
        else:
            self.fields["co_authors"].queryset = colleagues  # type: ignore[attr-defined]
            self.fields["co_authors"].label_from_instance = _person  # type: ignore[attr-defined]
        choices = [(a.pk, a.original_name) for a in attachments]
        if choices:
            self.fields["remove_attachments"].choices = choices  # type: ignore[attr-defined]
        else:
            del self.fields["remove_attachments"]

    def clean_topics(self) -> list[str]:
        return [t.strip() for t in (self.cleaned_data.get("topics") or "").split(",") if t.strip()]

    def service_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "title": data["title"],
            "kind": data["kind"],
            "licence": data["licence"],
            "abstract": data.get("abstract") or "",
            "body": data.get("body") or "",
            "subjects": [s.pk for s in data.get("subjects") or []],
            "grades": data.get("grades") or [],
            "topics": data.get("topics") or [],
        }


class RatingForm(forms.Form):
    score = forms.TypedChoiceField(
        # No pre-chosen value: the person picks one (an empty choice is refused as required).
        label=_("Your rating"),
        choices=[("", "—"), *[(n, str(n)) for n in range(1, 6)]],
        coerce=int,
    )


class CommentForm(forms.Form):
    text = forms.CharField(label=_("Comment"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)


class ModerationForm(forms.Form):
    DECISIONS = [("publish", _("Publish")), ("return", _("Return for changes")), ("reject", _("Reject"))]

    decision = forms.ChoiceField(choices=DECISIONS)
    comment = forms.CharField(
        label=_("Comments for the authors (required to return or reject)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
    )
