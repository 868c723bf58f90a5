"""Pipeline definitions: validation naming the bad field, and autostack.json against settings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from autostack_core.build.pipeline_config import (
    PipelineError,
    as_raw,
    default_steps,
    repository_pipeline,
    resolve,
    validate,
)
from autostack_core.interfaces import SourceTree

INSTALL = {"kind": "install"}
BUILD = {"kind": "build"}
DEPLOY = {"kind": "deploy"}


def with_steps(*middle: dict[str, Any]) -> list[dict[str, Any]]:
    return [INSTALL, BUILD, *middle, DEPLOY]


def test_a_full_pipeline_is_read_in_order_with_ids_and_names() -> None:
    steps = validate([{"kind": "lint", "command": "npm run lint"}, INSTALL, BUILD,
                      {"id": "unit", "kind": "test", "command": "npm test", "name": "Unit"},
                      {"kind": "check", "command": "test -f dist/index.html",
                       "when": "production"},
                      {"kind": "approval"}, DEPLOY])
    assert [step.id for step in steps] == ["lint-1", "install", "build", "unit", "check-5",
                                           "approval", "deploy"]
    assert steps[3].name == "Unit" and steps[3].command == "npm test"
    assert not steps[4].runs_for(production=False) and steps[4].runs_for(production=True)
    assert validate(as_raw(steps)) == steps


@pytest.mark.parametrize(("raw", "field", "words"), [
    ({"pipeline": []}, "pipeline", "a list"),
    ([], "pipeline", "1 to 20"),
    (with_steps({"kind": "deploy-now"}), "pipeline[2].kind", "must be one of"),
    (with_steps({"kind": "test"}), "pipeline[2].command", "non-empty"),
    (with_steps({"kind": "test", "command": "  "}), "pipeline[2].command", "non-empty"),
    (with_steps({"kind": "lint", "command": "a\nb"}), "pipeline[2].command", "one line"),
    (with_steps({"kind": "test", "command": "x", "timeout": 3}), "pipeline[2].timeout",
     "not a step field"),
    (with_steps({"kind": "test", "command": "x", "when": "preview"}), "pipeline[2].when",
     "production"),
    (with_steps({"kind": "test", "command": "x", "id": "Bad Id"}), "pipeline[2].id",
     "lowercase"),
    (with_steps({"kind": "test", "command": "x", "id": "clone"}), "pipeline[2].id",
     "reserved"),
    (with_steps({"kind": "test", "command": "x", "id": "t"},
                {"kind": "lint", "command": "y", "id": "t"}), "pipeline[3].id", "twice"),
    ([INSTALL, BUILD, DEPLOY, {"kind": "test", "command": "x"}], "pipeline", "end with"),
    ([INSTALL, BUILD], "pipeline", "end with"),
    ([BUILD, DEPLOY], "pipeline", "`install`"),
    ([BUILD, INSTALL, DEPLOY], "pipeline[1].kind", "right before"),
    ([INSTALL, {"kind": "test", "command": "x"}, BUILD, DEPLOY], "pipeline[0].kind",
     "right before"),
    ([{"kind": "approval"}, INSTALL, BUILD, DEPLOY], "pipeline[0].kind", "after `build`"),
    (with_steps({"kind": "approval"}, {"kind": "approval"}), "pipeline[3].kind", "twice"),
    (with_steps({"kind": "build", "command": "make"}), "pipeline[2].command", "no command"),
])
def test_a_bad_pipeline_is_refused_naming_the_field(raw: Any, field: str, words: str) -> None:
    with pytest.raises(PipelineError) as error:
        validate(raw)
    assert error.value.field == field
    assert words in error.value.message


def tree_with(tmp_path: Path, text: str | None) -> SourceTree:
    if text is not None:
        (tmp_path / "autostack.json").write_text(text)
    return SourceTree(tmp_path)


def test_the_repository_pipeline_wins_over_the_settings_which_win_over_defaults(
    tmp_path: Path,
) -> None:
    settings = with_steps({"kind": "test", "command": "npm test"})
    repository = repository_pipeline(tree_with(
        tmp_path, '{"buildCommand": "make", "pipeline": [{"kind": "install"}, '
                  '{"kind": "build"}, {"kind": "lint", "command": "ruff ."}, '
                  '{"kind": "deploy"}]}'))
    steps, source = resolve(repository, settings)
    assert source == "autostack.json"
    assert [step.command for step in steps if step.command] == ["ruff ."]
    steps, source = resolve(None, settings)
    assert (source, [step.command for step in steps if step.command]) == \
        ("project settings", ["npm test"])
    assert resolve(None, None) == (default_steps(), "defaults")
    assert [step.kind for step in default_steps()] == ["install", "build", "deploy"]


def test_an_autostack_json_without_a_pipeline_leaves_the_settings(tmp_path: Path) -> None:
    assert repository_pipeline(tree_with(tmp_path, '{"buildCommand": "make"}')) is None
    (tmp_path / "empty").mkdir()
    assert repository_pipeline(tree_with(tmp_path / "empty", None)) is None


def test_a_bad_repository_pipeline_names_the_file(tmp_path: Path) -> None:
    repository = repository_pipeline(tree_with(tmp_path, '{"pipeline": [{"kind": "deploy"}]}'))
    with pytest.raises(PipelineError) as error:
        resolve(repository, None)
    assert error.value.field == "autostack.json pipeline"
    with pytest.raises(PipelineError, match="not valid JSON"):
        repository_pipeline(tree_with(tmp_path, "{"))
