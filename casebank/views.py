"""The case-bank pages (server-rendered): search, a material and its versions,
writing and editing, my materials, favourites, the moderation queue.

The bank is the one of the organisation served on this host (a school's own
bank, or the district bank on the centre's site).  Views are thin: they parse a
form, call one ``casebank`` service or selector and render.  Who may see what is
decided by ``casebank.permissions`` inside the selectors and services: a
material the person may not see is a 404 exactly like a missing one; a refused
action is a 403 page, a form error or a message; never a 500.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tenants.models import Organisation
from tutornet.errors import TutornetError
from tutornet.pages import act, allowed, forbidden, form_error, submit

from . import permissions, selectors, services
from .forms import CommentForm, MaterialForm, ModerationForm, RatingForm, SearchForm
from .models import Material, MaterialVersion, Status

View = Callable[..., HttpResponse | FileResponse]


def _organisation(request: HttpRequest) -> Organisation:
    return request.tenant  # type: ignore[attr-defined, no-any-return]


def _bank_open(*, missing_is_404: bool) -> Callable[[View], View]:
    """``tutornet.pages.allowed`` with the bank's access (kept on the request for the page)."""

    def can_read(request: HttpRequest) -> bool:
        access = permissions.access_for(request.user, _organisation(request))
        request.bank_access = access  # type: ignore[attr-defined]
        return access.can_read

    # An id from another bank tells nothing, exactly like a missing one (missing_is_404).
    return allowed(
        can_read, lambda: _("This case-material bank is not open to you."), missing_is_404=missing_is_404
    )


# Sign-in required; then the bank must be open to the person: pages of the bank as a
# whole answer 403 otherwise, pages of one material (or file) 404.
readers_only = _bank_open(missing_is_404=False)
material_readers = _bank_open(missing_is_404=True)


def _access(request: HttpRequest) -> permissions.BankAccess:
    return request.bank_access  # type: ignore[attr-defined, no-any-return]


def _render(request: HttpRequest, template: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
    """Render with what the bank's menu needs to know about the person."""
    access = _access(request)
    context = {
        "bank_is_district": access.organisation.is_centre,
        "can_write": permissions.can_create(access),
        "can_moderate": permissions.can_moderate(access),
        **context,
    }
    return render(request, template, context, status=status)


def _material(request: HttpRequest, material_id: int) -> Material:
    # A NotFoundError is the 404 page (``tutornet.pages.allowed``).
    return selectors.material_get(material_id=material_id, user=request.user)


def _material_url(material: Material) -> str:
    return reverse("casebank:material", args=[material.pk])


# --- search ------------------------------------------------------------------------------------


@readers_only
def search(request: HttpRequest) -> HttpResponse:
    """Full-text search of the published materials, with filters, sorting and pages."""
    form = SearchForm(request.GET or None, organisation=_organisation(request))
    arguments = form.search_arguments() if form.is_bound and form.is_valid() else {}
    if form.is_bound and not form.is_valid():
        # Search with what is valid; the wrong fields show their errors.
        arguments = {k: v for k, v in _valid_part(form).items() if v}
    result = None
    try:
        result = selectors.materials_search(user=request.user, **arguments)
    except TutornetError as exc:
        form_error(form, exc)
    return _render(
        request,
        "casebank/search.html",
        {"form": form, "result": result, "page_links": _page_links(request, result) if result else {}},
    )


def _valid_part(form: SearchForm) -> dict[str, Any]:
    valid = {name: value for name, value in form.cleaned_data.items() if name not in form.errors}
    form.cleaned_data = valid
    return form.search_arguments()


def _page_links(request: HttpRequest, result: selectors.SearchPage) -> dict[str, str]:
    params = request.GET.copy()
    links = {}
    if result.page > 1:
        params["page"] = str(result.page - 1)
        links["previous"] = "?" + params.urlencode()
    if result.has_next:
        params["page"] = str(result.page + 1)
        links["next"] = "?" + params.urlencode()
    if result.corrected_query:
        corrected = request.GET.copy()
        corrected["q"] = result.corrected_query
        corrected.pop("page", None)
        links["corrected"] = "?" + corrected.urlencode()
    return links


# --- a material and its versions -----------------------------------------------------------------


@material_readers
def material_detail(request: HttpRequest, material_id: int) -> HttpResponse:
    material = _material(request, material_id)
    access = _access(request)
    versions = selectors.material_versions(material=material, user=request.user)
    # Readers see the published version; authors of an unpublished material its latest state.
    shown = material.current_version or (versions[0] if versions else None)
    attachments = list(shown.attachments.all()) if shown else []
    is_author = permissions.is_author(access, material)
    latest = versions[0] if versions else None
    context: dict[str, Any] = {
        "material": material,
        "shown": shown,
        "attachments": attachments,
        "versions": versions,
        "latest": latest,
        "is_author": is_author,
        "can_edit": permissions.can_edit(access, material),
        "can_engage": permissions.can_engage(access, material) and not is_author,
        "can_comment": permissions.can_engage(access, material),
        "is_favourite": selectors.is_favourite(material=material, user=request.user),
        "my_rating": selectors.rating_of(material=material, user=request.user),
        "comments": selectors.comments_of(material=material, user=request.user),
        "similar": selectors.materials_similar(material=material, user=request.user),
        "rating_form": RatingForm(
            initial={"score": selectors.rating_of(material=material, user=request.user)}
        ),
        "comment_form": CommentForm(),
        "pending": None,
        "moderation_form": None,
        "district": None,
        "can_submit": False,
        "can_publish_here": False,
        "can_delete": False,
    }
    if permissions.can_moderate(access):
        pending = selectors.pending_version(material=material)
        context["pending"] = pending
        context["moderation_form"] = ModerationForm() if pending else None
    if context["can_edit"] and latest is not None:
        is_school = access.organisation.is_school
        context["district"] = (
            selectors.district_copy_of(material=material, user=request.user) if is_school else None
        )
        context["can_publish_here"] = is_school and latest.status == Status.DRAFT
        # From a school any state is sent (its latest version); at the centre a draft or a returned one.
        context["can_submit"] = is_school or latest.status in (Status.DRAFT, Status.RETURNED)
        if is_school and material.district_copy_id:
            from portal.authored import published_and_unchanged

            # Published as it is: nothing to send until an author changes it (the button says why).
            context["nothing_to_send"] = published_and_unchanged(
                material=material, latest=latest, user=request.user
            )
        context["can_delete"] = (
            all(v.status == Status.DRAFT for v in versions) and not material.district_copy_id
        )
    return _render(request, "casebank/material.html", context)


@material_readers
def version_detail(request: HttpRequest, material_id: int, number: int) -> HttpResponse:
    material = _material(request, material_id)
    version = selectors.version_get(material=material, number=number, user=request.user)
    return _render(
        request,
        "casebank/version.html",
        {
            "material": material,
            "version": version,
            "attachments": list(version.attachments.all()),
            "is_current": material.current_version_id == version.pk,
        },
    )


@material_readers
def download(request: HttpRequest, attachment_id: int) -> FileResponse:
    attachment = services.attachment_download(attachment_id=attachment_id, actor=request.user)  # type: ignore[arg-type]
    return FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )


