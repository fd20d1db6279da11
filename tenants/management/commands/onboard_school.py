"""Onboard a school from the command line (the same service as the centre's /schools/ page).

    python -m django onboard_school --centre centre --name "МБОУ «СШ № 21»" \
        --short-name "Школа № 21" --subdomain school21 --admin-email director@example.org
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Q
from django.utils import timezone

from accounts.models import Membership, Role
from tenants.models import Organisation
from tenants.selectors import organisation_url
from tenants.services import school_onboard
from tutornet.errors import TutornetError


class Command(BaseCommand):
    help = (
        "Create a school of a centre: its schema, its domain and an invitation for its first administrator."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--centre", required=True, help="The centre: its schema name or its host.")
        parser.add_argument("--name", required=True, help="The school's full name.")
        parser.add_argument("--short-name", required=True, help="The school's short name.")
        parser.add_argument(
            "--subdomain", required=True, help="The school's address: <subdomain>.<base domain>."
        )
        parser.add_argument(
            "--admin-email", required=True, help="E-mail of the school's first administrator."
        )
        parser.add_argument("--time-zone", default=None, help="Default: the centre's time zone.")
        parser.add_argument(
            "--actor-email",
            default=None,
            help="The centre administrator recorded as having onboarded the school "
            "(default: the centre's first active administrator).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        centre = (
            Organisation.objects.filter(kind=Organisation.Kind.CENTRE)
            .filter(Q(schema_name=options["centre"]) | Q(domains__domain=options["centre"]))
            .distinct()
            .first()
        )
        if centre is None:
            raise CommandError(f"No centre {options['centre']!r}.")
        admins = Membership.objects.select_related("user", "organisation").filter(
            organisation=centre, role=Role.CENTRE_ADMIN, is_active=True, user__is_active=True
        )
        if options["actor_email"]:
            admins = admins.filter(user__email=options["actor_email"].strip().lower())
        actor_membership = admins.order_by("created_at", "pk").first()
        if actor_membership is None:
            raise CommandError(
                f"{centre.short_name} has no active centre administrator"
                + (f" with e-mail {options['actor_email']}" if options["actor_email"] else "")
                + ": onboarding is recorded in an administrator's name."
            )
        try:
            result = school_onboard(
                centre=centre,
                name=options["name"],
                short_name=options["short_name"],
                subdomain=options["subdomain"],
                admin_email=options["admin_email"],
                time_zone=options["time_zone"],
                actor=actor_membership.user,
                actor_membership=actor_membership,
            )
        except TutornetError as exc:
            raise CommandError(exc.message) from exc
        expires = timezone.localtime(result.invitation.expires_at, result.school.zone)
        self.stdout.write(f"School: {result.school.name} (schema {result.school.schema_name})")
        self.stdout.write(f"Host: {result.domain.domain}  {organisation_url(result.school, '/')}")
        self.stdout.write(
            f"Invitation: queued for {result.invitation.email} (school administrator), "
            f"valid until {expires:%Y-%m-%d %H:%M %Z}"
        )
        self.stdout.write(f"Seconds: {result.seconds:.3f}")
