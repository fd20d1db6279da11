"""School and centre administration pages (server-rendered).

Views are thin: they check the permission from ``accounts.permissions``, parse a
form, call one service and render.  A ``TutornetError`` from a service becomes a
form error or a message; a member or invitation of another organisation is a
404, exactly like a missing one.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from accounts import permissions
from accounts import services as account_services
from accounts.models import Invitation, Membership, Role
from accounts.selectors import pending_invitations, staff_of
from accounts.services import CSV_COLUMNS, ROLE_WORDS, CsvImportError
from tutornet.errors import NotFoundError, PermissionDeniedError, TutornetError
from tutornet.pages import forbidden, form_error, refused

from . import services
from .forms import (
    AcademicYearForm,
    InviteForm,
    MembershipForm,
    OrganisationProfileForm,
    SchoolOnboardForm,
    StaffCsvForm,
    SubjectForm,
    TutorAppointForm,
)
from .models import AcademicYear, Domain, Organisation, Subject
from .selectors import base_url_for_host, schools_of

View = Callable[..., HttpResponse]


def _allowed_for(predicate: Callable[[Membership | None], bool]) -> Callable[[View], View]:
    """Sign-in required; then the permission, else a 403 page (never a redirect loop)."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not predicate(request.membership):  # type: ignore[attr-defined]
                return forbidden(request)
            try:
                return view(request, *args, **kwargs)
            except PermissionDeniedError as exc:  # a service's own check, e.g. another organisation
                return forbidden(request, exc.message)

        return login_required(wrapped)

    return decorator


def _organisation(request: HttpRequest) -> Organisation:
    # A fresh instance, not the host cache's: services may change it.
    return request.membership.organisation  # type: ignore[attr-defined, no-any-return]


def _form_error(form: Any, exc: TutornetError) -> None:
    """A service's refusal on the form; a permission refusal goes up to ``_allowed_for`` (403 page)."""
    if isinstance(exc, PermissionDeniedError):
        raise exc
    form_error(form, exc)


def _actor(request: HttpRequest) -> dict[str, Any]:
    return {"actor": request.user, "actor_membership": request.membership}  # type: ignore[attr-defined]


# --- staff ------------------------------------------------------------------------------


def _csv_sample(organisation: Organisation) -> dict[str, Any]:
    grantable = permissions.grantable_roles(organisation)
    words = [
        {"role": role.label, "words": [w for w, r in ROLE_WORDS.items() if r == role]} for role in grantable
    ]
    first_role = "учитель" if organisation.is_school else "тьютор"
    subjects = list(Subject.objects.filter(is_active=True).values_list("name", flat=True)[:2]) or [
        "Математика"
    ]
    return {
        "header": "email;фамилия;имя;отчество;роль;предметы",
        "rows": [
            f"ivanova@example.org;Иванова;Анна;Петровна;{first_role};{', '.join(subjects)}",
            f"petrov@example.org;Петров;Сергей;Иванович;{first_role};",
        ],
        "roles": words,
        "columns": sorted({v for v in CSV_COLUMNS.values()}),
    }


