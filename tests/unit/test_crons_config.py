"""vercel.json crons checked at build (autostack_plugins.crons.config): every mistake named."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from autostack_core.build.build_errors import BuildError
from autostack_core.interfaces import SourceTree
from autostack_plugins.crons.config import CronEntry, crons_of


def tree_with(tmp_path: Path, config: Any) -> SourceTree:
    (tmp_path / "vercel.json").write_text(json.dumps(config))
    return SourceTree(tmp_path)


def test_crons_are_read_normalised_and_deduplicated(tmp_path: Path) -> None:
    tree = tree_with(tmp_path, {"crons": [{"path": "/api/a", "schedule": "0  5 * * *"},
                                          {"path": "/api/a", "schedule": "0 5 * * *"},
                                          {"path": "/b?x=1", "schedule": "*/5 * * * *"}]})
    assert crons_of(tree) == [CronEntry("/api/a", "0 5 * * *"), CronEntry("/b?x=1", "*/5 * * * *")]


def test_no_vercel_json_or_no_crons_is_none(tmp_path: Path) -> None:
    assert crons_of(SourceTree(tmp_path)) == []
    assert crons_of(tree_with(tmp_path, {"cleanUrls": True})) == []


@pytest.mark.parametrize(("crons", "message"), [
    ({"path": "/a"}, "vercel.json crons must be a list"),
    (["/a"], "vercel.json crons[0] must be an object"),
    ([{"path": "/a", "schedule": "* * * * *", "timezone": "UTC"}],
     "vercel.json crons[0] has unknown field 'timezone'"),
    ([{"schedule": "* * * * *"}], "vercel.json crons[0].path must be a string starting with /"),
    ([{"path": "//evil.example/x", "schedule": "* * * * *"}],
     "vercel.json crons[0].path '//evil.example/x' is not a path on the deployment"),
    ([{"path": "/" + "a" * 512, "schedule": "* * * * *"}],
     "vercel.json crons[0].path is longer than 512"),
    ([{"path": "/a", "schedule": 5}], "vercel.json crons[0].schedule must be a cron expression"),
    ([{"path": "/a", "schedule": "* * * * *"}, {"path": "/b", "schedule": "61 * * * *"}],
     "vercel.json crons[1].schedule '61 * * * *': minute: '61' is outside 0-59"),
    ([{"path": f"/{n}", "schedule": "* * * * *"} for n in range(101)],
     "vercel.json crons has 101 entries; the limit is 100"),
])
def test_mistakes_fail_the_build_naming_the_entry_and_field(
    tmp_path: Path, crons: Any, message: str
) -> None:
    with pytest.raises(BuildError) as raised:
        crons_of(tree_with(tmp_path, {"crons": crons}))
    assert str(raised.value).startswith(message)
