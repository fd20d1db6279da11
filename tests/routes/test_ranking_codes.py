"""The deficits' ranking compares codifier codes of any shape: a deficit with no topic code
(a competence block from the questionnaire), a code with a letter, "1.10" after "1.9".
The demo's campaign once made the ranking raise TypeError (an int compared with a str)."""

from __future__ import annotations

from tutorials.diagnostics.campaigns.selectors import Deficit
from tutorials.routes import proposals


def _deficit(code: str) -> Deficit:
    return Deficit(1, 1, 1, code, code, "subject", "test", "serious", 40.0, None)


def test_codes_of_every_shape_rank_in_codifier_order() -> None:
    found = proposals.rank_deficits([_deficit(c) for c in ("", "1.a", "1.10", "7", "1.9", "~", "1")])
    assert [d.topic_code for d in found] == ["1", "1.9", "1.10", "1.a", "7", "~", ""]
