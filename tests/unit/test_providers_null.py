"""The null pair's own promises, beyond the conformance suite (tests/conformance/test_null.py).

Everything here is in memory: the null runtime runs no code, which is its point.
"""

from __future__ import annotations

import asyncio

import pytest

from autostack_core.config import Settings
from autostack_core.interfaces.edge import CertificateStatus, WeightedEndpoint, bind_all
from autostack_core.interfaces.runtime import (
    Endpoint,
    OutputKind,
    Release,
    ReleaseStatus,
    ScalePolicy,
)
from autostack_core.plugins import get_plugin_manager
from autostack_plugins.providers.null import NullEdge, NullRuntime
from tests.conformance.pair import artifact, server_output, static_output

STATIC = frozenset({OutputKind.STATIC})


async def deploy(runtime: NullRuntime, release_id: str, files: dict[str, bytes],
                 kinds: frozenset[OutputKind] = STATIC) -> Endpoint:
    reference = await runtime.publish(artifact(release_id, files, kinds))
    return await runtime.deploy(Release(release_id, "site", reference, env={}))


async def test_one_copy_per_manifest_dropped_with_its_last_release() -> None:
    runtime = NullRuntime()
    files = dict(static_output("same"))
    first = await deploy(runtime, "a", files)
    second = await deploy(runtime, "b", files)
    assert (first.url, second.url) == ("null:a", "null:b")
    assert len(runtime.published) == 1
    await runtime.destroy("a")
    assert len(runtime.published) == 1, "release b still uses the artifact"
    await runtime.destroy("b")
    assert runtime.published == {}


async def test_deploy_refuses_what_was_not_published_and_a_server_without_command() -> None:
    runtime = NullRuntime()
    reference = await runtime.publish(artifact("a", static_output("x"), STATIC))
    other = type(reference)(runtime="null", location="null:elsewhere")
    with pytest.raises(LookupError, match="not published"):
        await runtime.deploy(Release("b", "site", other, env={}))
    files = {**server_output("x"), "server.json": b'{"runtime": "python"}'}
    with pytest.raises(ValueError, match="no command"):
        await deploy(runtime, "c", files, frozenset({OutputKind.SERVER}))
    assert await runtime.status("c") == ReleaseStatus.ABSENT


async def test_the_edge_records_calls_and_reports_certificates() -> None:
    runtime, edge = NullRuntime(), NullEdge()
    endpoint = await deploy(runtime, "a", dict(static_output("x")))
    assert (await edge.certificate("site.test")).status == CertificateStatus.NONE
    await edge.bind("Site.Test", [WeightedEndpoint(endpoint)])
    await edge.redirect("www.site.test", "site.test", 301)
    await edge.unbind("www.site.test")
    assert edge.calls == [("bind", "site.test"), ("redirect", "www.site.test"),
                          ("unbind", "www.site.test")]
    assert edge.served_by("site.test:8080") == ["a"]
    certificate = await edge.certificate("site.test")
    assert (certificate.status, certificate.issuer) == (CertificateStatus.ISSUED, "null")
    assert edge.public_url("site.test") == "http://site.test"


async def test_an_edge_without_bind_many_binds_one_hostname_after_the_other() -> None:
    runtime, edge = NullRuntime(), NullEdge()
    endpoint = await deploy(runtime, "a", dict(static_output("x")))
    await bind_all(edge, {"site.test": [WeightedEndpoint(endpoint)],
                          "www.site.test": [WeightedEndpoint(endpoint)]})
    assert edge.calls == [("bind", "site.test"), ("bind", "www.site.test")]
    assert edge.served_by("www.site.test") == ["a"]


async def test_the_edge_refuses_endpoints_it_cannot_reach_and_bad_redirects() -> None:
    edge = NullEdge()
    foreign = Endpoint("a", "http://127.0.0.1:9/")
    with pytest.raises(ValueError, match="not a release of a null runtime"):
        await edge.bind("site.test", [WeightedEndpoint(foreign)])
    with pytest.raises(ValueError, match="not a redirect status"):
        await edge.redirect("site.test", "elsewhere.test", 200)
    with pytest.raises(ValueError, match="not a hostname"):
        await edge.redirect("site.test", "https://elsewhere.test", 301)
    assert edge.bindings == {} and edge.redirects == {} and edge.calls == []


async def test_scale_refuses_an_absent_release_and_a_static_release_never_sleeps() -> None:
    runtime = NullRuntime(idle_seconds=0)
    with pytest.raises(LookupError):
        await runtime.scale("a", ScalePolicy(0, 1))
    await deploy(runtime, "a", dict(static_output("x")))
    await runtime.scale("a", ScalePolicy(0, 1))
    assert await runtime.status("a") == ReleaseStatus.READY


async def test_the_plugin_registers_the_pair_under_null(settings: Settings) -> None:
    manager = get_plugin_manager(load_entry_points=False).manager
    runtimes = [item for result in manager.hook.register_runtimes(settings=settings)
                for item in result]
    edges = [item for result in manager.hook.register_edges(settings=settings)
             for item in result]
    runtime = next(item for item in runtimes if item.name == "null")
    assert runtime.idle_seconds == settings.preview_idle_seconds
    edge = next(edge for edge in edges if isinstance(edge, NullEdge))
    assert edge.name == "null"
    assert edge.public_url("site.localhost") == f"http://site.localhost:{settings.edge_port}"


async def test_following_logs_misses_no_line_written_while_the_reader_waits() -> None:
    """A reader that awaits between lines (a response streaming them) got no line written
    meanwhile: the follow jumped to the end of the list it had when it started yielding."""
    runtime = NullRuntime()
    await deploy(runtime, "a", dict(static_output("x")))
    await runtime.scale("a", ScalePolicy(min_replicas=1, max_replicas=2))
    followed = runtime.logs("a", follow=True)
    first = await anext(followed)
    await runtime.scale("a", ScalePolicy(min_replicas=1, max_replicas=3))  # while it waits
    texts = [first.text]
    while not texts[-1].endswith("1..3 replicas"):
        texts.append((await asyncio.wait_for(anext(followed), 10)).text)
    assert "scaled to 1..2 replicas" in texts
    await followed.aclose()
