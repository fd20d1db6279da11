"""Forms of the codifier pages: they only parse; the import services check everything again."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from tenants.models import AcademicYear, Subject

from .models import Codifier, Exam

TABLE_ACCEPT = ".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class CodifierImportForm(forms.Form):
    subject = forms.ModelChoiceField(label=_("Subject"), queryset=Subject.objects.filter(is_active=True))
    exam = forms.ChoiceField(label=_("Exam"), choices=Exam.choices, initial=Exam.OGE)
    academic_year = forms.ModelChoiceField(
        label=_("Academic year"), queryset=AcademicYear.objects.order_by("-starts_on")
    )
    title = forms.CharField(label=_("Title"), max_length=300)
    source = forms.CharField(
        label=_("Source"),
        max_length=500,
        required=False,
        help_text=_("For example: FIPI, codifier of the 2027 OGE in mathematics"),
    )
    file = forms.FileField(
        label=_("File (CSV or XLSX)"),
        help_text=_(
            "Columns: code, title; optional: parent code, competence block "
            "(нормативно-правовой, предметный, методический, психолого-педагогический)."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": TABLE_ACCEPT}),
    )


class MappingImportForm(forms.Form):
    old_codifier = forms.ModelChoiceField(label=_("Earlier codifier"), queryset=Codifier.objects.none())
    new_codifier = forms.ModelChoiceField(label=_("Later codifier"), queryset=Codifier.objects.none())
    file = forms.FileField(
        label=_("File (CSV or XLSX)"),
        help_text=_("Columns: old code, new code. One row per topic that continues."),
        widget=forms.ClearableFileInput(attrs={"accept": TABLE_ACCEPT}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        codifiers = Codifier.objects.select_related("subject", "academic_year")
        for name in ("old_codifier", "new_codifier"):
            self.fields[name].queryset = codifiers  # type: ignore[attr-defined]
