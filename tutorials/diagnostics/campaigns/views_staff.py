"""Pages of the methodologists, tutors and school administrators: campaigns, the wizard,
live progress, the grading queue, results per teacher/school/topic, the item analysis."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tenants.models import Organisation
from tutornet import xlsx
from tutornet.errors import TutornetError
from tutornet.pages import forbidden, form_error, refused

from . import permissions, selectors, services
from .analysis import analysis_for
from .forms import CampaignForm, ExtendForm, GradeForm, QuestionForm
from .models import AttemptItem, Campaign, Question


def _district(request: HttpRequest) -> Any:
    return getattr(request, "district_membership", None)


def managers_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not permissions.can_manage(_district(request)):
            return forbidden(request, _("This page is for the organisation's methodologists."))
        return view(request, *args, **kwargs)

    return login_required(wrapped)


def _campaign(campaign_id: int) -> Campaign:
    campaign = Campaign.objects.select_related("subject", "academic_year").filter(pk=campaign_id).first()
    if campaign is None:
        raise Http404
    return campaign


def _schools(request: HttpRequest) -> list[tuple[int, str]]:
    here = request.tenant  # type: ignore[attr-defined]
    if here.kind == Organisation.Kind.SCHOOL:
        return [(here.pk, here.short_name)]
    return list(
        Organisation.objects.filter(centre=here, kind=Organisation.Kind.SCHOOL, is_active=True)
        .order_by("short_name")
        .values_list("pk", "short_name")
    )


@login_required
def campaigns(request: HttpRequest) -> HttpResponse:
    """Every campaign with its live progress (staff), or a school's administrator's list."""
    membership = _district(request)
    if not (
        permissions.can_manage(membership)
        or permissions.is_tutor(membership)
        or permissions.is_school_admin(membership)
    ):
        return forbidden(request, _("This page is for the organisation's methodologists and tutors."))
    return render(
        request,
        "diagnostics/campaigns/campaigns.html",
        {
            "campaigns": selectors.campaigns_listed(membership)[:200],
            "can_manage": permissions.can_manage(membership),
            "staff": permissions.can_manage(membership) or permissions.is_tutor(membership),
            "now": timezone.now(),
        },
    )


@managers_only
def campaign_new(request: HttpRequest) -> HttpResponse:
    """The wizard, step 1-2: the campaign's facts and its test form (questionnaire next)."""
    subject_id = request.POST.get("subject") or request.GET.get("subject")
    year_id = request.POST.get("academic_year") or request.GET.get("academic_year")
    form = CampaignForm(
        request.POST or None,
        schools=_schools(request),
        subject_id=_int(subject_id),
        academic_year_id=_int(year_id),
    )
    if request.method == "POST" and "refresh" not in request.POST and form.is_valid():
        data = form.cleaned_data
        try:
            campaign = services.campaign_create(
                membership=_district(request),
                **{k: v for k, v in data.items() if k != "per_topic"},
                per_topic=data.get("per_topic") or 0,
            )
        except TutornetError as exc:
            form_error(form, exc)
        else:
            messages.success(
                request, _("The campaign is saved as a draft. Add the questionnaire, then publish it.")
            )
            return redirect("campaigns:campaign", campaign_id=campaign.pk)
    return render(request, "diagnostics/campaigns/campaign_new.html", {"form": form})