# --- writing -----------------------------------------------------------------------------------


@readers_only
def material_create(request: HttpRequest) -> HttpResponse:
    if not permissions.can_create(_access(request)):
        return forbidden(request, _("Only staff of this organisation write materials in its bank."))
    colleagues = selectors.possible_co_authors(user=request.user)
    form = MaterialForm(request.POST or None, request.FILES or None, colleagues=colleagues)
    answer = submit(
        request,
        form,
        lambda data: services.material_create(
            actor=request.user,  # type: ignore[arg-type]
            files=data["attachments"],
            co_authors=list(data["co_authors"]),
            **form.service_arguments(),  # type: ignore[arg-type]
        ),
        success=_("The draft is saved. Only its authors see it until it is published."),
        to=_material_url,
    )
    if answer is not None:
        return answer
    return _render(request, "casebank/edit.html", {"form": form, "material": None}, status=_status(form))


def _status(form: Any) -> int:
    return 400 if form.is_bound and form.errors else 200


def _editable_latest(request: HttpRequest, material: Material) -> MaterialVersion:
    versions = selectors.material_versions(material=material, user=request.user)
    return versions[0]


@material_readers
def material_edit(request: HttpRequest, material_id: int) -> HttpResponse:
    material = _material(request, material_id)
    if not permissions.can_edit(_access(request), material):
        return forbidden(request, _("Only the authors edit a material."))
    latest = _editable_latest(request, material)
    attachments = list(latest.attachments.all())
    initial = {
        "title": latest.title, "kind": latest.kind, "licence": latest.licence, "abstract": latest.abstract,
        "body": latest.body, "subjects": latest.subject_ids, "grades": latest.grades,
        "topics": ", ".join(latest.topics),
    }  # fmt: skip
    colleagues = None
    if material.origin_organisation_id is None:  # a district copy's authors come from the school
        colleagues = selectors.possible_co_authors(user=request.user, material=material)
        initial["co_authors"] = [a.pk for a in material.authors.all() if a.pk != request.user.pk]
    form = MaterialForm(
        request.POST or None, request.FILES or None, initial=initial, attachments=attachments,
        colleagues=colleagues,
    )  # fmt: skip
    answer = submit(
        request,
        form,
        lambda data: services.material_update(
            material=material,
            actor=request.user,  # type: ignore[arg-type]
            add_files=data["attachments"],
            remove_attachment_ids=data.get("remove_attachments") or [],
            co_authors=list(data["co_authors"]) if colleagues is not None else None,
            **form.service_arguments(),
        ),
        success=lambda version: (
            _("Saved as a new version; it awaits the methodologists' moderation.")
            if version.status == Status.SUBMITTED
            else _("The changes are saved.")
        ),
        to=_material_url(material),
    )
    if answer is not None:
        return answer
    context = {"form": form, "material": material, "latest": latest}
    return _render(request, "casebank/edit.html", context, status=_status(form))


