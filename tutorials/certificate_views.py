"""Anyone with the link printed on a certificate can check it: no sign-in needed."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.cache import never_cache

from . import permissions
from .certificates import certificate_file, certificate_for_token
from .models import Certificate


@never_cache
def verify(request: HttpRequest, token: str) -> HttpResponse:
    certificate = certificate_for_token(token)
    status = 200 if certificate is not None else 404
    return render(
        request,
        "tutorials/certificate_verify.html",
        {"certificate": certificate, "token": token},
        status=status,
    )


@login_required
def download(request: HttpRequest, certificate_id: int) -> HttpResponse:
    """The PDF, for its holder or the organisation's staff."""
    certificate = get_object_or_404(Certificate, pk=certificate_id)
    if not permissions.can_download_certificate(
        request.user, getattr(request, "district_membership", None), certificate
    ):
        raise Http404
    response = HttpResponse(certificate_file(certificate), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="certificate-{certificate.pk}.pdf"'
    return response