@managers_only
def campaign_edit(request: HttpRequest, campaign_id: int) -> HttpResponse:
    """The wizard's first step again, for a draft: correct its facts and test form."""
    found = _campaign(campaign_id)
    if found.published_at is not None:
        messages.error(request, _("The campaign is published: it no longer changes."))
        return redirect("campaigns:campaign", campaign_id=found.pk)
    subject_id = request.POST.get("subject") or found.subject_id
    initial = {
        "title": found.title,
        "academic_year": found.academic_year_id,
        "subject": found.subject_id,
        "opens_at": timezone.localtime(found.opens_at),
        "closes_at": timezone.localtime(found.closes_at),
        "time_limit_minutes": found.time_limit_minutes,
        "deficit_threshold": found.deficit_threshold,
        "school_admins_see_names": found.school_admins_see_names,
        "audience_school_ids": found.audience_school_ids,
        "form": found.form,
        "version_ids": list(found.items.values_list("version_id", flat=True)),
        "blueprint_topic_ids": list(found.blueprint_topics.values_list("pk", flat=True)),
        "per_topic": found.per_topic or 1,
    }
    form = CampaignForm(
        request.POST or None,
        initial=initial,
        schools=_schools(request),
        subject_id=_int(subject_id),
        academic_year_id=_int(request.POST.get("academic_year") or found.academic_year_id),
    )
    if request.method == "POST" and "refresh" not in request.POST and form.is_valid():
        data = form.cleaned_data
        try:
            services.campaign_update(
                membership=_district(request),
                campaign_id=found.pk,
                **{k: v for k, v in data.items() if k != "per_topic"},
                per_topic=data.get("per_topic") or 0,
            )
        except TutornetError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("The draft is saved."))
            return redirect("campaigns:campaign", campaign_id=found.pk)
    return render(request, "diagnostics/campaigns/campaign_new.html", {"form": form, "campaign": found})


@managers_only
@require_POST
def campaign_delete(request: HttpRequest, campaign_id: int) -> HttpResponse:
    try:
        services.campaign_delete(membership=_district(request), campaign_id=campaign_id)
    except TutornetError as exc:
        return refused(request, exc, f"/diagnostics/campaigns/{campaign_id}/")
    messages.success(request, _("The draft is deleted."))
    return redirect("campaigns:campaigns")


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@login_required
def campaign(request: HttpRequest, campaign_id: int) -> HttpResponse:
    """A campaign: progress, questionnaire (builder while a draft), links to its reports."""
    membership = _district(request)
    found = _campaign(campaign_id)
    if not permissions.can_see_individual_results(membership, found):
        return forbidden(request, _("This page is for the organisation's methodologists and tutors."))
    question_form = QuestionForm(subject_id=found.subject_id, academic_year_id=found.academic_year_id)
    return render(
        request,
        "diagnostics/campaigns/campaign.html",
        {
            "campaign": found,
            "progress": selectors.campaign_progress(found),
            "questions": found.questions.select_related("topic"),
            "items": found.items.select_related("version__item"),
            "question_form": question_form,
            "extend_form": ExtendForm(initial={"closes_at": timezone.localtime(found.closes_at)}),
            "can_manage": permissions.can_manage(membership),
        },
    )


@managers_only
@require_POST
def question_add(request: HttpRequest, campaign_id: int) -> HttpResponse:
    found = _campaign(campaign_id)
    form = QuestionForm(request.POST, subject_id=found.subject_id, academic_year_id=found.academic_year_id)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.question_add(
                membership=_district(request),
                campaign_id=found.pk,
                kind=data["kind"],
                text=data["text"],
                topic_id=data["topic"].pk if data["topic"] else None,
                competence_block=data["competence_block"],
                choices=data["choices"].splitlines(),
            )
        except TutornetError as exc:
            messages.error(request, exc.message)
    else:
        messages.error(request, _("Check the question: %(errors)s") % {"errors": form.errors.as_text()})
    return redirect("campaigns:campaign", campaign_id=found.pk)


@managers_only
def question_edit(request: HttpRequest, campaign_id: int, question_id: int) -> HttpResponse:
    """Edit a question of the questionnaire: freely in a draft, and after publishing only
    while nobody has answered it (the service decides and says why not)."""
    found = _campaign(campaign_id)
    question = (
        Question.objects.select_related("campaign", "topic").filter(pk=question_id, campaign=found).first()
    )
    if question is None:
        raise Http404
    refusal = services.question_editable(question)
    if request.method == "POST" and refusal is None:
        form = QuestionForm(
            request.POST, subject_id=found.subject_id, academic_year_id=found.academic_year_id
        )
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.question_edit(
                    membership=_district(request),
                    question_id=question.pk,
                    kind=data["kind"],
                    text=data["text"],
                    topic_id=data["topic"].pk if data["topic"] else None,
                    competence_block=data["competence_block"],
                    choices=data["choices"].splitlines(),
                )
            except TutornetError as exc:
                form_error(form, exc)
            else:
                messages.success(request, _("The question is saved."))
                return redirect("campaigns:campaign", campaign_id=found.pk)
    else:
        form = QuestionForm(
            subject_id=found.subject_id,
            academic_year_id=found.academic_year_id,
            initial={
                "kind": question.kind,
                "text": question.text,
                "topic": question.topic_id,
                "competence_block": question.competence_block,
                "choices": "\n".join(question.choices),
            },
        )
    return render(
        request,
        "diagnostics/campaigns/question_edit.html",
        {"campaign": found, "question": question, "form": form, "refusal": refusal},
        status=409 if refusal is not None and request.method == "POST" else 200,
    )


