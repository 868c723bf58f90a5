"""Comments as Markdown, safely: CommonMark with raw HTML off (``<b>`` stays text), no
images (a comment must not make every reader's browser fetch a URL), links only to the
schemes markdown-it allows (no ``javascript:``) and marked ``nofollow noopener``; a mention
of a team member (``@ada``) is set off as ``<span class="mention">``, escaped like text."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from markupsafe import Markup, escape

from autostack_core.services.comments import MENTION, handle_of


def _link_open(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    tokens[idx].attrSet("rel", "nofollow noopener noreferrer")
    rendered: str = self.renderToken(tokens, idx, options, env)
    return rendered


def _mention(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    return f'<span class="mention">{escape(tokens[idx].content)}</span>'


def _split(token: Token, handles: Collection[str]) -> list[Token]:
    """A text token as text and mention tokens, for the mentions of ``handles``."""
    parts, start = [], 0
    for match in MENTION.finditer(token.content):
        if handle_of(match) not in handles:
            continue
        end = match.start() + 1 + len(match.group(1).rstrip("."))  # a full stop stays text
        for kind, content in (("text", token.content[start:match.start()]),
                              ("mention", token.content[match.start():end])):
            if content:
                part = Token(kind, "", 0)
                part.content = content
                parts.append(part)
        start = end
    if not parts:
        return [token]
    if token.content[start:]:
        rest = Token("text", "", 0)
        rest.content = token.content[start:]
        parts.append(rest)
    return parts


def _mentions(state: StateCore) -> None:
    handles = state.env.get("handles") or ()
    for block in state.tokens:
        if block.type == "inline" and block.children and handles:
            block.children = [part for child in block.children for part in (
                _split(child, handles) if child.type == "text" else [child])]


_MARKDOWN = MarkdownIt("commonmark", {"html": False}).disable("image")
_MARKDOWN.add_render_rule("link_open", _link_open)
_MARKDOWN.add_render_rule("mention", _mention)
_MARKDOWN.core.ruler.push("mentions", _mentions)


def comment_markdown(text: str, handles: Collection[str] = ()) -> Markup:
    """``text`` rendered as HTML; nothing in it becomes markup but Markdown's own and the
    mentions of ``handles`` (lowercase e-mail local parts and addresses)."""
    return Markup(_MARKDOWN.render(text, {"handles": handles}))
