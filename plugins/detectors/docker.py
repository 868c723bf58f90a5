"""Detector for a Dockerfile (container providers) and the Procfile fallback.

A Dockerfile says "run me as a container", which only container providers can
honour, so it scores below every framework the local provider can build; the
user can still pick it with ``framework: docker``. A Procfile without any
framework is the last resort before plain static HTML. Registered
``trylast`` as a fallback; precedence still comes from confidence alone.
"""

from __future__ import annotations

import re
from typing import Any

from autostack_core import hookimpl
from autostack_core.interfaces import Detection, Language, SourceTree

from .procfile import procfile_web

DETECTOR = "autostack_plugins.detectors.docker"

DOCKERFILES = ("Dockerfile", "Containerfile", "dockerfile")
VERCEL_DOCKERFILES = ("Dockerfile.vercel", "Containerfile.vercel")
DOCKER_CONFIDENCE = 0.3
CONTAINER_CONFIDENCE = 0.32
PROCFILE_CONFIDENCE = 0.25


def dockerfile(tree: SourceTree) -> Detection | None:
    """A Dockerfile at the root: the image builds from it."""
    path = next((name for name in DOCKERFILES if tree.exists(name)), None)
    if path is None:
        return None
    text = tree.read_text(path) or ""
    reasons = [f"Dockerfile: `{path}` present; deploys need a container provider"]
    exposed = re.search(r"^\s*EXPOSE\s+(\d+)", text, re.MULTILINE | re.IGNORECASE)
    if exposed:
        reasons.append(f"the image listens on port {exposed.group(1)} (`EXPOSE` in `{path}`)")
    base = re.search(r"^\s*FROM\s+(\S+)", text, re.MULTILINE | re.IGNORECASE)
    if base:
        reasons.append(f"base image `{base.group(1)}`")
    return Detection(
        framework="docker",
        name="Dockerfile",
        runtime="docker",
        confidence=DOCKER_CONFIDENCE,
        reasons=reasons,
        build_command=f"docker build -f {path} .",
        detector=DETECTOR,
    )


def container(tree: SourceTree) -> Detection | None:
    """Vercel's ``container`` preset: a ``Dockerfile.vercel`` marks the app as a container.

    The marker says more than a plain Dockerfile, so it scores a little higher.
    """
    path = next((name for name in VERCEL_DOCKERFILES if tree.exists(name)), None)
    if path is None:
        return None
    return Detection(
        framework="container",
        name="Container",
        runtime="docker",
        confidence=CONTAINER_CONFIDENCE,
        reasons=[f"container: `{path}` present; deploys need a container provider",
                 f"the built-in Dockerfile builder reads `Dockerfile` or `Containerfile`: "
                 f"copy `{path}` to one of them"],
        build_command=f"docker build -f {path} .",
        detector=DETECTOR,
    )


def procfile(tree: SourceTree) -> Detection | None:
    """A Procfile ``web:`` process with no framework around it."""
    web = procfile_web(tree)
    if web is None:
        return None
    runtime: Language
    if tree.exists("package.json"):
        runtime, why = "node", "`package.json` present"
    else:
        runtime, why = "python", "no `package.json`, so the Python runtime"
    return Detection(
        framework="procfile",
        name="Procfile",
        runtime=runtime,
        confidence=PROCFILE_CONFIDENCE,
        reasons=[f"Procfile: `web: {web}` in `Procfile`", f"runtime {runtime}: {why}"],
        start_command=web,
        detector=DETECTOR,
    )


@hookimpl
def framework_slugs(settings: Any) -> list[str]:
    """What :func:`detect_framework` here can name."""
    return ["container", "docker", "procfile"]


@hookimpl(trylast=True)
def detect_framework(tree: SourceTree, settings: Any) -> Detection | None:
    """Recognise a Dockerfile (or Vercel's ``Dockerfile.vercel``), or else a bare Procfile."""
    found = [d for d in (container(tree), dockerfile(tree), procfile(tree)) if d is not None]
    return max(found, key=lambda d: d.confidence, default=None)
