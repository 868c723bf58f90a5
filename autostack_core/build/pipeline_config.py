"""A project's pipeline: the ordered steps a deployment goes through, as configuration.

A pipeline is a list of steps ``{id, kind, name, command, when}``. ``install`` and
``build`` are the builder's (its detected or configured commands), ``deploy`` is the
release; ``test``, ``lint`` and ``check`` run the step's ``command`` in the build sandbox;
``approval`` holds a production deployment back from production until a member approves.
``when: production`` runs a step for production deployments only.

Where it comes from, as Vercel does with ``vercel.json`` against the dashboard: the
``pipeline`` key of the repository's ``autostack.json`` wins over the project settings
(``Project.settings["pipeline"]``), which win over :func:`default_steps`. The whole list is
replaced, never merged step by step, so what runs is always one list someone wrote.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from typing import Any, Literal, cast

from autostack_core.interfaces import SourceTree

Kind = Literal["install", "build", "test", "lint", "check", "approval", "deploy"]
When = Literal["all", "production"]
KINDS: tuple[Kind, ...] = ("install", "build", "test", "lint", "check", "approval", "deploy")
CUSTOM_KINDS = ("test", "lint", "check")
"""The kinds that run their own command in the build sandbox."""
SINGLE_KINDS = ("install", "build", "approval", "deploy")
"""The kinds a pipeline has at most once; their id is their kind."""
RESERVED_IDS = ("install", "build", "approval", "deploy", "clone", "upload", "done")
"""Build log step names a custom step's id must not take."""
MAX_STEPS = 20
MAX_COMMAND = 1000
STEP_ID = re.compile(r"^[a-z][a-z0-9-]{0,15}$")
FILENAME = "autostack.json"

SOURCE_REPOSITORY = "autostack.json"
SOURCE_SETTINGS = "project settings"
SOURCE_DEFAULTS = "defaults"


class PipelineError(ValueError):
    """A pipeline definition that cannot run; ``field`` names the bad value."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass
class Step:
    id: str
    kind: Kind
    name: str
    command: str | None = None
    when: When = "all"

    def runs_for(self, production: bool) -> bool:
        return self.when == "all" or production

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


LABELS = {"install": "Install", "build": "Build", "test": "Tests", "lint": "Lint",
          "check": "Check", "approval": "Approval before production", "deploy": "Deploy"}


def default_steps() -> list[Step]:
    """The pipeline of a project nobody configured: the builder's install and build, then deploy."""
    return [Step(kind, kind, LABELS[kind]) for kind in ("install", "build", "deploy")]


def _text(value: Any, field: str, limit: int) -> str:
    if not isinstance(value, str) or not value.strip():
        raise PipelineError(field, "must be a non-empty string")
    if len(value) > limit or "\n" in value.strip() or "\x00" in value:
        raise PipelineError(field, f"must be one line of at most {limit} characters")
    return value.strip()


def _step(raw: Any, index: int, root: str) -> Step:
    where = f"{root}[{index}]"
    if not isinstance(raw, dict):
        raise PipelineError(where, "must be an object with a `kind`")
    unknown = sorted(set(raw) - {"id", "kind", "name", "command", "when"})
    if unknown:
        raise PipelineError(f"{where}.{unknown[0]}", "is not a step field "
                            "(id, kind, name, command, when)")
    kind = raw.get("kind")
    if kind not in KINDS:
        raise PipelineError(f"{where}.kind", f"must be one of {', '.join(KINDS)}")
    when = raw.get("when", "all")
    if when not in ("all", "production"):
        raise PipelineError(f"{where}.when", "must be `all` or `production`")
    command = raw.get("command")
    if kind in CUSTOM_KINDS:
        command = _text(command, f"{where}.command", MAX_COMMAND)
    elif command is not None:
        raise PipelineError(f"{where}.command", f"a `{kind}` step has no command (set "
                            "install and build commands in the project settings)")
    if kind in SINGLE_KINDS:
        step_id = kind
        if raw.get("id", kind) != kind:
            raise PipelineError(f"{where}.id", f"the `{kind}` step's id is `{kind}`")
    else:
        step_id = raw.get("id") or f"{kind}-{index + 1}"
        if not isinstance(step_id, str) or not STEP_ID.match(step_id):
            raise PipelineError(f"{where}.id", "must be 1 to 16 lowercase letters, digits "
                                "or dashes, starting with a letter")
        if step_id in RESERVED_IDS:
            raise PipelineError(f"{where}.id", f"`{step_id}` is reserved")
    name = _text(raw.get("name") or LABELS[kind], f"{where}.name", 80)
    return Step(step_id, cast(Kind, kind), name, command, cast(When, when))


