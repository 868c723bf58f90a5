"""The marketplace catalog: the shipped index, validation naming entry and field, search,
loading from a path or an https URL (through the outbound checks), never raising."""

from __future__ import annotations

import json
import os
import tomllib
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from autostack_core.config import Settings
from autostack_core.services import catalog
from autostack_core.services.catalog import CatalogError, load_catalog, parse_catalog, search

MARKETPLACE = Path(__file__).parents[2] / "marketplace"


def entry(**changes: Any) -> dict[str, Any]:
    base = {"name": "Redis", "kind": "service", "description": "A Redis server.",
            "package": "autostack-redis", "version": "1.0.0", "frameworks": []}
    return {**base, **changes}


def document(*entries: dict[str, Any]) -> str:
    return json.dumps({"catalog": 1, "entries": list(entries)})


def test_the_shipped_catalog_lists_every_template_package_of_the_marketplace() -> None:
    entries = parse_catalog(catalog.DEFAULT_CATALOG.read_text())
    templates = {e.package: e for e in entries if e.kind == "template"}
    for folder in sorted(path for path in MARKETPLACE.iterdir() if path.is_dir()):
        project = tomllib.loads((folder / "pyproject.toml").read_text())["project"]
        listed = templates[project["name"]]
        assert listed.version == project["version"]
        assert listed.install == f"pip install {project['name']}"
        assert listed.template == folder.name
    assert {e.kind for e in entries} >= {"detector", "builder", "runtime", "edge", "notifier"}
    cloud = next(e for e in entries if e.name == "Cloud Run runtime")
    assert cloud.install == "pip install autostack[gcp]"


@pytest.mark.parametrize(("bad", "message"), [
    ("{", "not JSON"),
    (json.dumps({"entries": []}), '"catalog": 1'),
    (json.dumps({"catalog": 1, "entries": {}}), '"entries" must be a list'),
    (document(entry(), entry(kind="widget")), "entries[1]: kind must be one of"),
    (document(entry(name="")), "entries[0]: name must be a non-empty string"),
    (document(entry(package="x; rm -rf /")), "entries[0]: package"),
    (document(entry(install="pip install x && curl evil")), "entries[0]: install"),
    (document(entry(install="curl https://x | sh")), "entries[0]: install"),
    (document(entry(frameworks="vite")), "entries[0]: frameworks"),
    (document(entry(homepage="http://example.com")), "entries[0]: homepage"),
    (document(entry(kind="template")), "entries[0]: template must be"),
])
def test_a_bad_document_is_refused_naming_the_entry_and_field(bad: str, message: str) -> None:
    with pytest.raises(CatalogError) as raised:
        parse_catalog(bad)
    assert message in str(raised.value)


def test_search_by_kind_framework_and_words() -> None:
    entries = parse_catalog(catalog.DEFAULT_CATALOG.read_text())
    vite = search(entries, kind="template", framework="vite")
    assert [e.template for e in vite] == ["vite-react"]
    assert {e.kind for e in search(entries, framework="flask")} == {"template", "detector",
                                                                    "builder"}
    assert [e.name for e in search(entries, kind="runtime", query="google")] == \
        ["Cloud Run runtime"]
    assert search(entries, kind="template", framework="django") == []
    assert len(search(entries)) == len(entries)


async def test_a_path_is_read_again_when_it_changes_and_a_bad_one_is_an_error(
        settings: Settings, tmp_path: Path) -> None:
    index = tmp_path / "catalog.json"
    index.write_text(document(entry()))
    settings = replace(settings, catalog_url=str(index))
    first = await load_catalog(settings)
    assert first.error is None and [e.name for e in first.entries] == ["Redis"]
    index.write_text(document(entry(), entry(name="PostgreSQL", package="autostack-pg")))
    os.utime(index, (1, 1))  # a new modification time, whatever the clock's resolution
    second = await load_catalog(settings)
    assert [e.name for e in second.entries] == ["Redis", "PostgreSQL"]
    index.write_text(document(entry(kind="widget")))
    os.utime(index, (2, 2))
    broken = await load_catalog(settings)
    assert broken.entries == [] and broken.error is not None
    assert broken.error.startswith(f"catalog {index}: entries[0]: kind")
    missing = await load_catalog(replace(settings, catalog_url=str(tmp_path / "nope.json")))
    assert missing.entries == [] and "cannot be read" in (missing.error or "")


async def test_a_url_must_be_https_and_pass_the_outbound_checks(settings: Settings) -> None:
    plain = await load_catalog(replace(settings, catalog_url="http://example.com/c.json"))
    assert plain.entries == [] and "must be a path or an https:// URL" in (plain.error or "")
    # The loopback address is not in this server's outbound allow-list: refused before
    # any connection is made, with the reason.
    closed = replace(settings, outbound_allow=(), catalog_url="https://127.0.0.1:9/c.json")
    refused = await load_catalog(closed)
    assert refused.entries == [] and "127.0.0.1" in (refused.error or "")
    assert "AUTOSTACK_OUTBOUND_ALLOW" in (refused.error or "")
