"""The codifier pages for the centre's administrator: the list, each codifier's topics,
the imports.  Thin: the permission from ``codifier.permissions``, one service or selector."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tutornet.errors import PermissionDeniedError, TutornetError
from tutornet.pages import forbidden, form_error

from . import selectors, services
from .errors import ImportRejectedError
from .forms import CodifierImportForm, MappingImportForm
from .models import Codifier
from .permissions import can_manage_codifiers


def _page(request: HttpRequest, **context: Any) -> HttpResponse:
    context.setdefault("import_form", CodifierImportForm())
    context.setdefault("mapping_form", MappingImportForm())
    context["codifiers"] = selectors.codifiers_list()
    status = 400 if context.get("problems") or context.get("failed") else 200
    return render(request, "codifier/list.html", context, status=status)


def _allowed(request: HttpRequest) -> bool:
    return can_manage_codifiers(getattr(request, "membership", None))


@login_required
def codifier_list(request: HttpRequest) -> HttpResponse:
    if not _allowed(request):
        return forbidden(request, _("The codifier is kept by the centre's administrator."))
    return _page(request)


@login_required
def codifier_detail(request: HttpRequest, codifier_id: int) -> HttpResponse:
    if not _allowed(request):
        return forbidden(request, _("The codifier is kept by the centre's administrator."))
    codifier = get_object_or_404(Codifier.objects.select_related("subject", "academic_year"), pk=codifier_id)
    topics = selectors.codifier_topics(codifier)
    return render(request, "codifier/detail.html", {"codifier": codifier, "topics": topics})


def _import(request: HttpRequest, form: Any, run: Any, form_key: str, done: str) -> HttpResponse:
    if not _allowed(request):
        return forbidden(request, _("The codifier is kept by the centre's administrator."))
    if not form.is_valid():
        return _page(request, **{form_key: form, "failed": True})
    upload = form.cleaned_data["file"]
    try:
        result = run(form.cleaned_data, upload)
    except ImportRejectedError as exc:
        return _page(request, **{form_key: form, "problems": exc.problems, "problems_title": exc.message})
    except PermissionDeniedError as exc:
        return forbidden(request, exc.message)
    except TutornetError as exc:
        form_error(form, exc)
        return _page(request, **{form_key: form, "failed": True})
    messages.success(request, done % {"result": result})
    return redirect("codifier:list")


@require_POST
@login_required
def codifier_import(request: HttpRequest) -> HttpResponse:
    def run(data: dict[str, Any], upload: Any) -> Any:
        return services.codifier_import(
            subject=data["subject"],
            exam=data["exam"],
            academic_year=data["academic_year"],
            title=data["title"],
            source=data["source"],
            stream=upload,
            filename=upload.name,
            actor=request.user,  # type: ignore[arg-type]
        )

    return _import(
        request,
        CodifierImportForm(request.POST, request.FILES),
        run,
        "import_form",
        _("The codifier “%(result)s” was imported."),
    )


@require_POST
@login_required
def mapping_import(request: HttpRequest) -> HttpResponse:
    def run(data: dict[str, Any], upload: Any) -> Any:
        return services.mapping_import(
            old_codifier=data["old_codifier"],
            new_codifier=data["new_codifier"],
            stream=upload,
            filename=upload.name,
            actor=request.user,  # type: ignore[arg-type]
        )

    return _import(
        request,
        MappingImportForm(request.POST, request.FILES),
        run,
        "mapping_form",
        _("The mapping was imported: %(result)s new links between codes."),
    )
