"""Fallback detector for plain static HTML: serve the files as they are.

It scores lowest of all, so any framework, Dockerfile or Procfile wins over it;
it is registered ``trylast`` as the fallback it is.
"""

from __future__ import annotations

from typing import Any

from autostack_core import hookimpl
from autostack_core.interfaces import Detection, SourceTree

DETECTOR = "autostack_plugins.detectors.static"

STATIC_CONFIDENCE = 0.1
# Folders that commonly hold a hand-written site next to other files.
SITE_FOLDERS = (".", "public", "www", "site", "dist", "docs")


def detect(tree: SourceTree) -> Detection | None:
    """An ``index.html`` at the root or in a usual site folder."""
    for folder in SITE_FOLDERS:
        index = "index.html" if folder == "." else f"{folder}/index.html"
        if tree.exists(index):
            return Detection(
                framework="static",
                name="Static HTML",
                runtime="static",
                confidence=STATIC_CONFIDENCE,
                reasons=[
                    f"static HTML: `{index}` present and no framework recognised",
                    f"output directory `{folder}`, served as is without a build step",
                ],
                output_directory=folder,
                detector=DETECTOR,
            )
    return None


@hookimpl
def framework_slugs(settings: Any) -> list[str]:
    """What :func:`detect_framework` here can name."""
    return ["static"]


@hookimpl(trylast=True)
def detect_framework(tree: SourceTree, settings: Any) -> Detection | None:
    """Recognise a folder of plain HTML files."""
    return detect(tree)
