"""Home-page panels: how a feature puts "what needs you now" on the dashboard.

A feature registers a function once, in its ``AppConfig.ready()``::

    from tutornet import panels

    def my_diagnostics_panel(request: HttpRequest) -> panels.Panel | None:
        if not can_take_tests(request.membership):
            return None                      # nothing for this person: no panel
        return panels.Panel(
            key="diagnostics",
            title=_("My diagnostics"),
            template="diagnostics/_panel.html",
            context={"campaigns": open_campaigns_for(request.user)},
            order=20,
        )

    panels.register(my_diagnostics_panel)

The dashboard calls every registered function with the request and renders the
panels it gets back, lowest ``order`` first, each with its own template (the
template sees the dashboard's context plus ``panel.context`` under ``panel``).
A panel function decides itself, through its app's permission module, whether
the person sees anything: it returns ``None`` otherwise.  It must keep to a
small, fixed number of queries (the dashboard's query count is asserted).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest


@dataclass(frozen=True)
class Panel:
    key: str  # unique per feature, becomes the panel's HTML id: ``panel-<key>``
    title: str
    template: str
    context: dict[str, Any] = field(default_factory=dict)
    order: int = 100


PanelFunction = Callable[[HttpRequest], "Panel | None"]

_registry: dict[str, PanelFunction] = {}


def register(function: PanelFunction) -> PanelFunction:
    """Register a panel function (usable as a decorator); registering the same
    function again replaces it, so a reloaded app never shows a panel twice."""
    _registry[f"{function.__module__}.{function.__qualname__}"] = function
    return function


def panels_for(request: HttpRequest) -> list[Panel]:
    found = [panel for function in _registry.values() if (panel := function(request)) is not None]
    return sorted(found, key=lambda panel: (panel.order, panel.key))
