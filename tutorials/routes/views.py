"""The pages of professional routes: the list (my route, my tutorants' routes, my school's
routes waiting for approval, the whole district for a methodologist), the route page with
its sections, plan, proposals, transitions and evidence, and the DOCX.  Thin: the
permissions module decides, one service does the work, a ``TutornetError`` becomes a
message (never a 500); a route this person may not see is a 404."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tutornet.errors import TutornetError
from tutornet.pages import refused

from . import collect, comments, page_rows, permissions, selectors, services
from .models import SECTIONS, Evidence, Form, PlanItem, Route, Status, section_label
from .templatetags.route_links import route_links


def _visible(request: HttpRequest, route_id: int, *, lean: bool = False) -> Route:
    route = selectors.route_page(route_id, lean=lean)
    if route is None or not permissions.can_view(request.user, route):
        raise Http404(_("There is no such route."))
    return route


def _url(route_id: int) -> str:
    return reverse("routes:route", args=[route_id])


def _int(value: str | None) -> int:
    try:
        return int(value or "")
    except ValueError:
        return -1


@login_required
def route_list(request: HttpRequest) -> HttpResponse:
    routes = list(selectors.visible_routes(request.user).order_by("status", "teacher__last_name", "pk")[:500])
    user = request.user
    tutoring = any(r.tutor_id == user.pk for r in routes)
    return render(
        request,
        "routes/list.html",
        {
            "mine": [r for r in routes if r.teacher_id == user.pk],
            "tutorants": [r for r in routes if r.tutor_id == user.pk],
            "waiting": [
                r
                for r in routes
                if r.school_id in permissions.admin_school_ids(user) and r.status == Status.AGREED
            ],
            "district": routes if permissions.is_methodologist(user) else [],
            "can_start": permissions.teacher_school_id(user) is not None
            and not any(r.teacher_id == user.pk for r in routes),
            # The tutor's comments waiting for an answer (one query, only for a tutor).
            "unanswered": list(comments.waiting_for_answer(user)) if tutoring else [],  # type: ignore[arg-type]
        },
    )


def _label(rows: list[Any], field: str, choices: list[tuple[str, Any]], attr: str) -> None:
    """``row.<attr>``: what ``row.get_<field>_display()`` shows, with the labels translated once
    per page, not once per row (the display method rebuilds and hashes every lazy label)."""
    labels = {value: str(label) for value, label in choices}
    for row in rows:
        value = getattr(row, field)
        setattr(row, attr, labels.get(value, value))


def _urls(name: str, route_id: int) -> Callable[[int], str]:
    """``reverse(name, args=[route_id, pk])`` for many pks with one reverse."""
    marker = "2147483646"
    head, tail = reverse(name, args=[route_id, int(marker)]).rsplit(marker, 1)
    return lambda pk: f"{head}{pk}{tail}"


@login_required
def route_page(request: HttpRequest, route_id: int) -> HttpResponse:
    route = _visible(request, route_id, lean=True)
    page = selectors.page_of(route)
    # The per-row labels and links, made once for the page (the template shows them as they were).
    _label(page.items, "form", Form.choices, "form_label")
    _label(page.items, "status", PlanItem.ItemStatus.choices, "status_label")
    _label(page.evidence, "kind", Evidence.Kind.choices, "kind_label")
    decide_url, confirm_url = _urls("routes:decide", route.pk), _urls("routes:confirm", route.pk)
    for item in page.items:
        setattr(item, "decide_url", decide_url(item.pk))  # noqa: B010 (not a model field)
    for evidence in page.evidence:
        setattr(evidence, "confirm_url", confirm_url(evidence.pk))  # noqa: B010
    sections = [(name, section_label(name), getattr(route, name)) for name in SECTIONS]
    can_edit = permissions.can_edit(request.user, route)
    can_choose_tutor = permissions.can_choose_tutor(request.user, route)
    can_confirm = permissions.can_confirm_evidence(request.user, route)
    links = route_links({"request": request}, route, page)
    thread = selectors.thread_for_page(route)
    # The long lists rendered in Python (page_rows): the template engine's per-row cost was most
    # of the page at 100 items.
    token = get_token(request)
    csrf = page_rows.csrf_field(token)
    extra = page_rows.item_extra_renderer({"route": route, "can_edit": can_edit}, token, links)
    return render(
        request,
        "routes/route.html",
        {
            "page": page,
            "route": route,
            "sections": sections,
            "can_edit": can_edit,
            "tutors": list(selectors.tutor_choices()) if can_choose_tutor else None,
            "can_confirm": can_confirm,
            "steps": services.next_steps(request.user, route),
            "forms": Form.choices,
            "links": links,
            "comments": thread,
            "can_comment": comments.can_comment(request.user, route),  # type: ignore[arg-type]
            "plan_rows": page_rows.plan_rows(
                page.items, overdue_ids=page.overdue_ids, can_edit=can_edit, csrf=csrf, item_extra=extra
            ),
            "evidence_rows": page_rows.evidence_rows(page.evidence, can_confirm=can_confirm, csrf=csrf),
            "comment_rows": page_rows.comment_rows(thread),
            "item_options": page_rows.item_options(page.items),
        },
    )


@login_required
@require_POST
def sections(request: HttpRequest, route_id: int) -> HttpResponse:
    values = {name: request.POST[name] for name in SECTIONS if name in request.POST}
    try:
        services.route_update_sections(
            actor=request.user,  # type: ignore[arg-type]
            route_id=route_id,
            version=_int(request.POST.get("version")),
            **values,
        )
    except TutornetError as exc:
        return refused(request, exc, _url(route_id))
    messages.success(request, _("Saved."))
    return redirect(_url(route_id))


@login_required
@require_POST
def choose_tutor(request: HttpRequest, route_id: int) -> HttpResponse:
    chosen = _int(request.POST.get("tutor"))
    try:
        services.route_set_tutor(
            actor=request.user,  # type: ignore[arg-type]
            route_id=route_id,
            version=_int(request.POST.get("version")),
            tutor=None if request.POST.get("tutor") == "" else chosen,
        )
    except TutornetError as exc:
        return refused(request, exc, _url(route_id))
    messages.success(request, _("Saved."))
    return redirect(_url(route_id))


@login_required
@require_POST
def transition(request: HttpRequest, route_id: int) -> HttpResponse:
    try:
        services.route_transition(
            actor=request.user,  # type: ignore[arg-type]
            route_id=route_id,
            version=_int(request.POST.get("version")),
            target=request.POST.get("target", ""),
            reason=request.POST.get("reason", ""),
        )
    except TutornetError as exc:
        return refused(request, exc, _url(route_id))
    messages.success(request, _("The route's status has changed."))
    return redirect(_url(route_id))


@login_required
@require_POST
def decide(request: HttpRequest, route_id: int, item_id: int) -> HttpResponse:
    try:
        services.item_decide(
            actor=request.user,  # type: ignore[arg-type]
            item_id=item_id,
            version=_int(request.POST.get("version")),
            accept=request.POST.get("decision") == "accept",
        )
    except TutornetError as exc:
        return refused(request, exc, _url(route_id))
    return redirect(_url(route_id))


@login_required
@require_POST
def collect_evidence(request: HttpRequest, route_id: int) -> HttpResponse:
    try:
        found = collect.evidence_collect(actor=request.user, route_id=route_id)  # type: ignore[arg-type]
    except TutornetError as exc:
        return refused(request, exc, _url(route_id))
    messages.success(request, _("Evidence found on the platform: %(count)s.") % {"count": len(found)})
    return redirect(_url(route_id))


@login_required
@require_POST
def confirm(request: HttpRequest, route_id: int, evidence_id: int) -> HttpResponse:
    try:
        services.evidence_confirm(
            actor=request.user,  # type: ignore[arg-type]
            evidence_id=evidence_id,
            comment=request.POST.get("comment", ""),
        )
    except TutornetError as exc:
        return refused(request, exc, _url(route_id))
    return redirect(_url(route_id))


@login_required
def docx(request: HttpRequest, route_id: int) -> HttpResponse:
    from . import document  # python-docx (and lxml) loaded only for the download

    route = _visible(request, route_id)
    response = HttpResponse(
        document.route_docx(route),
        content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )
    response["Content-Disposition"] = f'attachment; filename="iom-{route.pk}.docx"'
    return response


@login_required
@require_POST
def start(request: HttpRequest) -> HttpResponse:
    """The teacher starts their own route for the current academic year."""
    from tenants.models import AcademicYear

    year = AcademicYear.objects.filter(is_current=True).first()
    if year is None:
        messages.error(request, _("The current academic year is not set."))
        return redirect(reverse("routes:list"))
    try:
        route = services.route_create(actor=request.user, teacher=request.user, academic_year=year)  # type: ignore[arg-type]
    except TutornetError as exc:
        return refused(request, exc, reverse("routes:list"))
    return redirect(_url(route.pk))


@login_required
@require_POST
def add_item(request: HttpRequest, route_id: int) -> HttpResponse:
    from datetime import date

    deadline = None
    if request.POST.get("deadline"):
        try:
            deadline = date.fromisoformat(request.POST["deadline"])
        except ValueError:
            messages.error(request, _("Enter a valid date."))
            return redirect(_url(route_id))
    try:
        services.item_add(
            actor=request.user,  # type: ignore[arg-type]
            route_id=route_id,
            version=_int(request.POST.get("version")),
            task=request.POST.get("task", ""),
            form=request.POST.get("form", ""),
            deadline=deadline,
            expected_result=request.POST.get("expected_result", ""),
        )
    except TutornetError as exc:
        return refused(request, exc, _url(route_id))
    return redirect(_url(route_id))


@login_required
@require_POST
def add_evidence(request: HttpRequest, route_id: int) -> HttpResponse:
    try:
        services.evidence_add(
            actor=request.user,  # type: ignore[arg-type]
            route_id=route_id,
            kind=request.POST.get("kind", ""),
            title=request.POST.get("title", ""),
            url=request.POST.get("url", ""),
            note=request.POST.get("note", ""),
        )
    except TutornetError as exc:
        return refused(request, exc, _url(route_id))
    return redirect(_url(route_id))


@login_required
@require_POST
def comment(request: HttpRequest, route_id: int) -> HttpResponse:
    """A comment in the route's discussion (the service checks who may write)."""
    item = request.POST.get("item") or None
    try:
        comments.comment_add(
            actor=request.user,  # type: ignore[arg-type]
            route_id=route_id,
            text=request.POST.get("text", ""),
            item_id=_int(item) if item else None,
        )
    except TutornetError as exc:
        return refused(request, exc, _url(route_id) + "#comments")
    messages.success(request, _("Your comment is posted."))
    return redirect(_url(route_id) + "#comments")


