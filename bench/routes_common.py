"""What the routes benchmarks share (``route_groups``, ``routes_proposals``): a closed September
campaign whose teachers all have final results, each weak on ``deficits`` topics drawn with the
weights given (the first topics are everybody's trouble). Bulk rows, not the services: the
benchmarks measure what reads them. Call inside the centre's schema.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any


def closed_campaign_with_results(
    *,
    title: str,
    year: Any,
    subject: Any,
    author: Any,
    teachers: Sequence[Any],
    school_of: Callable[[int], int],
    topics: Sequence[Any],
    deficits: int,
    rng: random.Random,
    now: datetime,
) -> Any:
    """The campaign; teacher ``i`` of ``teachers`` took it at school ``school_of(i)``."""
    from tutorials.diagnostics.campaigns.models import Attempt, Campaign, TopicResult

    campaign = Campaign.objects.create(
        title=title,
        academic_year=year,
        subject=subject,
        opens_at=now - timedelta(days=3),
        closes_at=now - timedelta(days=1),
        time_limit_minutes=60,
        deficit_threshold=60,
        created_by=author,
        published_at=now - timedelta(days=4),
    )
    started = now - timedelta(days=2)
    attempts = Attempt.objects.bulk_create(
        [
            Attempt(
                campaign=campaign,
                teacher=u,
                school_id=school_of(i),
                seed=i,
                started_at=started,
                deadline=started + timedelta(hours=1),
                status=Attempt.Status.FINAL,
                submitted_at=started + timedelta(minutes=50),
                finalised_at=started + timedelta(minutes=50),
                score=Decimal(10),
                max_score=Decimal(40),
            )
            for i, u in enumerate(teachers)
        ]
    )
    weights = [1 / (i + 1) for i in range(len(topics))]
    results = []
    for attempt in attempts:
        low: set[int] = set()
        while len(low) < deficits:
            low.add(rng.choices(range(len(topics)), weights)[0])
        for t, topic in enumerate(topics):
            earned = Decimal(rng.choice([0, 1])) if t in low else Decimal(2)
            results.append(TopicResult(attempt=attempt, topic=topic, earned=earned, possible=Decimal(2)))
    TopicResult.objects.bulk_create(results, batch_size=5000)
    return campaign