def validate(raw: Any, root: str = "pipeline") -> list[Step]:
    """The steps of ``raw`` (a list of step objects), or :class:`PipelineError` naming the field.

    Rules: known kinds; test, lint and check have a command; ids are unique; install,
    build and deploy appear once, approval at most once; deploy is last; install comes
    right before build (the builder runs them together); approval comes after build.
    """
    if not isinstance(raw, list):
        raise PipelineError(root, "must be a list of steps")
    if not 0 < len(raw) <= MAX_STEPS:
        raise PipelineError(root, f"must hold 1 to {MAX_STEPS} steps")
    steps = [_step(item, index, root) for index, item in enumerate(raw)]
    seen: set[str] = set()
    for index, step in enumerate(steps):
        if step.id in seen:
            field = "kind" if step.kind in SINGLE_KINDS else "id"
            raise PipelineError(f"{root}[{index}].{field}", f"`{step.id}` appears twice")
        seen.add(step.id)
    kinds = [step.kind for step in steps]
    if kinds[-1] != "deploy" or "deploy" in kinds[:-1]:
        raise PipelineError(root, "must end with the `deploy` step")
    for needed in ("install", "build"):
        if needed not in kinds:
            raise PipelineError(root, f"must hold the `{needed}` step (the builder always runs)")
    install, build = kinds.index("install"), kinds.index("build")
    if build != install + 1:
        raise PipelineError(f"{root}[{install}].kind", "`install` must come right before "
                            "`build` (the builder runs them together)")
    if "approval" in kinds:
        approval = kinds.index("approval")
        if approval < build:
            raise PipelineError(f"{root}[{approval}].kind", "`approval` must come after `build`")
        if steps[approval].when != "all":
            raise PipelineError(f"{root}[{approval}].when", "an approval is for production "
                                "already; leave `when` out")
    return steps


def repository_pipeline(tree: SourceTree) -> Any:
    """The raw ``pipeline`` of ``autostack.json`` in ``tree``, or None when it has none."""
    text = tree.read_text(FILENAME)
    if text is None:
        return None
    try:
        data = json.loads(text)
    except ValueError as error:
        raise PipelineError(FILENAME, f"is not valid JSON: {error}") from error
    return data.get("pipeline") if isinstance(data, dict) else None


def resolve(repository: Any, settings: Any) -> tuple[list[Step], str]:
    """The steps that run and where they come from: the repository's ``pipeline`` wins over
    the project settings', which win over :func:`default_steps`."""
    if repository is not None:
        return validate(repository, f"{FILENAME} pipeline"), SOURCE_REPOSITORY
    if settings:
        return validate(settings), SOURCE_SETTINGS
    return default_steps(), SOURCE_DEFAULTS


def as_raw(steps: list[Step]) -> list[dict[str, Any]]:
    """``steps`` as stored: fields at their default are left out."""
    stored = []
    for step in steps:
        item: dict[str, Any] = {"id": step.id, "kind": step.kind, "name": step.name}
        if step.command is not None:
            item["command"] = step.command
        if step.when != "all":
            item["when"] = step.when
        stored.append(item)
    return stored
