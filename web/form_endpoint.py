"""A Netlify form's post on a deployment's hostname (the local edge proxies it here).

The local edge sends a static deployment's ``POST`` with a form body
(``application/x-www-form-urlencoded`` or ``multipart/form-data``), on any
path, to :data:`~autostack_core.services.forms.SUBMIT_PATH`, ``Host`` kept and
the visitor's path in ``X-Forwarded-Uri``. The hostname names the deployment
(as for the image endpoints); a protected one needs the same access as its
pages. A deployment without forms answers 405 as a static site did before;
the rest is :func:`autostack_core.services.forms.submit`'s. A success is
Netlify's: a redirect (303) to the form's ``action`` path when it has one,
else a thank-you page.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from html import escape
from urllib.parse import parse_qsl

from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from autostack_core.errors import ApiError
from autostack_core.services import forms
from autostack_core.services import protection_gate as gate
from autostack_web.image_endpoint import admitted
from autostack_web.protection_gate import base_domain, denied, request_host, visitor_ip
from autostack_web.rendering import host_of

THANKS = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>Thank you</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 32rem; margin: 4rem auto">
<h1>Thank you!</h1><p>Your form submission has been received.</p>
<p><a href="{back}">Back to the site</a></p></body></html>"""


def plain(status: int, message: str) -> Response:
    return PlainTextResponse(message, status, headers={"Cache-Control": "no-store"})


async def read_limited(request: Request) -> bytes | None:
    """The body, or ``None`` past :data:`~autostack_core.services.forms.MAX_BODY_BYTES`."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > forms.MAX_BODY_BYTES:
        return None
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > forms.MAX_BODY_BYTES:
            return None
    return bytes(body)


async def pairs_of(request: Request, body: bytes) -> list[tuple[str, str]]:
    """The submitted fields in order; ApiError for files or an unknown content type."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind == "application/x-www-form-urlencoded":
        return parse_qsl(
            body.decode("utf-8", "replace"),
            keep_blank_values=True,
            max_num_fields=forms.MAX_FIELDS + 2,
        )
    if kind == "multipart/form-data":

        async def chunks() -> AsyncGenerator[bytes, None]:
            yield body  # read, and bounded, already

        try:
            data = await MultiPartParser(
                request.headers, chunks(), max_files=0, max_fields=forms.MAX_FIELDS + 2
            ).parse()
        except MultiPartException as error:
            raise ApiError(
                415 if "files" in str(error) else 400, f"the form could not be read: {error}"
            ) from None
        if any(isinstance(value, UploadFile) for _, value in data.multi_items()):
            raise ApiError(415, "file uploads are not supported by forms", "file")
        return [(key, str(value)) for key, value in data.multi_items()]
    raise ApiError(415, "a form post is application/x-www-form-urlencoded or multipart/form-data")


async def submit(request: Request) -> Response:
    """One form submission: see the module."""
    hostname = request_host(request)
    target = await gate.target_of(hostname, base_domain(request))
    if target is None or target.deployment is None:
        return plain(404, f"no deployment is served at {hostname}")
    if not await admitted(request, target):
        refused: Response = denied()
        return refused
    if not await forms.has_forms(target.deployment):
        return plain(405, "405: Method Not Allowed")
    body = await read_limited(request)
    if body is None:
        return plain(413, f"a form submission is at most {forms.MAX_BODY_BYTES // 1024} KB")
    try:
        pairs = await pairs_of(request, body)
        outcome = await forms.submit(
            host_of(request), target.project, target.deployment, pairs, visitor_ip(request)
        )
    except ValueError:
        return plain(413, f"a submission has at most {forms.MAX_FIELDS} fields")
    except ApiError as error:
        return plain(error.status, f"{error.status}: {error.message}")
    if outcome.form.action:
        return RedirectResponse(outcome.form.action, 303, headers={"Cache-Control": "no-store"})
    back = gate.local_path(request.headers.get("x-forwarded-uri", "/").split("?")[0])
    return HTMLResponse(THANKS.format(back=escape(back)), headers={"Cache-Control": "no-store"})


routes: list[BaseRoute] = [
    Route(forms.SUBMIT_PATH, submit, methods=["POST"], include_in_schema=False),
]
