"""Shared plumbing of the HTML pages (``tutornet.api`` is its counterpart for the API).

A service refuses with a ``TutornetError`` (``tutornet.errors``); a page shows it on its
form, or, outside a form, as the 404 or 403 page or a message on the page it came from.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from .errors import NotFoundError, PermissionDeniedError, TutornetError


def forbidden(request: HttpRequest, message: str | None = None) -> HttpResponse:
    return render(
        request,
        "tenants/forbidden.html",
        {"message": message or _("This page is for the organisation's administrators.")},
        status=403,
    )


def refused(request: HttpRequest, exc: TutornetError, back: str) -> HttpResponse:
    """A service refusal outside a form: 404, 403, or a message on the page we came from."""
    if isinstance(exc, NotFoundError):
        raise Http404(exc.message)
    if isinstance(exc, PermissionDeniedError):
        return forbidden(request, exc.message)
    messages.error(request, exc.message)
    return redirect(back)


def form_error(form: Any, exc: TutornetError) -> None:
    """A service refusal on the form: on the field it names when the form has it, else on top."""
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)