def _staff_page(
    request: HttpRequest,
    *,
    invite_form: InviteForm | None = None,
    csv_form: StaffCsvForm | None = None,
    csv_errors: list[Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    organisation = _organisation(request)
    context = {
        "members": staff_of(organisation),
        "invitations": pending_invitations(organisation).prefetch_related("subjects"),
        "invite_form": invite_form or InviteForm(organisation=organisation),
        "csv_form": csv_form or StaffCsvForm(),
        "csv_errors": csv_errors,
        "csv_sample": _csv_sample(organisation),
        "me": request.membership,  # type: ignore[attr-defined]
    }
    return render(request, "tenants/staff.html", context, status=status)


@_allowed_for(permissions.can_manage_staff)
def staff(request: HttpRequest) -> HttpResponse:
    return _staff_page(request)


@require_POST
@_allowed_for(permissions.can_manage_staff)
def staff_invite(request: HttpRequest) -> HttpResponse:
    organisation = _organisation(request)
    form = InviteForm(request.POST, organisation=organisation)
    if form.is_valid():
        try:
            invitation = account_services.invitation_create(
                organisation=organisation, **form.cleaned_data, **_actor(request)
            )
        except TutornetError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("An invitation was sent to %(email)s.") % {"email": invitation.email})
            return redirect("tenants:staff")
    return _staff_page(request, invite_form=form)


@require_POST
@_allowed_for(permissions.can_manage_staff)
def staff_import(request: HttpRequest) -> HttpResponse:
    form = StaffCsvForm(request.POST, request.FILES)
    if not form.is_valid():
        return _staff_page(request, csv_form=form)
    try:
        result = account_services.staff_import_csv(
            organisation=_organisation(request), raw=form.cleaned_data["file"].read(), **_actor(request)
        )
    except CsvImportError as exc:
        return _staff_page(request, csv_form=StaffCsvForm(), csv_errors=exc.errors)
    except csv.Error:  # a cell past the csv module's limit (128 KiB), a NUL byte: not a table
        form.add_error("file", _("The file cannot be read as a table: a cell is too long or broken."))
        return _staff_page(request, csv_form=form)
    except PermissionDeniedError as exc:
        return forbidden(request, exc.message)
    except TutornetError as exc:
        form.add_error("file", exc.message)
        return _staff_page(request, csv_form=form)
    count = len(result.invited)
    messages.success(
        request,
        ngettext(
            "The file was imported: %(count)s invitation sent.",
            "The file was imported: %(count)s invitations sent.",
            count,
        )
        % {"count": count},
    )
    return redirect("tenants:staff")


@_allowed_for(permissions.can_manage_staff)
def staff_member(request: HttpRequest, membership_id: int) -> HttpResponse:
    organisation = _organisation(request)
    membership = staff_of(organisation).filter(pk=membership_id).first()
    if membership is None:
        raise Http404(_("No such member in this organisation."))
    form = MembershipForm(
        request.POST or None,
        organisation=organisation,
        initial={"role": membership.role, "subjects": list(membership.subjects.all())},
    )
    if request.method == "POST" and form.is_valid():
        try:
            account_services.membership_change(
                membership_id=membership.pk,
                role=form.cleaned_data["role"],
                subjects=form.cleaned_data["subjects"],
                **_actor(request),
            )
        except (NotFoundError, PermissionDeniedError) as exc:
            return refused(request, exc, "tenants:staff")
        except TutornetError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("The role of %(person)s is saved.") % {"person": membership.user})
            return redirect("tenants:staff")
    return render(request, "tenants/staff_member.html", {"member": membership, "form": form})


@require_POST
@_allowed_for(permissions.can_manage_staff)
def staff_set_active(request: HttpRequest, membership_id: int) -> HttpResponse:
    active = request.POST.get("active") == "1"
    try:
        membership = account_services.membership_set_active(
            membership_id=membership_id, active=active, **_actor(request)
        )
    except TutornetError as exc:
        return refused(request, exc, "tenants:staff")
    if active:
        messages.success(request, _("Access restored for %(person)s.") % {"person": membership.user})
    else:
        messages.success(request, _("Access closed for %(person)s.") % {"person": membership.user})
    return redirect("tenants:staff")


@require_POST
@_allowed_for(permissions.can_manage_staff)
def invitation_revoke(request: HttpRequest, invitation_id: int) -> HttpResponse:
    invitation = get_object_or_404(Invitation, pk=invitation_id, organisation=_organisation(request))
    try:
        account_services.invitation_revoke(invitation=invitation, **_actor(request))
    except TutornetError as exc:
        return refused(request, exc, "tenants:staff")
    messages.success(request, _("The invitation for %(email)s was withdrawn.") % {"email": invitation.email})
    return redirect("tenants:staff")


# --- the organisation's profile -------------------------------------------------------------


@_allowed_for(permissions.can_edit_organisation_profile)
def organisation_profile(request: HttpRequest) -> HttpResponse:
    organisation = _organisation(request)
    fields = ("name", "short_name", "time_zone", "address", "email", "phone")
    form = OrganisationProfileForm(
        request.POST or None, initial={f: getattr(organisation, f) for f in fields}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.organisation_update_profile(
                organisation=organisation, **form.cleaned_data, **_actor(request)
            )
        except TutornetError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("The organisation's profile is saved."))
            return redirect("tenants:organisation-profile")
    return render(request, "tenants/organisation_profile.html", {"form": form})


# --- centre: schools ---------------------------------------------------------------------------


@_allowed_for(permissions.can_onboard_schools)
def schools(request: HttpRequest) -> HttpResponse:
    centre = _organisation(request)
    form = SchoolOnboardForm(request.POST or None, initial={"time_zone": centre.time_zone})
    if request.method == "POST" and form.is_valid():
        try:
            onboarded = services.school_onboard(centre=centre, **form.cleaned_data, **_actor(request))
        except TutornetError as exc:
            _form_error(form, exc)
        else:
            messages.success(
                request,
                _(
                    "%(school)s is ready at %(url)s (set up in %(seconds).2f s). "
                    "An invitation for its first administrator was sent to %(email)s."
                )
                % {
                    "school": onboarded.school.short_name,
                    "url": base_url_for_host(onboarded.domain.domain) + "/",
                    "seconds": onboarded.seconds,
                    "email": onboarded.invitation.email,
                },
            )
            return redirect("tenants:schools")
    rows = []
    for school in schools_of(centre).prefetch_related(
        Prefetch("domains", queryset=Domain.objects.filter(is_primary=True), to_attr="primary_domains")
    ):
        host = school.primary_domains[0].domain if school.primary_domains else None  # type: ignore[attr-defined]
        rows.append({"school": school, "host": host, "url": base_url_for_host(host) + "/" if host else None})
    return render(request, "tenants/schools.html", {"rows": rows, "form": form})


