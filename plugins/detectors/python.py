"""Detector for Python web apps: FastAPI, Flask, Django, Starlette, FastHTML, or a Procfile.

The framework comes from the dependency files (requirements.txt,
pyproject.toml, Pipfile, setup.py); the application object from the usual
entry files (``main.py``, ``app.py``, ``app/main.py``, ...), so the start
command names the real ``module:variable``. A ``Procfile`` ``web:`` line always
decides the start command, as it does on Heroku and Dokku.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from autostack_core import hookimpl
from autostack_core.interfaces import Detection, SourceTree

from .package_managers import (
    PythonEnvironment,
    has_python_package,
    python_environment,
    with_runner,
)
from .procfile import procfile_web

DETECTOR = "autostack_plugins.detectors.python"

ENTRY_FILES = (
    "main.py", "app.py", "server.py", "api.py", "asgi.py", "wsgi.py", "application.py",
    "index.py", "app/main.py", "app/__init__.py", "app/app.py", "api/index.py", "api/main.py",
    "src/main.py", "src/app.py", "src/app/main.py",
)

ENTRY_BONUS = 0.05


@dataclass(frozen=True)
class PythonFramework:
    slug: str
    name: str
    package: str
    confidence: float
    constructor: str
    """The call that creates the application object (``FastAPI(``)."""


FRAMEWORKS = (
    PythonFramework("fastapi", "FastAPI", "fastapi", 0.9, "FastAPI"),
    PythonFramework("flask", "Flask", "flask", 0.9, "Flask"),
    PythonFramework("starlette", "Starlette", "starlette", 0.85, "Starlette"),
    # FastHTML is built on Starlette and names it among its own dependencies only.
    PythonFramework("fasthtml", "FastHTML", "python-fasthtml", 0.9, "fast_app"),
)

PLAIN_PYTHON_CONFIDENCE = 0.3


@dataclass(frozen=True)
class AppObject:
    """Where the application object lives: ``app.main:app`` plus a working folder."""

    path: str
    module: str
    variable: str
    folder: str | None

    @property
    def target(self) -> str:
        return f"{self.module}:{self.variable}"


def find_app(tree: SourceTree, constructor: str) -> AppObject | None:
    """The first entry file that builds the app with ``constructor``."""
    # ``app = Flask(...)``, or FastHTML's ``app, rt = fast_app(...)`` (the first name).
    assignment = re.compile(
        rf"^(\w+)(?:\s*,\s*\w+)*\s*(?::[^=\n]+)?=\s*{constructor}\(", re.MULTILINE
    )
    factory = re.compile(r"^def (create_app|make_app)\(", re.MULTILINE)
    for path in ENTRY_FILES:
        text = tree.read_text(path)
        if text is None or f"{constructor}(" not in text:
            continue
        match = assignment.search(text)
        variable = match.group(1) if match else None
        if variable is None and (found := factory.search(text)):
            variable = f"{found.group(1)}()"
        if variable is None:
            continue
        folder = None
        module_path = path
        if path.startswith("src/"):
            folder, module_path = "src", path.removeprefix("src/")
        module = module_path.removesuffix(".py").removesuffix("/__init__").replace("/", ".")
        return AppObject(path, module, variable, folder)
    return None


def python_version(tree: SourceTree) -> str | None:
    """A reason naming the requested Python version, if the tree asks for one."""
    pinned = (tree.read_text(".python-version") or "").strip()
    if pinned:
        return f"Python `{pinned.splitlines()[0]}` requested by `.python-version`"
    runtime = (tree.read_text("runtime.txt") or "").strip()
    if runtime:
        return f"Python `{runtime.removeprefix('python-')}` requested by `runtime.txt`"
    pyproject = tree.read_text("pyproject.toml") or ""
    match = re.search(r"requires-python\s*=\s*['\"]([^'\"]+)", pyproject)
    if match:
        return f"Python `{match.group(1)}` requested by `requires-python` in pyproject.toml"
    return None


def _base(env: PythonEnvironment | None, slug: str, name: str, confidence: float,
          evidence: str) -> Detection:
    return Detection(
        framework=slug,
        name=name,
        runtime="python",
        confidence=confidence,
        reasons=[f"{name}: {evidence}"],
        package_manager=env.name if env else None,
        install_command=env.install_command if env else None,
        detector=DETECTOR,
    )


def _asgi_or_wsgi(tree: SourceTree, env: PythonEnvironment,
                  framework: PythonFramework) -> Detection | None:
    if not has_python_package(env.requirements, framework.package):
        return None
    detection = _base(env, framework.slug, framework.name, framework.confidence,
                      f"`{framework.package}` in the dependencies ({env.reason})")
    app = find_app(tree, framework.constructor)
    target = app.target if app else "main:app"
    if app:
        detection.confidence += ENTRY_BONUS
        detection.reasons.append(f"`{app.target}` created in `{app.path}`")
    else:
        detection.reasons.append(
            f"no `{framework.constructor}(...)` found in the usual entry files; "
            "assuming `main:app`, set a start command otherwise"
        )
    folder = app.folder if app else None
    if framework.slug == "flask" and not has_python_package(env.requirements, "gunicorn"):
        # Flask's --app takes a file path too, which covers a src/ layout.
        app_flag = f"--app {app.path}:{app.variable}" if app and folder else f"--app {target}"
        detection.start_command = f"flask {app_flag} run --host 0.0.0.0 --port $PORT"
        detection.reasons.append(
            "start: Flask's development server, as `gunicorn` is not a dependency "
            "(add it for production)"
        )
        detection.dev_command = f"flask {app_flag} run --debug --port $PORT"
    elif framework.slug == "flask":
        chdir = f" --chdir {folder}" if folder else ""
        detection.start_command = f"gunicorn {target}{chdir} --bind 0.0.0.0:$PORT"
        detection.dev_command = f"flask --app {target} run --debug --port $PORT"
        if folder:
            detection.dev_command = None
    else:
        app_dir = f" --app-dir {folder}" if folder else ""
        detection.start_command = f"uvicorn {target}{app_dir} --host 0.0.0.0 --port $PORT"
        detection.dev_command = f"uvicorn {target}{app_dir} --reload --port $PORT"
        if not (has_python_package(env.requirements, "uvicorn")
                or "fastapi[standard]" in env.requirements):
            detection.reasons.append("`uvicorn` is not a dependency; add it to serve the app")
    return detection


def _django(tree: SourceTree, env: PythonEnvironment | None) -> Detection | None:
    manage = tree.read_text("manage.py")
    declared = env is not None and has_python_package(env.requirements, "django")
    if not declared and (manage is None or "DJANGO_SETTINGS_MODULE" not in manage):
        return None
    evidence = [f"`django` in the dependencies ({env.reason})"] if declared and env else []
    settings_module = None
    if manage is not None:
        evidence.append("`manage.py` present")
        match = re.search(r"DJANGO_SETTINGS_MODULE['\"]\s*,\s*['\"]([\w.]+)['\"]", manage)
        settings_module = match.group(1) if match else None
    detection = _base(env, "django", "Django", 0.9 + (ENTRY_BONUS if manage else 0.0),
                      ", ".join(evidence))
    package = settings_module.rsplit(".", 1)[0] if settings_module else None
    requirements = env.requirements if env else ""
    if package and has_python_package(requirements, "gunicorn"):
        detection.start_command = f"gunicorn {package}.wsgi --bind 0.0.0.0:$PORT"
    elif package and has_python_package(requirements, "uvicorn"):
        detection.start_command = f"uvicorn {package}.asgi:application --host 0.0.0.0 --port $PORT"
    else:
        detection.start_command = "python manage.py runserver 0.0.0.0:$PORT"
        detection.reasons.append(
            "start: Django's development server, as neither `gunicorn` nor `uvicorn` is a "
            "dependency (add one for production)"
        )
    if package:
        detection.reasons.append(f"settings module `{settings_module}` from `manage.py`")
        settings_text = tree.read_text(f"{package.replace('.', '/')}/settings.py") or ""
        if "STATIC_ROOT" in settings_text:
            detection.build_command = "python manage.py collectstatic --noinput"
            detection.reasons.append("build: `collectstatic`, as settings define `STATIC_ROOT`")
    detection.dev_command = "python manage.py runserver $PORT"
    return detection


def _procfile_python(tree: SourceTree, env: PythonEnvironment | None) -> Detection | None:
    web = procfile_web(tree)
    if web is None:
        return None
    evidence = f"`web: {web}` in `Procfile`" + (f", {env.reason}" if env else "")
    detection = _base(env, "python", "Python", 0.5, evidence)
    detection.start_command = web
    return detection


def _plain_python(tree: SourceTree, env: PythonEnvironment | None) -> Detection | None:
    """Dependencies and an entry file, no web framework: Vercel's ``python`` preset.

    The entry file is required so a static site whose ``api/`` folder holds
    Python functions stays a static site with functions; no start command is
    guessed, the reason asks for one.
    """
    entry = next((path for path in ENTRY_FILES
                  if not path.startswith("api/") and tree.exists(path)), None)
    if env is None or entry is None:
        return None
    detection = _base(env, "python", "Python", PLAIN_PYTHON_CONFIDENCE,
                      f"`{entry}` and dependencies without a web framework ({env.reason})")
    detection.reasons.append("no web framework found: set a start command, or add a Procfile "
                             "with a `web:` line")
    return detection


def detect(tree: SourceTree) -> Detection | None:
    """The Python web framework of ``tree``, or None when it is not a Python app."""
    env = python_environment(tree)
    if env is None and not tree.exists("manage.py") and not (
        tree.exists("Procfile") and tree.glob("*.py")
    ):
        return None
    candidates = [_django(tree, env), _procfile_python(tree, env),
                  _plain_python(tree, env)]
    if env is not None:
        candidates += [_asgi_or_wsgi(tree, env, framework) for framework in FRAMEWORKS]
    found = [candidate for candidate in candidates if candidate is not None]
    if not found:
        return None
    winner = min(found, key=lambda d: (-d.confidence, d.framework))
    web = procfile_web(tree)
    if web and winner.framework != "python":
        winner.start_command = web
        winner.reasons.append("start: the `web` process of `Procfile`")
    elif env is not None and winner.start_command and env.run:
        winner.start_command = with_runner(env.run, winner.start_command)
    if env is not None and env.run:
        for field in ("build_command", "dev_command"):
            command = getattr(winner, field)
            if command:
                setattr(winner, field, with_runner(env.run, command))
    if env is not None:
        winner.reasons.append(f"dependencies installed with {env.name}: {env.reason}")
    version = python_version(tree)
    if version:
        winner.reasons.append(version)
    return winner


@hookimpl
def framework_slugs(settings: Any) -> list[str]:
    """What :func:`detect_framework` here can name."""
    return [framework.slug for framework in FRAMEWORKS] + ["django", "python"]


@hookimpl
def detect_framework(tree: SourceTree, settings: Any) -> Detection | None:
    """Recognise a Python web app from its dependency files and entry module."""
    return detect(tree)
