"""Walk the pages a signed-in person reaches by following links (issue 14, "axe-core over every
page a role can reach"): from the dashboard, its header navigation and every page found, the
same-origin GET links, breadth first, each KIND of page once (ids and tokens in the path are
normalised, and of the query only its names count). Each page is checked by axe-core (critical
and serious violations), for one ``main`` landmark, and at phone size for horizontal overflow.

Never followed: sign-out, the language switch, the portal hop, downloads and exports (PDF, DOCX,
XLSX, iCalendar, attachments), and the GET addresses of actions (cancel, delete, revoke, accept,
join): the walk reads, it changes nothing."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from playwright.sync_api import Error as PlaywrightError

from .axe import serious_violations

PHONE = {"width": 390, "height": 844}

NOT_FOLLOWED = re.compile(
    r"/(accounts/logout|language|hop|i18n)(/|$)"
    r"|/(cancel|delete|revoke|accept|join|download|docx|pdf|ics|export|exports|files|feed)(/|$)"
    r"|/tutorials/materials/\d+/"
    r"|\.(ics|xlsx|xls|pdf|docx|doc|csv|zip|odt|png|jpe?g|gif|svg)$"
    r"|^/(static|media)/"
)
# A number, a uuid, or a token (20+ characters with a digit): one kind of page, whatever its id.
_ID = re.compile(r"^(\d+|[0-9a-f-]{36}|(?=[^/]*\d)[0-9A-Za-z_-]{20,})$")

LINKS = """() => Array.from(document.querySelectorAll('a[href]'))
  .filter(a => !a.hasAttribute('download') && !(a.target && a.target !== '_self'))
  .map(a => a.href)"""
OVERFLOW = "() => [document.documentElement.scrollWidth, window.innerWidth]"
# What sticks out: elements past the window's right edge whose parent is no wider than the window.
STICKING_OUT = """() => { const w = window.innerWidth + 1, out = [];
  for (const e of document.querySelectorAll('body *')) {
    const parent = e.parentElement;
    if (e.getBoundingClientRect().right > w && parent && parent.getBoundingClientRect().width <= w) {
      const cls = typeof e.className === 'string' && e.className.trim() ? '.' + e.className.trim() : '';
      out.push(e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + cls);
    }
  }
  return out.slice(0, 4); }"""


def kind_of(path: str, query: str) -> str:
    """/routes/12/portfolio/?week=2026-12-07 -> /routes/{id}/portfolio/?week"""
    parts = ["{id}" if _ID.match(part) else part for part in path.split("/")]
    names = sorted({name for name, _value in parse_qsl(query, keep_blank_values=True)})
    return "/".join(parts) + ("?" + "&".join(names) if names else "")


@dataclass
class Walk:
    origin: str
    checked: list[str] = field(default_factory=list)  # the kinds of page, in the order seen
    problems: list[str] = field(default_factory=list)  # readable: URL, rule, target
    overflowing: list[str] = field(default_factory=list)
    left_over: list[str] = field(default_factory=list)  # links still queued when ``limit`` stopped it
    seconds: float = 0.0


def walk(page: Any, origin: str, *, start: str = "/", limit: int = 200, phone: bool = True) -> Walk:
    """Breadth first from ``start`` on ``origin`` (scheme://host:port), at most ``limit`` kinds."""
    began = time.monotonic()
    result = Walk(origin=origin)
    queue, seen = [(origin + start, "")], {kind_of(start, "")}
    size = page.viewport_size
    while queue and len(result.checked) < limit:
        url, found_on = queue.pop(0)
        try:
            response = page.goto(url)
        except PlaywrightError as error:  # a link that turned out to be a download
            if "Download is starting" not in str(error):
                raise
            continue
        if response is None or "text/html" not in (response.headers.get("content-type") or ""):
            continue
        where = urlsplit(page.url)
        here = kind_of(where.path, where.query)
        if here in result.checked:  # a link that redirects to a kind of page checked already
            continue
        result.checked.append(here)
        if response.status >= 400:
            result.problems.append(f"{url}: HTTP {response.status} (linked from {found_on})")
        if page.locator("main").count() != 1:
            result.problems.append(f"{url}: landmark — {page.locator('main').count()} <main> elements")
        for violation in serious_violations(page):
            for node in violation["nodes"]:
                result.problems.append(f"{url}: {violation['id']} ({violation['impact']}) — {node}")
        if phone:
            page.set_viewport_size(PHONE)
            wide, window = page.evaluate(OVERFLOW)
            if wide > window + 1:
                culprits = ", ".join(page.evaluate(STICKING_OUT))
                result.overflowing.append(f"{url}: {wide}px wide in a {window}px window ({culprits})")
            page.set_viewport_size(size)
        for href in page.evaluate(LINKS):
            link = urlsplit(href)
            if f"{link.scheme}://{link.netloc}" != origin or NOT_FOLLOWED.search(link.path):
                continue
            kind = kind_of(link.path, link.query)
            if kind not in seen:
                seen.add(kind)
                queue.append((origin + link.path + (f"?{link.query}" if link.query else ""), url))
    result.left_over = [url for url, _found_on in queue]
    result.seconds = time.monotonic() - began
    return result