# --- the portfolio and the PDFs ---------------------------------------------------------


def _file(content: bytes, content_type: str, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
def portfolio(request: HttpRequest, route_id: int) -> HttpResponse:
    """The teacher's portfolio for the year (whoever may see the route)."""
    from .portfolio import portfolio_of

    route = _visible(request, route_id)
    return render(request, "routes/portfolio.html", {"route": route, "portfolio": portfolio_of(route)})


@login_required
def my_portfolio(request: HttpRequest) -> HttpResponse:
    """The signed-in teacher's portfolio of the current year (or of their latest route)."""
    route = (
        Route.objects.filter(teacher_id=request.user.pk)
        .order_by("-academic_year__is_current", "-academic_year__starts_on", "pk")
        .first()
    )
    if route is None:
        messages.info(request, _("You have no professional route yet: start one to keep a portfolio."))
        return redirect(reverse("routes:list"))
    return redirect(reverse("routes:portfolio", args=[route.pk]))


@login_required
def portfolio_docx(request: HttpRequest, route_id: int) -> HttpResponse:
    from .portfolio import portfolio_docx as render_docx
    from .portfolio import portfolio_of

    route = _visible(request, route_id)
    return _file(
        render_docx(portfolio_of(route)),
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        f"portfolio-{route.pk}.docx",
    )


@login_required
def portfolio_pdf(request: HttpRequest, route_id: int) -> HttpResponse:
    from . import pdf
    from .portfolio import portfolio_of

    route = _visible(request, route_id)
    return _file(pdf.portfolio_pdf(portfolio_of(route)), "application/pdf", f"portfolio-{route.pk}.pdf")


@login_required
def route_pdf(request: HttpRequest, route_id: int) -> HttpResponse:
    from . import pdf

    route = _visible(request, route_id)
    return _file(pdf.route_pdf(route), "application/pdf", f"iom-{route.pk}.pdf")