@managers_only
@require_POST
def campaign_extend(request: HttpRequest, campaign_id: int) -> HttpResponse:
    found = _campaign(campaign_id)
    form = ExtendForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the new closing time."))
        return redirect("campaigns:campaign", campaign_id=found.pk)
    try:
        services.campaign_extend(
            membership=_district(request), campaign_id=found.pk, closes_at=form.cleaned_data["closes_at"]
        )
    except TutornetError as exc:
        return refused(request, exc, f"/diagnostics/campaigns/{found.pk}/")
    messages.success(
        request, _("The campaign is extended; attempts in progress get the time the new close allows.")
    )
    return redirect("campaigns:campaign", campaign_id=found.pk)


@managers_only
@require_POST
def question_delete(request: HttpRequest, campaign_id: int, question_id: int) -> HttpResponse:
    found = _campaign(campaign_id)
    if not Question.objects.filter(pk=question_id, campaign=found).exists():
        raise Http404
    try:
        services.question_delete(
            membership=_district(request), campaign_id=campaign_id, question_id=question_id
        )
    except TutornetError as exc:
        return refused(request, exc, f"/diagnostics/campaigns/{found.pk}/")
    messages.success(request, _("The question is removed."))
    return redirect("campaigns:campaign", campaign_id=found.pk)


@managers_only
@require_POST
def publish(request: HttpRequest, campaign_id: int) -> HttpResponse:
    try:
        services.campaign_publish(membership=_district(request), campaign_id=campaign_id)
    except TutornetError as exc:
        return refused(request, exc, f"/diagnostics/campaigns/{campaign_id}/")
    messages.success(request, _("The campaign is published; teachers are told when it opens."))
    return redirect("campaigns:campaign", campaign_id=campaign_id)


@login_required
def results(request: HttpRequest, campaign_id: int) -> HttpResponse:
    """Per teacher, per school and per topic (staff); a school's aggregates (its administrator)."""
    membership = _district(request)
    found = _campaign(campaign_id)
    if permissions.can_see_individual_results(membership, found):
        school = _int(request.GET.get("school"))
        context = {
            "attempts": selectors.teacher_rows(found, school_id=school),
            "schools": selectors.school_summary(found),
            "topics": selectors.topic_aggregates(found, school_id=school),
            "questionnaire": selectors.questionnaire_summary(found, school_id=school, with_texts=True),
            "staff": True,
        }
    elif permissions.is_school_admin(membership) and permissions.school_of(membership) is not None:
        school_id = permissions.school_of(membership)
        assert school_id is not None
        aggregate = selectors.school_aggregate(found, school_id)
        context = {
            "school_aggregate": aggregate,
            "topics": aggregate["topics"],
            "questionnaire": selectors.questionnaire_summary(found, school_id=school_id),
            "attempts": selectors.teacher_rows(found, school_id=school_id)
            if permissions.school_admin_sees_names(membership, found)
            else None,
            "staff": False,
        }
    else:
        return forbidden(request, _("You may not see this campaign's results."))
    return render(request, "diagnostics/campaigns/results.html", {"campaign": found, **context})


@managers_only
def analysis(request: HttpRequest, campaign_id: int) -> HttpResponse:
    found = _campaign(campaign_id)
    stored = analysis_for(found)
    return render(
        request,
        "diagnostics/campaigns/analysis.html",
        {"campaign": found, "analysis": stored, "data": stored.data},
    )


