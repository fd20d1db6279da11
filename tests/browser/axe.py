"""axe-core (npm ``axe-core``, MPL-2.0, vendored in tests/browser/vendor/axe-core with its licence)
run inside the page: the browser tests fail on any critical or serious violation."""

from __future__ import annotations

from pathlib import Path
from typing import Any

AXE = (Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js").read_text(encoding="utf-8")

RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations
    .filter(v => v.impact === "critical" || v.impact === "serious")
    .map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 4).map(
                  n => n.target.join(" ") + " " + (n.failureSummary || "").slice(0, 160))}));
}"""


def serious_violations(page: Any) -> list[dict[str, Any]]:
    """Critical and serious axe violations of the page as it is now (axe injected if missing)."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE)  # through the DevTools protocol: a page's CSP does not block it
    return list(page.evaluate(RUN))


def assert_accessible(page: Any, where: str = "") -> None:
    found = serious_violations(page)
    assert found == [], f"{where or page.url}: {found}"
