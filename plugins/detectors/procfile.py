"""The Procfile's ``web:`` process, which every runtime's detector honours (Heroku's rule:
it wins over the framework's own start command)."""

from __future__ import annotations

from autostack_core.interfaces import SourceTree


def procfile_web(tree: SourceTree) -> str | None:
    """The command of the Procfile's ``web:`` process, if any."""
    for line in (tree.read_text("Procfile") or "").splitlines():
        name, _, command = line.partition(":")
        if name.strip() == "web" and command.strip():
            return command.strip()
    return None