@managers_only
def analysis_xlsx(request: HttpRequest, campaign_id: int) -> HttpResponse:
    found = _campaign(campaign_id)
    data = analysis_for(found).data
    book, sheet = xlsx.new_workbook(_("Item analysis"))
    sheet.header(
        [
            _("No."),
            _("Item"),
            _("Type"),
            _("Topics"),
            _("Attempts"),
            _("Facility index, %"),
            _("Standard deviation, %"),
            _("Discrimination index, %"),
            _("Discriminative efficiency, %"),
            _("Effective weight, %"),
            _("Flags"),
        ]
    )
    for item in data["items"]:
        sheet.row(
            [
                item["position"],
                item["name"],
                item["type"],
                ", ".join(item["topics"]),
                item["n"],
                _pct(item["facility"]),
                _pct(item["sd"]),
                _round(item["discrimination_index"]),
                _round(item["discriminative_efficiency"]),
                _round(item["effective_weight"]),
                "; ".join(_flags(item)),
            ]
        )
    test = xlsx.add_sheet(book, _("Test"))
    for key, label in _test_labels():
        test.row([label, _round(data["test"][key])])
    response = HttpResponse(
        xlsx.to_bytes(book), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="item-analysis-{found.pk}.xlsx"'
    return response


def _pct(value: float | None) -> float | None:
    return None if value is None else round(value * 100, 2)


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def _flags(item: dict[str, Any]) -> list[str]:
    flags = []
    if item["dubious"]:
        flags.append(_("dubious (discriminative efficiency below 15 %)"))
    if item["needs_checking"] == "very_likely":
        flags.append(_("needs checking: very likely"))
    elif item["needs_checking"] == "likely":
        flags.append(_("needs checking: likely"))
    if item["few_attempts"]:
        flags.append(_("fewer than 5 attempts"))
    return flags


def _test_labels() -> list[tuple[str, str]]:
    return [
        ("n", _("Attempts")),
        ("max_points", _("Maximum points")),
        ("mean", _("Mean")),
        ("median", _("Median")),
        ("sd", _("Standard deviation")),
        ("skewness", _("Skewness")),
        ("kurtosis", _("Kurtosis")),
        ("cic", _("Coefficient of internal consistency (Cronbach's α), %")),
        ("error_ratio", _("Error ratio, %")),
        ("standard_error", _("Standard error")),
    ]


@login_required
def grading_queue(request: HttpRequest) -> HttpResponse:
    membership = _district(request)
    if not (permissions.can_manage(membership) or permissions.is_tutor(membership)):
        return forbidden(request, _("This page is for the organisation's tutors and methodologists."))
    queue = list(selectors.grading_queue(membership)[:200])
    return render(request, "diagnostics/campaigns/grading_queue.html", {"queue": queue})


@login_required
def grade(request: HttpRequest, attempt_item_id: int) -> HttpResponse:
    """One extended answer beside its rubric; no name or school (grading is blind)."""
    membership = _district(request)
    item = (
        AttemptItem.objects.select_related("version__item", "attempt__campaign")
        .filter(pk=attempt_item_id)
        .first()
    )
    if item is None:
        raise Http404
    if not permissions.can_grade(membership, item.attempt.campaign):
        return forbidden(request, _("Only the subject's tutors and the methodologists grade these answers."))
    # A graded answer: the methodologists may correct the grade; others see it only.
    correcting = not item.needs_grading
    if correcting and not permissions.can_manage(membership):
        return forbidden(request, _("This answer is already graded; a methodologist may correct the grade."))
    initial = {"points": item.points, "comment": item.grader_comment} if correcting else None
    form = GradeForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        grade_it = services.answer_regrade if correcting else services.answer_grade
        try:
            grade_it(
                attempt_item_id=item.pk,
                membership=membership,
                points=form.cleaned_data["points"],
                comment=form.cleaned_data["comment"],
            )
        except TutornetError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("The grade is saved."))
            return redirect("campaigns:grading")
    answer = (
        item.attempt.answers.filter(version_id=item.version_id).values_list("response", flat=True).first()
    )
    return render(
        request,
        "diagnostics/campaigns/grade.html",
        {
            "item": item,
            "answer": (answer or {}).get("text", ""),
            "rubric": item.version.body.get("rubric", ""),
            "form": form,
            "correcting": correcting,
        },
    )
