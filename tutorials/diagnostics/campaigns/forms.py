"""Forms of the methodologist's campaign wizard, the questionnaire builder and grading."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.db.models import F, QuerySet
from django.utils.translation import gettext_lazy as _
from portal.widgets import TagSelect

from codifier.models import CompetenceBlock, Topic
from tenants.models import AcademicYear, Subject
from tutorials.diagnostics.models import ItemVersion

from .models import Campaign, Question


def topics_for(subject_id: int | None, academic_year_id: int | None) -> QuerySet[Topic]:
    """The codifier topics a campaign of this subject and year offers: those of the year's
    codifier(s) when the subject has one for that year, else every codifier of the subject.
    A subject usually has one codifier a year (ARCHITECTURE 2), so without the year each
    code would be offered once per year, under the same words."""
    topics = Topic.objects.select_related("codifier__academic_year").order_by(
        "-codifier__academic_year__starts_on", "codifier__exam", "position"
    )
    if not subject_id:
        return topics.none()
    topics = topics.filter(codifier__subject_id=subject_id)
    if academic_year_id and topics.filter(codifier__academic_year_id=academic_year_id).exists():
        topics = topics.filter(codifier__academic_year_id=academic_year_id)
    return topics


def topic_label(topic: Topic, *, with_codifier: bool) -> str:
    label = f"{topic.code} {topic.title}"
    return f"{label} · {topic.codifier.title}" if with_codifier else label


def _several_codifiers(topics: list[Topic]) -> bool:
    return len({t.codifier_id for t in topics}) > 1


LOCAL = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class CampaignForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=300)
    academic_year = forms.ModelChoiceField(AcademicYear.objects.all(), label=_("Academic year"))
    subject = forms.ModelChoiceField(Subject.objects.filter(is_active=True), label=_("Subject"))
    opens_at = forms.DateTimeField(label=_("Opens at"), widget=LOCAL, input_formats=["%Y-%m-%dT%H:%M"])
    closes_at = forms.DateTimeField(label=_("Closes at"), widget=LOCAL, input_formats=["%Y-%m-%dT%H:%M"])
    time_limit_minutes = forms.IntegerField(label=_("Time limit, minutes"), min_value=1, initial=45)
    deficit_threshold = forms.IntegerField(
        label=_("Deficit threshold, %"), min_value=0, max_value=100, initial=60
    )
    school_admins_see_names = forms.BooleanField(
        label=_("School administrators see teachers' names"), required=False
    )
    audience_school_ids = forms.TypedMultipleChoiceField(
        label=_("Schools (none chosen: all schools)"),
        coerce=int,
        required=False,
        widget=TagSelect,
    )
    form = forms.ChoiceField(label=_("Test form"), choices=Campaign.Form.choices, widget=forms.RadioSelect)
    version_ids = forms.TypedMultipleChoiceField(
        label=_("Items (fixed form)"), coerce=int, required=False, widget=TagSelect
    )
    blueprint_topic_ids = forms.TypedMultipleChoiceField(
        label=_("Topics (blueprint)"), coerce=int, required=False, widget=TagSelect
    )
    per_topic = forms.IntegerField(
        label=_("Items per topic"), min_value=0, max_value=20, initial=1, required=False
    )

    def __init__(
        self,
        *args: Any,
        schools: list[tuple[int, str]],
        subject_id: int | None,
        academic_year_id: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["audience_school_ids"]).choices = schools
        versions = ItemVersion.objects.select_related("item").filter(item__archived=False)
        if subject_id:
            versions = versions.filter(item__subject_id=subject_id)
        topics = list(topics_for(subject_id, academic_year_id)[:500])
        several = _several_codifiers(topics)
        cast(forms.ChoiceField, self.fields["version_ids"]).choices = [
            (v.pk, f"{v.item.name or v.item_id} · {v.item.get_type_display()} · v{v.number}")
            for v in versions.filter(item__current_version_id=F("pk")).order_by("item_id")[:500]
        ]
        cast(forms.ChoiceField, self.fields["blueprint_topic_ids"]).choices = [
            (t.pk, topic_label(t, with_codifier=several)) for t in topics
        ]


class ExtendForm(forms.Form):
    closes_at = forms.DateTimeField(
        label=_("New closing time"), widget=LOCAL, input_formats=["%Y-%m-%dT%H:%M"]
    )


class QuestionForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Question.Kind.choices)
    text = forms.CharField(label=_("Question"), max_length=1000)
    topic = forms.ModelChoiceField(Topic.objects.none(), label=_("Codifier topic"), required=False)
    competence_block = forms.ChoiceField(
        label=_("Competence block"), choices=[("", "—"), *CompetenceBlock.choices], required=False
    )
    choices = forms.CharField(
        label=_("Options, one per line (choice)"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )

    def __init__(
        self, *args: Any, subject_id: int, academic_year_id: int | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        topic = cast(forms.ModelChoiceField, self.fields["topic"])
        topic.queryset = topics_for(subject_id, academic_year_id)
        several = _several_codifiers(list(topic.queryset))
        topic.label_from_instance = lambda t: topic_label(t, with_codifier=several)  # type: ignore[method-assign,assignment]


class GradeForm(forms.Form):
    points = forms.DecimalField(label=_("Points"), min_value=0, decimal_places=2)
    comment = forms.CharField(label=_("Comment"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
