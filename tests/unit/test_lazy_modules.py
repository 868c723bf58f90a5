"""``autostack_core.utils.lazy_module``: a heavy library loads at its first use, once."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from autostack_core.utils import lazy_module

pytestmark = pytest.mark.dbless


@pytest.fixture
def heavy_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A module that counts its imports in a file, importable from ``tmp_path``."""
    (tmp_path / "footprint_heavy.py").write_text(
        "import pathlib, time\n"
        f"counter = pathlib.Path({str(tmp_path / 'imports')!r})\n"
        "counter.write_text(counter.read_text() + 'x' if counter.exists() else 'x')\n"
        "time.sleep(0.05)\n"
        "ANSWER = 42\n"
        "def double(value):\n    return value * 2\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "footprint_heavy", raising=False)
    yield "footprint_heavy"
    sys.modules.pop("footprint_heavy", None)


def test_the_module_loads_at_the_first_attribute_and_not_before(
        heavy_module: str, tmp_path: Path) -> None:
    module = lazy_module(heavy_module)
    assert heavy_module not in sys.modules
    assert not (tmp_path / "imports").exists()
    assert module.ANSWER == 42 and module.double(4) == 8
    assert (tmp_path / "imports").read_text() == "x"


def test_threads_asking_first_together_import_it_once(heavy_module: str, tmp_path: Path) -> None:
    module = lazy_module(heavy_module)
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda _: module.ANSWER, range(8)))
    assert answers == [42] * 8
    assert (tmp_path / "imports").read_text() == "x"


def test_a_missing_attribute_is_an_attribute_error(heavy_module: str) -> None:
    with pytest.raises(AttributeError):
        _ = lazy_module(heavy_module).nothing_here
