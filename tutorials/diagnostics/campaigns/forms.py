"""Forms of the methodologist's campaign wizard, the questionnaire builder and grading."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.db.models import F
from django.utils.translation import gettext_lazy as _
from portal.widgets import TagSelect

from codifier.models import CompetenceBlock, Topic
from tenants.models import AcademicYear, Subject
from tutorials.diagnostics.models import ItemVersion

from .models import Campaign, Question

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
        self, *args: Any, schools: list[tuple[int, str]], subject_id: int | None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["audience_school_ids"]).choices = schools
        versions = ItemVersion.objects.select_related("item").filter(item__archived=False)
        topics = Topic.objects.select_related("codifier")
        if subject_id:
            versions = versions.filter(item__subject_id=subject_id)
            topics = topics.filter(codifier__subject_id=subject_id)
        cast(forms.ChoiceField, self.fields["version_ids"]).choices = [
            (v.pk, f"{v.item.name or v.item_id} · {v.item.get_type_display()} · v{v.number}")
            for v in versions.filter(item__current_version_id=F("pk")).order_by("item_id")[:500]
        ]
        cast(forms.ChoiceField, self.fields["blueprint_topic_ids"]).choices = [
            (t.pk, f"{t.code} {t.title}") for t in topics[:500]
        ]


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

    def __init__(self, *args: Any, subject_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["topic"]).queryset = Topic.objects.filter(
            codifier__subject_id=subject_id
        )


class GradeForm(forms.Form):
    points = forms.DecimalField(label=_("Points"), min_value=0, decimal_places=2)
    comment = forms.CharField(label=_("Comment"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
