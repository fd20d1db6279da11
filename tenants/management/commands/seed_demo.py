"""``python -m django seed_demo``: the demo district (idempotent), then the demo sign-ins."""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from tenants.demo import DEMO_PASSWORD, demo_district_seed, demo_sign_ins


class Command(BaseCommand):
    help = (
        "Create the demo district (a centre, three schools, people with a demo password). Safe to run again."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--quiet-sign-ins", action="store_true", help="Do not print the demo sign-ins.")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Seed even with DEBUG off (also TUTORNET_SEED_DEMO_FORCE=1). The demo password is public.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        forced = options["force"] or os.environ.get("TUTORNET_SEED_DEMO_FORCE", "").strip().lower() in {
            "1",
            "true",
            "yes",
            "on",
        }
        if not settings.DEBUG and not forced:
            # Every demo account signs in with the published password: never on a real deployment by accident.
            raise CommandError(
                f"seed_demo refuses to run with DEBUG off: the demo accounts' password ({DEMO_PASSWORD}) "
                "is public. Pass --force (or set TUTORNET_SEED_DEMO_FORCE=1) if this really is a demo."
            )
        district = demo_district_seed()
        from consultations.demo import demo_consultations_seed

        district.created += demo_consultations_seed(
            centre=district.centre, tutor=district.people["tutor@example.org"]
        )
        from tutorials.diagnostics.demo import demo_diagnostics_seed

        district.created += demo_diagnostics_seed(district.centre)
        from tutorials.demo import demo_tutorials_seed

        district.created += demo_tutorials_seed(
            centre=district.centre, schools=district.schools, people=district.people
        )
        from tutorials.events.demo import demo_events_seed

        district.created += demo_events_seed(centre=district.centre, people=district.people)
        from tutorials.diagnostics.campaigns.demo import demo_campaigns_seed

        district.created += demo_campaigns_seed(district.centre)
        from tutorials.routes.demo import demo_routes_seed

        district.created += demo_routes_seed(district.centre)
        from casebank.demo import demo_casebank_seed

        district.created += demo_casebank_seed(
            centre=district.centre, schools=district.schools, people=district.people
        )
        if district.created:
            for line in district.created:
                self.stdout.write(f"  + {line}")
        else:
            self.stdout.write("The demo district is already in place.")
        hosts = ", ".join(o.domains.get(is_primary=True).domain for o in district.organisations)
        self.stdout.write(
            self.style.SUCCESS(f"Demo district ready: {settings.BASE_DOMAIN} (public), {hosts}")
        )
        if not options["quiet_sign_ins"]:
            self.stdout.write(f"Demo sign-ins (password {DEMO_PASSWORD}):")
            for email, name, roles in demo_sign_ins():
                self.stdout.write(f"  {email:<30} {name:<32} {roles}")