# --- centre: municipal tutors ------------------------------------------------------------------


@_allowed_for(permissions.can_appoint_tutors)
def tutors(request: HttpRequest) -> HttpResponse:
    centre = _organisation(request)
    form = TutorAppointForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            result = account_services.tutor_appoint(centre=centre, **form.cleaned_data, **_actor(request))
        except TutornetError as exc:
            _form_error(form, exc)
        else:
            if isinstance(result, Invitation):
                messages.success(
                    request,
                    _("%(email)s was invited to the centre as a municipal tutor.") % {"email": result.email},
                )
            else:
                messages.success(request, _("%(person)s is now a municipal tutor.") % {"person": result.user})
            return redirect("tenants:tutors")
    context = {
        "tutors": staff_of(centre, include_inactive=False).filter(role=Role.TUTOR),
        "invitations": pending_invitations(centre).filter(role=Role.TUTOR).prefetch_related("subjects"),
        "form": form,
    }
    return render(request, "tenants/tutors.html", context)


# --- centre: shared directories ------------------------------------------------------------------


def _directories_page(
    request: HttpRequest,
    *,
    subject_form: SubjectForm | None = None,
    year_form: AcademicYearForm | None = None,
) -> HttpResponse:
    context = {
        "subjects": Subject.objects.order_by("-is_active", "name"),
        "years": AcademicYear.objects.all(),
        "subject_form": subject_form or SubjectForm(),
        "year_form": year_form or AcademicYearForm(),
    }
    return render(request, "tenants/directories.html", context)


@_allowed_for(permissions.can_manage_directories)
def directories(request: HttpRequest) -> HttpResponse:
    return _directories_page(request)


@require_POST
@_allowed_for(permissions.can_manage_directories)
def subject_add(request: HttpRequest) -> HttpResponse:
    form = SubjectForm(request.POST)
    if form.is_valid():
        try:
            subject = services.subject_save(**form.cleaned_data, **_actor(request))
        except TutornetError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("The subject “%(name)s” is saved.") % {"name": subject.name})
            return redirect("tenants:directories")
    return _directories_page(request, subject_form=form)


@_allowed_for(permissions.can_manage_directories)
def subject_edit(request: HttpRequest, subject_id: int) -> HttpResponse:
    subject = get_object_or_404(Subject, pk=subject_id)
    form = SubjectForm(
        request.POST or None,
        initial={
            "name": subject.name,
            "name_en": subject.name_en,
            "code": subject.code,
            "is_active": subject.is_active,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.subject_save(subject=subject, **form.cleaned_data, **_actor(request))
        except TutornetError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("The subject “%(name)s” is saved.") % {"name": subject.name})
            return redirect("tenants:directories")
    return render(request, "tenants/subject_edit.html", {"subject": subject, "form": form})


@require_POST
@_allowed_for(permissions.can_manage_directories)
def subject_set_active(request: HttpRequest, subject_id: int) -> HttpResponse:
    subject = get_object_or_404(Subject, pk=subject_id)
    active = request.POST.get("active") == "1"
    try:
        services.subject_save(
            subject=subject, name=subject.name, code=subject.code, is_active=active, **_actor(request)
        )
    except TutornetError as exc:
        return refused(request, exc, "tenants:directories")
    if active:
        messages.success(request, _("The subject “%(name)s” is in use again.") % {"name": subject.name})
    else:
        messages.success(
            request,
            _("The subject “%(name)s” is no longer offered; people who have it keep it.")
            % {"name": subject.name},
        )
    return redirect("tenants:directories")


@require_POST
@_allowed_for(permissions.can_manage_directories)
def academic_year_add(request: HttpRequest) -> HttpResponse:
    form = AcademicYearForm(request.POST)
    if form.is_valid():
        try:
            year = services.academic_year_save(**form.cleaned_data, **_actor(request))
        except TutornetError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("The academic year %(name)s is saved.") % {"name": year.name})
            return redirect("tenants:directories")
    return _directories_page(request, year_form=form)


@require_POST
@_allowed_for(permissions.can_manage_directories)
def academic_year_make_current(request: HttpRequest, year_id: int) -> HttpResponse:
    year = get_object_or_404(AcademicYear, pk=year_id)
    try:
        services.academic_year_make_current(year=year, **_actor(request))
    except TutornetError as exc:
        return refused(request, exc, "tenants:directories")
    messages.success(request, _("%(name)s is now the current academic year.") % {"name": year.name})
    return redirect("tenants:directories")
