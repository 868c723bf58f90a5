"""Template export: a project as an installable template package (``.tar.gz``).

The package is what ``marketplace/`` holds: a ``pyproject.toml`` with an entry
point in the group ``autostack``, a module with the ``register_templates`` hook,
and the project's files as package data under ``files/``. The module's code is
the same for every export; what belongs to the project (name, framework, build
settings, the names of its variables, where the files came from) is data in
``template.json`` next to it, so no user value is ever written into Python or
TOML code except file names, which are checked (:mod:`.export_sources`) and
escaped. Variable values never leave the server: only the names are listed, as
required, with empty values.
"""

from __future__ import annotations

import glob
import io
import json
import tarfile
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from autostack_core.infrastructure.models import (
    Deployment,
    DeploymentState,
    EnvironmentVariable,
    Project,
)
from autostack_core.services.export_sources import ExportFile, ExportSource, export_source
from autostack_core.utils import slugify

if TYPE_CHECKING:
    from autostack_core.app import AutoStack

EXPORTED_SETTINGS = ("framework", "build_command", "install_command", "output_directory",
                     "root_directory", "start_command", "dev_command", "node_version")
CONFIG_FILES = ("vercel.json", "autostack.json")

MODULE = '''"""An AutoStack deployment template exported from a project (see template.json)."""

from __future__ import annotations

import json
from pathlib import Path

from autostack_core import hookimpl
from autostack_core.interfaces import DeploymentTemplate

HERE = Path(__file__).parent
METADATA = json.loads((HERE / "template.json").read_text(encoding="utf-8"))
SETTINGS: dict[str, str] = METADATA["settings"]
"""The project's build settings when it was exported; a project made from the template
takes those it has no value for."""
VARIABLES: dict[str, str] = METADATA["variables"]
"""The environment variables the project needs: names only, every value to be set."""


@hookimpl
def register_templates(settings: object) -> list[DeploymentTemplate]:
    return [DeploymentTemplate(
        slug=METADATA["slug"], name=METADATA["name"], description=METADATA["description"],
        framework=METADATA["framework"], source_dir=HERE / "files", settings=SETTINGS)]
'''


def toml_string(text: str) -> str:
    """``text`` as a TOML basic string (names carry no control characters: checked)."""
    return json.dumps(text, ensure_ascii=False)


def pyproject(slug: str, module: str, label: str, files: list[str]) -> str:
    data = ["template.json", *(f"files/{glob.escape(path)}" for path in files)]
    listed = "".join(f"    {toml_string(item)},\n" for item in data)
    return (
        '[build-system]\nrequires = ["setuptools>=69"]\nbuild-backend = "setuptools.build_meta"\n\n'
        f'[project]\nname = "autostack-template-{slug}"\nversion = "0.1.0"\n'
        f"description = {toml_string(f'AutoStack template exported from the project {label}')}\n"
        'requires-python = ">=3.11"\ndependencies = []\n\n'
        f'[project.entry-points.autostack]\n{slug} = "{module}"\n\n'
        f'[tool.setuptools]\npackages = ["{module}"]\ninclude-package-data = false\n\n'
        f"[tool.setuptools.package-data]\n{module} = [\n{listed}]\n")


def readme(metadata: dict[str, Any]) -> str:
    names = ", ".join(f"`{name}`" for name in metadata["variables"]) or "none"
    return (f"# AutoStack template: {metadata['name']}\n\n"
            f"Exported from the project `{metadata['name']}` ({metadata['source']['kind']}).\n"
            f"Install it on an AutoStack server with `pip install <this folder>`, restart the "
            f"server, then `autostack templates deploy {metadata['slug']} --project NAME`.\n\n"
            f"Variables to set after deploying (names only, values were not exported): "
            f"{names}.\n")


async def detected_framework(project: Project) -> str:
    if project.framework:
        return project.framework
    last = await Deployment.filter(project=project, state=DeploymentState.READY,
                                   detection__isnull=False).order_by("-created_at").first()
    framework = (last.detection or {}).get("framework") if last is not None else None
    return str(framework) if framework else "static"


def crons_in(files: list[ExportFile], root: str) -> list[dict[str, str]]:
    """The crons the exported ``vercel.json`` declares (they travel in the file itself)."""
    name = f"{root.strip('/')}/vercel.json".lstrip("/")
    for item in files:
        if item.path == name:
            try:
                crons = json.loads(item.data).get("crons", [])
                return [{"path": str(cron["path"]), "schedule": str(cron["schedule"])}
                        for cron in crons]
            except (ValueError, AttributeError, KeyError, TypeError):
                return []
    return []


async def metadata_of(project: Project, source: ExportSource) -> dict[str, Any]:
    slug = slugify(project.name) or "project"
    variables = sorted({str(key) for key in await EnvironmentVariable.filter(
        project=project).values_list("key", flat=True)})
    settings = {key: getattr(project, key) for key in EXPORTED_SETTINGS if getattr(project, key)}
    needs = f" Set these variables: {', '.join(variables)}." if variables else ""
    root = project.root_directory or ""
    return {
        "format": 1, "slug": slug, "name": project.name,
        "description": f"Exported from the project {project.name}.{needs}",
        "framework": await detected_framework(project), "settings": settings,
        "variables": {name: "" for name in variables},
        "config_files": sorted(item.path for item in source.files
                               if item.path in {f"{root}/{c}".lstrip("/") for c in CONFIG_FILES}),
        "crons": crons_in(source.files, root),
        "source": source.origin, "skipped": source.skipped,
        "exported_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def _add(archive: tarfile.TarFile, name: str, data: bytes, executable: bool = False) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = len(data), 0o755 if executable else 0o644, 0
    archive.addfile(info, io.BytesIO(data))


async def export_package(app: AutoStack, project: Project) -> tuple[bytes, dict[str, Any]]:
    """The project's template package as ``.tar.gz`` bytes, and its metadata."""
    source = await export_source(app, project)
    metadata = await metadata_of(project, source)
    module = "autostack_template_" + metadata["slug"].replace("-", "_")
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz", format=tarfile.PAX_FORMAT) as archive:
        _add(archive, "pyproject.toml", pyproject(
            metadata["slug"], module, project.name, [item.path for item in source.files]).encode())
        _add(archive, "README.md", readme(metadata).encode())
        _add(archive, f"{module}/__init__.py", MODULE.encode())
        _add(archive, f"{module}/template.json", json.dumps(metadata, indent=2).encode())
        for item in source.files:
            _add(archive, f"{module}/files/{item.path}", item.data, item.executable)
    return buffer.getvalue(), metadata
