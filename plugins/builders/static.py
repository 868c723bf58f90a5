"""The static builder: run install and build, then publish a folder of files.

It builds plain HTML sites and every project whose build writes a static
output directory (Vite, Astro, Docusaurus, ...), with the rules of
:mod:`.static_site`, which the Node and functions builders share.
"""

from __future__ import annotations

from typing import Any

from autostack_core import hookimpl
from autostack_core.interfaces import BuildContext, Detection

from .static_site import build_static_site, builds_static_site


class StaticBuilder:
    """Builds anything that ends as static files; the lowest-priority builder."""

    name = "static"
    priority = 10

    def can_build(self, detection: Detection) -> bool:
        return builds_static_site(detection)

    async def build(self, context: BuildContext) -> None:
        await build_static_site(context)


@hookimpl
def register_builders(settings: Any) -> list[StaticBuilder]:
    """The built-in static builder."""
    return [StaticBuilder()]