def _action(
    request: HttpRequest, material_id: int, run: Callable[[Material], Any], done: str
) -> HttpResponse:
    """Run one service on a material the person can see; its error becomes a message or 403/404."""
    material = _material(request, material_id)
    return act(request, lambda: run(material), success=done, back=_material_url(material))


@require_POST
@material_readers
def material_publish_here(request: HttpRequest, material_id: int) -> HttpResponse:
    return _action(
        request, material_id,
        lambda m: services.material_publish_in_school(material=m, actor=request.user),  # type: ignore[arg-type]
        _("The material is published in the school's bank."),
    )  # fmt: skip


@require_POST
@material_readers
def material_submit(request: HttpRequest, material_id: int) -> HttpResponse:
    return _action(
        request, material_id,
        lambda m: services.material_submit(material=m, actor=request.user),  # type: ignore[arg-type]
        _("The material is sent to the district bank; the methodologists will review it."),
    )  # fmt: skip


@require_POST
@material_readers
def material_delete(request: HttpRequest, material_id: int) -> HttpResponse:
    material = _material(request, material_id)
    return act(
        request,
        lambda: services.material_delete_draft(material=material, actor=request.user),  # type: ignore[arg-type]
        success=_("The draft is deleted."),
        back=_material_url(material),
        to=reverse("casebank:mine"),
    )


# --- readers' side -------------------------------------------------------------------------------


@require_POST
@material_readers
def material_rate(request: HttpRequest, material_id: int) -> HttpResponse:
    form = RatingForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("A rating is a whole number from 1 to 5."))
        return redirect("casebank:material", material_id)
    return _action(
        request, material_id,
        lambda m: services.material_rate(material=m, score=form.cleaned_data["score"], actor=request.user),  # type: ignore[arg-type]
        _("Thank you, your rating is saved."),
    )  # fmt: skip


@require_POST
@material_readers
def material_favourite(request: HttpRequest, material_id: int) -> HttpResponse:
    wanted = request.POST.get("favourite") == "1"
    return _action(
        request, material_id,
        lambda m: services.favourite_set(material=m, favourite=wanted, actor=request.user),  # type: ignore[arg-type]
        _("Added to your favourites.") if wanted else _("Removed from your favourites."),
    )  # fmt: skip


@require_POST
@material_readers
def material_comment(request: HttpRequest, material_id: int) -> HttpResponse:
    form = CommentForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Write the comment first."))
        return redirect("casebank:material", material_id)
    return _action(
        request, material_id,
        lambda m: services.comment_create(material=m, text=form.cleaned_data["text"], actor=request.user),  # type: ignore[arg-type]
        _("Your comment is published."),
    )  # fmt: skip


@readers_only
def mine(request: HttpRequest) -> HttpResponse:
    materials = list(selectors.materials_authored(user=request.user)[:200])
    context = {
        "materials": materials,
        "heading": _("My materials"),
        "empty": _("You have not written any material here yet."),
    }
    return _render(request, "casebank/list.html", context)


@readers_only
def favourites(request: HttpRequest) -> HttpResponse:
    materials = list(selectors.favourites_of(user=request.user)[:200])
    context = {"materials": materials, "heading": _("Favourites"), "empty": _("No favourites yet.")}
    return _render(request, "casebank/list.html", context)


# --- moderation ----------------------------------------------------------------------------------


@readers_only
def moderation(request: HttpRequest) -> HttpResponse:
    queue = list(selectors.moderation_queue(user=request.user)[:200])  # refused: the 403 page
    return _render(request, "casebank/moderation.html", {"queue": queue, "form": ModerationForm()})


@require_POST
@readers_only
def moderate(request: HttpRequest, material_id: int) -> HttpResponse:
    if not permissions.can_moderate(_access(request)):
        return forbidden(request, _("Only the centre's methodologists moderate the district bank."))
    material = _material(request, material_id)
    form = ModerationForm(request.POST)
    back = request.POST.get("from") == "queue" and reverse("casebank:moderation") or _material_url(material)
    if not form.is_valid():
        messages.error(request, _("Choose a decision."))
        return redirect(back)
    decision, comment = form.cleaned_data["decision"], form.cleaned_data["comment"]
    actor = request.user
    if decision == "publish":
        run: Any = lambda: services.material_publish(material=material, actor=actor)  # type: ignore[arg-type]  # noqa: E731
        done = _("The material is published in the district bank.")
    elif decision == "return":
        run = lambda: services.material_return(material=material, actor=actor, comment=comment)  # type: ignore[arg-type]  # noqa: E731
        done = _("The material is returned to its authors.")
    else:
        run = lambda: services.material_reject(material=material, actor=actor, reason=comment)  # type: ignore[arg-type]  # noqa: E731
        done = _("The material is rejected.")
    return act(request, run, success=done, back=back)
