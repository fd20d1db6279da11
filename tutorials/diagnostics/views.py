"""The question bank's pages for methodologists: the list with filters, an item's preview as
the teacher sees it, creating and editing items of every type.  Thin: the permission
from ``.permissions``, one selector or service."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from codifier.models import Codifier, Topic
from tutornet.errors import PermissionDeniedError, TutornetError
from tutornet.pages import forbidden, form_error, refused

from . import selectors, services
from .forms import BankFilterForm, ItemForm, initial_for
from .models import Item, ItemImage, ItemType, ItemVersion
from .permissions import can_use_bank, can_view_image
from .scoring import correct_response

View = Callable[..., HttpResponse]
PAGE_SIZE = 20


def bank_page(view: View) -> View:
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not can_use_bank(getattr(request, "membership", None)):
            return forbidden(request, _("The question bank is for the organisation's methodologists."))
        try:
            return view(request, *args, **kwargs)
        except PermissionDeniedError as exc:
            return forbidden(request, exc.message)

    return login_required(wrapped)


def _item(item_id: int) -> Item:
    item = (
        Item.objects.select_related("subject", "current_version", "author")
        .prefetch_related(
            Prefetch(
                "current_version__topics",
                queryset=Topic.objects.select_related("codifier").order_by("position"),
            )
        )
        .filter(pk=item_id)
        .first()
    )
    if item is None or item.current_version is None:
        raise Http404(_("No such item in this bank."))
    return item


@bank_page
def bank_list(request: HttpRequest) -> HttpResponse:
    form = BankFilterForm(request.GET or None)
    filters: dict[str, Any] = {}
    if form.is_valid():
        data = form.cleaned_data
        filters = {"type": data["type"] or None, "query": data["q"].strip()}
        codifier = data["codifier"]
        if codifier is not None:
            filters["subject_id"] = codifier.subject_id
            if data["topic"]:
                topic = codifier.topics.filter(code=data["topic"].strip()).first()
                filters["topic_id"] = topic.pk if topic else -1
    page = Paginator(selectors.bank_items(**filters), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "diagnostics/bank_list.html",
        {"form": form, "page": page, "types": ItemType.choices, "query_string": _without_page(request)},
    )


def _without_page(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


@bank_page
def item_preview(request: HttpRequest, item_id: int) -> HttpResponse:
    item = _item(item_id)
    version = item.current_version
    assert version is not None
    versions = (
        ItemVersion.objects.filter(item=item).order_by("-number").only("number", "created_at", "used_at")
    )
    return render(
        request,
        "diagnostics/item_preview.html",
        {"item": item, "version": version, "correct": correct_response(version), "versions": versions},
    )


def _save(request: HttpRequest, form: ItemForm, kind: str, item: Item | None) -> Item | None:
    if not form.is_valid():
        return None
    topic_ids = form.topic_ids()
    if form.errors:
        return None
    codifier: Codifier = form.cleaned_data["codifier"]
    common = {
        "text": form.cleaned_data["text"],
        "body": form.body(kind),
        "topics": topic_ids,
        "max_points": form.cleaned_data["max_points"],
        "actor": request.user,
    }
    try:
        if item is None:
            return services.item_create(
                subject=codifier.subject, type=kind, name=form.cleaned_data["name"], **common
            )
        if codifier.subject_id != item.subject_id:
            form.add_error("codifier", _("Choose a codifier of the item's subject."))
            return None
        services.item_update(item=item, name=form.cleaned_data["name"], **common)
        return item
    except PermissionDeniedError:
        raise
    except TutornetError as exc:
        field = {
            "choices": "options",
            "key": "pairs",
            "left": "pairs",
            "right": "pairs",
            "topics": "topic_codes",
        }
        exc.field = field.get(exc.field or "", exc.field)
        form_error(form, exc)
        return None


@bank_page
def item_create(request: HttpRequest) -> HttpResponse:
    kind = request.GET.get("type") or request.POST.get("type") or ItemType.SINGLE
    if kind not in ItemType.values:
        raise Http404(_("Unknown item type."))
    form = ItemForm(request.POST or None)
    if request.method == "POST":
        item = _save(request, form, kind, None)
        if item is not None:
            messages.success(request, _("The item was added to the bank."))
            return redirect("diagnostics:item", item.pk)
    return render(
        request,
        "diagnostics/item_form.html",
        {"form": form, "kind": kind, "kind_label": ItemType(kind).label},
    )


@bank_page
def item_edit(request: HttpRequest, item_id: int) -> HttpResponse:
    item = _item(item_id)
    version = item.current_version
    assert version is not None
    topics = list(version.topics.all())
    codifier = topics[0].codifier if topics else None
    form = ItemForm(request.POST or None, initial=initial_for(version, codifier))
    if request.method == "POST" and _save(request, form, item.type, item) is not None:
        messages.success(request, _("The item was saved."))
        return redirect("diagnostics:item", item.pk)
    return render(
        request,
        "diagnostics/item_form.html",
        {
            "form": form,
            "kind": item.type,
            "kind_label": item.get_type_display(),
            "item": item,
            "version": version,
        },
    )


@bank_page
def item_archive(request: HttpRequest, item_id: int) -> HttpResponse:
    if request.method != "POST":
        return redirect("diagnostics:item", item_id)
    item = _item(item_id)
    try:
        services.item_archive(item=item, actor=request.user, archived=not item.archived)  # type: ignore[arg-type]
    except TutornetError as exc:
        return refused(request, exc, "diagnostics:bank")
    messages.success(request, _("The item was archived.") if item.archived else _("The item was restored."))
    return redirect("diagnostics:bank")


@bank_page
def item_image_upload(request: HttpRequest, item_id: int) -> HttpResponse:
    item = _item(item_id)
    upload = request.FILES.get("image")
    if request.method != "POST" or upload is None:
        messages.error(request, _("Choose a picture to upload."))
        return redirect("diagnostics:item", item.pk)
    try:
        image = services.item_image_add(item=item, file=upload, actor=request.user)  # type: ignore[arg-type]
    except TutornetError as exc:
        return refused(request, exc, reverse("diagnostics:item", args=[item.pk]))
    messages.success(
        request,
        _("The picture was uploaded. Put it in the text as %(tag)s")
        % {"tag": f'<img src="{reverse("diagnostics:image", args=[image.pk])}" alt="">'},
    )
    return redirect("diagnostics:item", item.pk)


@login_required
def item_image(request: HttpRequest, image_id: int) -> FileResponse:
    if not can_view_image(request.user):
        raise Http404(_("No such picture."))
    image = ItemImage.objects.filter(pk=image_id).first()
    if image is None:
        raise Http404(_("No such picture."))
    response = FileResponse(image.file.open("rb"), content_type=image.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    return response
