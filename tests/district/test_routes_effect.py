"""Routes addressed vs not, with enough pairs in the database for both groups to be shown.

Topic 1.1 this year continues last year's 1.1 (helpers: single then; single + numeric now).
Paired changes: a1 0→100 (+100), a2 100→50 (−50), a3 0→50 (+50), a4 0→0 (0), and two of B's
teachers paired here: b1 0→100 (+100), b2 100→0 (−100).  Last year's routes of a1, a2, a3
planned old 1.1 (the mapping carries it to 1.1); a4, b1, b2 planned nothing on it.
So addressed = [100, −50, 50] (mean 33.3), the others = [0, 100, −100] (mean 0).
"""

from __future__ import annotations

import pytest

from tests.conftest import District, client_for
from tutorials.diagnostics.models import ItemType
from tutorials.district import picture
from tutorials.district.services import snapshot_compute
from tutorials.routes import services as routes

from .helpers import build, take

pytestmark = pytest.mark.django_db


def test_teachers_whose_route_addressed_the_topic_are_compared_with_the_others(centre: District) -> None:
    p = build(centre, last_year=True)
    assert p.previous is not None
    take(p.previous, p.teachers["b1"], set(), minutes=20)
    take(p.previous, p.teachers["b2"], {ItemType.SINGLE}, minutes=21)
    old_year, subject_id = p.previous.academic_year, p.cast.subject.pk
    for name in ("a1", "a2", "a3", "a4"):
        user = p.teachers[name].user
        route = routes.route_create(actor=user, teacher=user, academic_year=old_year, subject_id=subject_id)
        if name != "a4":  # a4's route works on something else
            routes.item_add(
                actor=user, route_id=route.pk, version=route.version, task="Натуральные числа",
                topic_id=p.old_topics["1.1"].pk,
            )  # fmt: skip
        else:
            routes.item_add(actor=user, route_id=route.pk, version=route.version, task="Другое")
    data = snapshot_compute(p.campaign.pk).data
    yoy = picture.year_over_year(data)
    assert yoy is not None
    lines = {topic.code: line for topic, line in yoy.routes}
    one = lines["1.1"]
    assert not one["hidden"]
    assert one["addressed"]["n"] == 3 and one["addressed"]["mean"] == pytest.approx(100 / 3)
    assert one["other"]["n"] == 3 and one["other"]["mean"] == pytest.approx(0)
    assert one["difference"]["mean"] == pytest.approx(100 / 3)
    assert one["within_noise"]  # six teachers cannot tell 33 points from noise here
    # 1.2 (continuing old 1.5): nobody planned it, so one group only: hidden.
    assert lines["1.2"]["hidden"] and lines["1.2"]["addressed"]["n"] == 0
    page = client_for(p.cast.user("methodologist"), centre.host(centre.centre))
    html = page.get(f"/district/{p.campaign.pk}/year-over-year/").content.decode()
    table = html[html.index('id="routes-effect"') : html.index("</table>", html.index('id="routes-effect"'))]
    assert "(n=3)" in table and table.count("(n=3)") == 2
