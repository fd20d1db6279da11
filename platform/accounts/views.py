from __future__ import annotations

from typing import cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from django_tenants.utils import get_public_schema_name

from notifications.models import ESSENTIAL_EMAIL_KINDS, Kind, Preference
from notifications.services import preferences_update
from tenants.models import Organisation
from tenants.selectors import organisation_url
from tutornet import panels
from tutornet.errors import TutornetError
from tutornet.sessions import SessionCopyUnreachable

from . import permissions, portal_hop, services
from .forms import InvitationAcceptForm, ProfileForm
from .models import User
from .selectors import invitation_by_token, memberships_of


class SignOutView(auth_views.LogoutView):
    """Django's sign-out.  When the session's copy cannot be removed (Redis unreachable,
    ``tutornet.sessions``) nothing has changed, and the person is told so, not shown a 500."""

    def post(self, request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        try:
            return super().post(request, *args, **kwargs)
        except SessionCopyUnreachable:
            # ``flush`` emptied the data in memory before the delete was refused: it must not be
            # saved back over the row (that would sign out the row but not the copy in Redis).
            request.session.modified = False
            messages.error(
                request, _("You are still signed in: signing out failed just now. Try again in a minute.")
            )
            return redirect("/")


def _portal_links(request: HttpRequest) -> list[dict]:
    """The user's organisations, each with a link that signs them into its portal."""
    return [
        {"membership": membership, "url": reverse("accounts:hop", args=[membership.organisation_id])}
        for membership in memberships_of(request.user)  # type: ignore[arg-type]
    ]


def hop(request: HttpRequest, organisation_id: int) -> HttpResponse:
    """Open ``?next=`` on another portal, signed in: a page on this portal whose form posts
    a sign-in ticket to the other portal (static/js/tutornet.js sends it at once; without
    script the person presses the button).  Someone who may not use that portal, or who is
    not signed in, goes to its own sign-in page instead."""
    organisation = get_object_or_404(Organisation, pk=organisation_id, is_active=True)
    path = portal_hop.safe_path(request.GET.get("next", "/"))
    if not request.user.is_authenticated:
        return redirect(organisation_url(organisation, path))
    try:
        hop_ = portal_hop.hop_form(
            user=request.user,  # type: ignore[arg-type]
            organisation=organisation,
            from_host=request.get_host(),
            path=path,
        )
    except TutornetError:
        return redirect(organisation_url(organisation, path))
    response = render(request, "accounts/hop.html", {"hop": hop_})
    # The target checks the POST's Origin: send it although the site's policy is same-origin.
    response["Referrer-Policy"] = "strict-origin"
    response["Cache-Control"] = "no-store"
    return response


@csrf_exempt  # a cross-portal POST: the signed ticket and its Origin check stand in for the token
@require_POST
def hop_accept(request: HttpRequest) -> HttpResponse:
    try:
        user = portal_hop.hop_accept(
            ticket=request.POST.get("t", ""), host=request.get_host(), origin=request.headers.get("Origin")
        )
    except portal_hop.HopNotPassedError as exc:
        messages.error(request, exc.message)
        return redirect("accounts:login")
    except TutornetError:
        messages.error(request, _("The link has expired. Please sign in."))
        return redirect("accounts:login")
    if not (request.user.is_authenticated and request.user.pk == user.pk):
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    return redirect(portal_hop.landing_path(request.POST.get("t", "")))


def public_home(request: HttpRequest) -> HttpResponse:
    """The base domain: what Tutornet is, the district's organisations, and the user's own portals."""
    # Two queries whatever the number of centres and schools (organisations, then their domains).
    organisations = list(
        Organisation.objects.filter(is_active=True)
        .exclude(schema_name=get_public_schema_name())
        .prefetch_related("domains")
        .order_by("pk")
    )
    centres = [
        {"centre": centre, "schools": [o for o in organisations if o.centre_id == centre.pk]}
        for centre in organisations
        if centre.kind == Organisation.Kind.CENTRE
    ]
    portals = _portal_links(request) if request.user.is_authenticated else []
    return render(request, "accounts/public_home.html", {"centres": centres, "portals": portals})


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    membership = request.membership  # type: ignore[attr-defined]
    portals = _portal_links(request)
    # A school's staff use their centre's services without a membership of the centre.
    district_membership = getattr(request, "district_membership", None)
    from consultations import permissions as consultation_permissions

    can_use_consultations = consultation_permissions.can_use(district_membership)
    if membership is None and not can_use_consultations:
        return render(request, "accounts/no_access.html", {"portals": portals}, status=403)
    here = request.tenant.pk  # type: ignore[attr-defined]
    context = {
        "portals": [p for p in portals if p["membership"].organisation_id != here],
        "district_membership": None if membership is not None else district_membership,
        "can_use_consultations": can_use_consultations,
        "can_manage_staff": permissions.can_manage_staff(membership),
        "can_onboard_schools": permissions.can_onboard_schools(membership),
        "can_appoint_tutors": permissions.can_appoint_tutors(membership),
        "can_manage_directories": permissions.can_manage_directories(membership),
        "panels": panels.panels_for(request),
    }
    return render(request, "accounts/dashboard.html", context)


def invitation_accept_view(request: HttpRequest, token: str) -> HttpResponse:
    invitation = invitation_by_token(token)
    try:
        services.invitation_check(invitation)
    except TutornetError as exc:
        return render(request, "accounts/invitation_invalid.html", {"message": exc.message}, status=410)
    assert invitation is not None
    if invitation.organisation_id != connection.tenant.pk:  # type: ignore[attr-defined]
        return render(
            request,
            "accounts/invitation_invalid.html",
            {"message": _("This invitation link is not valid. Ask your administrator for a new one.")},
            status=404,
        )
    existing = User.objects.filter(email=invitation.email).exists()
    if existing:
        # A person who already has an account joins with it: sign in, then confirm.
        if request.method == "POST" and request.user.is_authenticated:
            try:
                services.invitation_accept(token=token, user=request.user)  # type: ignore[arg-type]
            except TutornetError as exc:
                messages.error(request, exc.message)
                return render(request, "accounts/invitation_existing.html", {"invitation": invitation})
            messages.success(
                request,
                _("You joined %(organisation)s.") % {"organisation": invitation.organisation.short_name},
            )
            return redirect("dashboard")
        return render(request, "accounts/invitation_existing.html", {"invitation": invitation})

    initial = {
        "last_name": invitation.last_name,
        "first_name": invitation.first_name,
        "patronymic": invitation.patronymic,
    }
    form = InvitationAcceptForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            membership = services.invitation_accept(
                token=token,
                user=request.user if request.user.is_authenticated else None,  # type: ignore[arg-type]
                password=form.cleaned_data["password1"],
                last_name=form.cleaned_data["last_name"],
                first_name=form.cleaned_data["first_name"],
                patronymic=form.cleaned_data["patronymic"],
            )
        except TutornetError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            login(request, membership.user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(
                request,
                _("Welcome! You joined %(organisation)s.")
                % {"organisation": invitation.organisation.short_name},
            )
            return redirect("dashboard")
    return render(request, "accounts/invitation_accept.html", {"invitation": invitation, "form": form})


def _remember_language(response: HttpResponse, language: str) -> None:
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=365 * 24 * 3600,
        domain=settings.SESSION_COOKIE_DOMAIN,
        samesite="Lax",
    )


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """The header's language switch: remembered in a cookie, and on the person's profile when signed in."""
    language = request.POST.get("language", "")
    next_url = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = "/"
    response = redirect(next_url)
    if language in dict(settings.LANGUAGES):
        if request.user.is_authenticated:
            # request.user is a lazy wrapper: type() of it is SimpleLazyObject, not User (was a 500).
            User.objects.filter(pk=request.user.pk).update(language=language)
        _remember_language(response, language)
    return response


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    kinds = [(kind, label) for kind, label in Kind.choices if kind not in ESSENTIAL_EMAIL_KINDS]
    disabled = set(Preference.objects.filter(user=user, email_enabled=False).values_list("kind", flat=True))
    form = ProfileForm(
        request.POST or None,
        initial={
            "last_name": user.last_name,
            "first_name": user.first_name,
            "patronymic": user.patronymic,
            "language": user.language,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.user_update_profile(user=user, **form.cleaned_data)
            preferences_update(
                user=user, email_enabled={kind: f"email_{kind}" in request.POST for kind, _label in kinds}
            )
        except TutornetError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            translation.activate(form.cleaned_data["language"])
            response = redirect("accounts:profile")
            _remember_language(response, form.cleaned_data["language"])
            messages.success(request, _("Your profile is saved."))
            return response
    preferences = [{"kind": kind, "label": label, "email": kind not in disabled} for kind, label in kinds]
    return render(request, "accounts/profile.html", {"form": form, "preferences": preferences})
