"""What the null pair answers a visitor: a :class:`NullResponse` (status, headers, body)."""

from __future__ import annotations

import mimetypes
from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class NullResponse:
    """What :meth:`NullEdge.fetch` answers: a status, headers (lowercase names) and a body."""

    status: int
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


def file_response(status: int, name: str, body: bytes) -> NullResponse:
    """A stored file, with the content type its name suggests."""
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    return NullResponse(status, {"content-type": content_type}, body)


def text_response(status: int, text: str) -> NullResponse:
    """A plain-text answer."""
    return NullResponse(status, {"content-type": "text/plain; charset=utf-8"}, text.encode())
