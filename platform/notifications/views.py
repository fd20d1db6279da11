from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from .models import Notification
from .services import notifications_mark_read


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    """The person's in-app inbox (notifications are personal, whichever portal shows them)."""
    notifications = Notification.objects.filter(
        recipient=request.user,  # type: ignore[misc]  # login_required: a User
        in_app=True,
    ).select_related("organisation")
    page = Paginator(notifications, 30).get_page(request.GET.get("page"))
    return render(request, "notifications/inbox.html", {"page": page})


@login_required
@require_POST
def mark_read(request: HttpRequest) -> HttpResponse:
    ids = request.POST.getlist("id")
    notification_ids = [int(i) for i in ids if i.isdigit()] if ids else None
    notifications_mark_read(user=request.user, notification_ids=notification_ids)  # type: ignore[arg-type]
    return redirect("notifications:inbox")
