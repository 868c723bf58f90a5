"""The builder for plain static sites with Vercel-style functions in ``api/``.

A static site (no package manager) is published by the static site rules
(:mod:`.static_site`), then each file of ``api/`` becomes a function
(:mod:`.api_functions`) and a root ``middleware.js`` an edge function run before
routing (:mod:`.middleware`), unless the build wrote ``.vercel/output`` itself.
"""

from __future__ import annotations

from typing import Any

from autostack_core import hookimpl
from autostack_core.build import user_files
from autostack_core.interfaces import BuildContext, Detection

from .api_functions import build_functions
from .middleware import build_middleware
from .static_site import BUILD_OUTPUT, build_static_site, builds_static_site


class StaticFunctionsBuilder:
    """A static site (no package manager) that may have Python or JavaScript functions."""

    name = "static-functions"
    priority = 15

    def can_build(self, detection: Detection) -> bool:
        return builds_static_site(detection) and detection.package_manager is None

    async def build(self, context: BuildContext) -> None:
        await build_static_site(context)
        if not user_files.is_file(context.workspace, f"{BUILD_OUTPUT}/config.json"):
            await build_functions(context)
            await build_middleware(context)


@hookimpl
def register_builders(settings: Any) -> list[StaticFunctionsBuilder]:
    """The builder for static sites with an ``api/`` folder of functions."""
    return [StaticFunctionsBuilder()]
