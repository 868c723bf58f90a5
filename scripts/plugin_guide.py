"""Write docs/plugins.md from the hookspecs: the plugin guide is their docstrings.

Usage: python scripts/plugin_guide.py [--check]
With --check, exit 1 when docs/plugins.md differs from what the hookspecs say.
"""

from __future__ import annotations

import inspect
import sys
from pathlib import Path

from autostack_core import hookspecs

GUIDE = Path(__file__).resolve().parents[1] / "docs" / "plugins.md"

INTRO = """# Writing AutoStack plugins

A plugin is an ordinary Python package with an entry point in the group
`autostack`, for example in its `pyproject.toml`:

```toml
[project.entry-points.autostack]
my_plugin = "my_plugin"
```

The module implements any of the hooks below with the same marker the
built-in plugins use:

```python
from autostack_core import hookimpl

@hookimpl
def extra_template_vars(request, template):
    return {"greeting": "hello"}
```

`autostack plugins` lists what is loaded, with versions and hooks, and every
plugin that failed to import with its error. This page is generated from
`autostack_core/hookspecs.py` by `scripts/plugin_guide.py`; a test keeps them
equal.

## Hooks
"""


def hook_names() -> list[str]:
    return [name for name, value in vars(hookspecs).items()
            if inspect.isfunction(value) and hasattr(value, "autostack_spec")]


def render() -> str:
    sections = [INTRO]
    for name in hook_names():
        function = getattr(hookspecs, name)
        signature = str(inspect.signature(function)).replace("'", "")
        doc = inspect.cleandoc(function.__doc__ or "")
        sections.append(f"### `{name}{signature}`\n\n{doc}\n")
    return "\n".join(sections)


def main() -> int:
    text = render()
    if "--check" in sys.argv:
        return 0 if GUIDE.read_text() == text else 1
    GUIDE.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
