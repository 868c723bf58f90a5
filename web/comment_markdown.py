"""Comments as Markdown, safely: CommonMark with raw HTML off (``<b>`` stays text), no
images (a comment must not make every reader's browser fetch a URL), links only to the
schemes markdown-it allows (no ``javascript:``) and marked ``nofollow noopener``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.token import Token
from markupsafe import Markup


def _link_open(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    tokens[idx].attrSet("rel", "nofollow noopener noreferrer")
    rendered: str = self.renderToken(tokens, idx, options, env)
    return rendered


_MARKDOWN = MarkdownIt("commonmark", {"html": False}).disable("image")
_MARKDOWN.add_render_rule("link_open", _link_open)


def comment_markdown(text: str) -> Markup:
    """``text`` rendered as HTML; nothing in it becomes markup but Markdown's own."""
    return Markup(_MARKDOWN.render(text))
