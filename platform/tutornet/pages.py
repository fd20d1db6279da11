"""Shared plumbing of the HTML pages (``tutornet.api`` is its counterpart for the API).

A service refuses with a ``TutornetError`` (``tutornet.errors``).  On a page that refusal is
handled in one place, the ``allowed`` decorator that every page wears:

* ``NotFoundError`` is the 404 page, ``PermissionDeniedError`` the 403 page;
* any other refusal of a POST is a message on the page the person came from (the safe
  ``next`` field, else the page itself); of a GET, the refusal page with the error's status.

A refusal that belongs on a form goes there instead: ``submit`` runs the whole
"valid form → service → success message → redirect" step and puts the refusal on the form;
``act`` does the same for a button without a form (message on the page we came from).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from .errors import NotFoundError, PermissionDeniedError, TutornetError

View = Callable[..., Any]
T = TypeVar("T")
Message = str | Callable[[Any], str]
Target = str | Callable[[Any], str]


def forbidden(request: HttpRequest, message: str | None = None) -> HttpResponse:
    return render(
        request,
        "tenants/forbidden.html",
        {"message": message or _("This page is for the organisation's administrators.")},
        status=403,
    )


def back_to(request: HttpRequest, default: str) -> str:
    """The ``next`` the page was given (POST or GET) when it stays on this site, else ``default``."""
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if wanted and url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return wanted
    return default


def refused(request: HttpRequest, exc: TutornetError, back: str) -> HttpResponse:
    """A service refusal outside a form: 404, 403, or a message on the page we came from."""
    if isinstance(exc, NotFoundError):
        raise Http404(exc.message)
    if isinstance(exc, PermissionDeniedError):
        return forbidden(request, exc.message)
    messages.error(request, exc.message)
    return redirect(back)


def refusal_response(request: HttpRequest, exc: TutornetError) -> HttpResponse:
    """The one answer of a page to a refusal no view handled (see the module's docstring)."""
    if request.method == "POST" and not isinstance(exc, NotFoundError | PermissionDeniedError):
        return refused(request, exc, back_to(request, request.get_full_path()))
    if isinstance(exc, NotFoundError | PermissionDeniedError):
        return refused(request, exc, "")
    return render(request, "tutornet/refused.html", {"message": exc.message}, status=exc.status)


def form_error(form: Any, exc: TutornetError) -> None:
    """A service refusal on the form: on the field it names when the form has it, else on top."""
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


def allowed(
    predicate: Callable[[HttpRequest], bool] | None = None,
    message: Callable[[], str] | None = None,
    *,
    missing_is_404: bool = False,
) -> Callable[[View], View]:
    """The page decorator: sign-in required, then ``predicate(request)``, and refusals handled.

    Without a predicate only sign-in is asked.  A person the predicate refuses gets the
    403 page with ``message``, or the 404 page with ``missing_is_404`` (a page of one
    object, whose id from elsewhere must tell nothing).  A ``TutornetError`` the view
    lets through becomes ``refusal_response``: never a 500.
    """

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if predicate is not None and not predicate(request):
                if missing_is_404:
                    raise Http404
                return forbidden(request, message() if message else None)
            try:
                return view(request, *args, **kwargs)  # type: ignore[no-any-return]
            except TutornetError as exc:
                return refusal_response(request, exc)

        return login_required(wrapped)

    return decorator


signed_in = allowed()


def _text(value: Message, result: Any) -> str:
    return value(result) if callable(value) else value


def submit(
    request: HttpRequest,
    form: Any,
    service: Callable[[dict[str, Any]], T],
    *,
    success: Message,
    to: Target,
    on_error: Callable[[Any, TutornetError], None] = form_error,
) -> HttpResponse | None:
    """A posted form, once: valid → ``service(cleaned_data)`` → success message → redirect.

    Answers the redirect, or None when the page should be shown again: not posted, not
    valid, or refused by the service (the refusal is on the form by then).  A missing
    object (404) or a refused permission (403) goes up to ``allowed``.
    """
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        result = service(form.cleaned_data)
    except (NotFoundError, PermissionDeniedError):
        raise
    except TutornetError as exc:
        on_error(form, exc)
        return None
    text = _text(success, result)
    if text:
        messages.success(request, text)
    return redirect(_text(to, result))


def act(
    request: HttpRequest, service: Callable[[], T], *, success: Message, back: str, to: str | None = None
) -> HttpResponse:
    """A button without a form: ``service()`` → success message → ``to`` (default ``back``).

    A refusal is a message on ``back`` (or the 404/403 page).
    """
    try:
        result = service()
    except TutornetError as exc:
        return refused(request, exc, back)
    text = _text(success, result)
    if text:
        messages.success(request, text)
    return redirect(to or back)
