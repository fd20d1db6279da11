"""The bank's item form: plain fields a methodologist fills on a laptop or a phone, turned
into the type's content (``ItemVersion.body``).  The service checks everything again.

Options are written one per line, a correct one starting with ``*``; matching rows as
``left = right``, with extra answers (distractors) one per line.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from codifier.models import Codifier

from .models import ItemType, ItemVersion

SCORING_CHOICES = [
    ("partial", _("Partial credit")),
    ("all_or_nothing", _("All or nothing")),
]
LETTERS = "АБВГДЕЖЗИКЛМНОПРСТУФ"


class BankFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    type = forms.ChoiceField(
        label=_("Type"), required=False, choices=[("", _("Any type")), *ItemType.choices]
    )
    codifier = forms.ModelChoiceField(
        label=_("Codifier"), required=False, queryset=Codifier.objects.select_related("academic_year")
    )
    topic = forms.CharField(label=_("Topic code"), required=False, max_length=20)


class ItemForm(forms.Form):
    codifier = forms.ModelChoiceField(
        label=_("Codifier"),
        queryset=Codifier.objects.select_related("subject", "academic_year"),
        help_text=_("The item's subject is the codifier's."),
    )
    topic_codes = forms.CharField(
        label=_("Topic codes"),
        max_length=300,
        help_text=_("Codes of the codifier, comma-separated: 7.5.8, 7.2.3"),
    )
    name = forms.CharField(label=_("Short name"), max_length=255, required=False)
    text = forms.CharField(
        label=_("Text"),
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Formulas in LaTeX between \\( and \\) or $ and $, for example \\(\\frac{3}{4}\\)."),
    )
    max_points = forms.DecimalField(label=_("Maximum points"), min_value=Decimal("0.01"), initial=1)
    options = forms.CharField(
        label=_("Options (choice)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("One per line; start a correct option with *."),
    )
    answers = forms.CharField(
        label=_("Accepted answers (short answer)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One per line. Case, spaces, ё/е, a decimal comma or point do not matter."),
    )
    value = forms.CharField(label=_("Correct number (numeric)"), required=False, max_length=40)
    tolerance = forms.CharField(label=_("Tolerance (numeric)"), required=False, max_length=40)
    unit = forms.CharField(label=_("Unit (numeric)"), required=False, max_length=30)
    pairs = forms.CharField(
        label=_("Pairs (matching)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One per line: left = right (the last “=” separates them)."),
    )
    distractors = forms.CharField(
        label=_("Extra answers (matching)"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    scoring = forms.ChoiceField(
        label=_("Scoring (multiple choice, matching)"), choices=SCORING_CHOICES, initial="partial"
    )
    rubric = forms.CharField(
        label=_("Grading criteria (extended answer)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
    )

    def topic_ids(self) -> list[int]:
        codifier: Codifier = self.cleaned_data["codifier"]
        codes = [c.strip().rstrip(".") for c in self.cleaned_data["topic_codes"].replace(";", ",").split(",")]
        codes = [c for c in codes if c]
        found = dict(codifier.topics.filter(code__in=codes).values_list("code", "pk"))
        missing = [c for c in codes if c not in found]
        if missing:
            self.add_error("topic_codes", _("No such codes in this codifier: %s") % ", ".join(missing))
        return list(found.values())

    def body(self, kind: str) -> dict[str, Any]:
        data = self.cleaned_data
        if kind in (ItemType.SINGLE, ItemType.MULTIPLE):
            lines = [line.strip() for line in data["options"].splitlines() if line.strip()]
            choices = [
                {"id": LETTERS[i] if i < len(LETTERS) else str(i + 1), "text": line.lstrip("*").strip(),
                 "correct": line.startswith("*")}
                for i, line in enumerate(lines)
            ]  # fmt: skip
            return {"choices": choices, "scoring": data["scoring"]}
        if kind == ItemType.SHORT:
            return {"answers": data["answers"].splitlines()}
        if kind == ItemType.NUMERIC:
            return {"value": data["value"], "tolerance": data["tolerance"], "unit": data["unit"]}
        if kind == ItemType.MATCHING:
            rows = [ln.rpartition("=") for ln in data["pairs"].splitlines() if ln.strip()]
            extra = [ln.strip() for ln in data["distractors"].splitlines() if ln.strip()]
            # Answers in alphabetical order, lettered in that order: their order tells nothing.
            texts = sorted({b.strip() for _a, _s, b in rows} | set(extra), key=str.casefold)
            letter = {t: LETTERS[i] if i < len(LETTERS) else str(i + 1) for i, t in enumerate(texts)}
            left = [{"id": str(i + 1), "text": a.strip()} for i, (a, _s, _b) in enumerate(rows)]
            key = {str(i + 1): letter[b.strip()] for i, (_a, _s, b) in enumerate(rows)}
            right = [{"id": letter[t], "text": t} for t in texts]
            return {"left": left, "right": right, "key": key, "scoring": data["scoring"]}
        return {"rubric": data["rubric"]}


def initial_for(version: ItemVersion, codifier: Codifier | None) -> dict[str, Any]:
    """The form's fields for an existing version."""
    body = version.body
    initial: dict[str, Any] = {
        "codifier": codifier,
        "topic_codes": ", ".join(t.code for t in version.topics.all()),
        "name": version.item.name,
        "text": version.text,
        "max_points": version.max_points,
        "scoring": body.get("scoring", "partial"),
    }
    if "choices" in body:
        initial["options"] = "\n".join(("*" if c["correct"] else "") + c["text"] for c in body["choices"])
    initial["answers"] = "\n".join(body.get("answers", []))
    for key in ("value", "tolerance", "unit"):
        initial[key] = body.get(key, "")
    if "left" in body:
        rights = {r["id"]: r["text"] for r in body["right"]}
        used = set(body["key"].values())
        initial["pairs"] = "\n".join(
            f"{row['text']} = {rights[body['key'][row['id']]]}" for row in body["left"]
        )
        initial["distractors"] = "\n".join(r["text"] for r in body["right"] if r["id"] not in used)
    initial["rubric"] = body.get("rubric", "")
    return initial
