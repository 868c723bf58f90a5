"""The local (Caddy) edge serving a hostname from ACI and Cloud Run releases: alias, a
weighted split, a promotion.

**The clouds are stand-ins, because neither Azure nor Google is reachable here**: the
``aci`` runtime creates its container groups on :mod:`tests.aci_standin` (an ARM server
on the loopback, the official client, a fake token), whose front end answers each
group's ``http://<label>.<location>.azurecontainer.io:8080`` by ``Host``; the
``cloudrun`` runtime makes a revision on :mod:`tests.cloudrun_standin`, whose front end
here speaks TLS with a certificate for ``*.a.run.app`` that Caddy trusts through
``SSL_CERT_FILE`` (as a server trusts Google's through the system's roots). The edge is
the real one: a Caddy started on free loopback ports, with ``AUTOSTACK_EDGE_RESOLVE``
pointing the endpoints' names at the stand-ins' front ends, as DNS would.
"""

from __future__ import annotations

import ssl
from collections import Counter
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from autostack_core.config import Settings
from autostack_core.interfaces.edge import WeightedEndpoint
from autostack_core.interfaces.runtime import Endpoint, Release
from autostack_core.security.crypto import install_keyring, load_keyring
from autostack_plugins.providers.local.edge import Edge
from autostack_plugins.providers.local.local_edge import LocalEdge
from tests.aci_standin import AciStandIn, FakeToken, aci_standin, team
from tests.cloudrun_standin import CloudRunStandIn, team_config
from tests.conformance.pair import artifact
from tests.conftest import free_port
from tests.kube_standin import standin_image

pytest.importorskip("azure.mgmt.containerinstance")
pytest.importorskip("google.cloud.run_v2")
from autostack_plugins.providers.aci.runtime import AciRuntime
from autostack_plugins.providers.cloudrun.runtime import CloudRunRuntime

__all__ = ["aci_standin"]
pytestmark = [pytest.mark.e2e, pytest.mark.dbless]
HOST = "shop.localhost"


def tls_front(standin: CloudRunStandIn, folder: Path) -> Path:
    """Make ``standin``'s front end (not yet started) speak TLS as ``*.a.run.app``; the
    certificate's PEM file, for the edge to trust."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "a.run.app stand-in")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5)).not_valid_after(now + timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("*.a.run.app")]),
                       critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256()))
    cert_path, key_path = folder / "run.pem", folder / "run.key"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_path, key_path)
    standin.frontend.socket = context.wrap_socket(standin.frontend.socket, server_side=True)
    return cert_path


@pytest.fixture
def tls_cloudrun(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[CloudRunStandIn]:
    """The Cloud Run stand-in with a TLS front end the edge's Caddy trusts."""
    standin = CloudRunStandIn()
    monkeypatch.setenv("SSL_CERT_FILE", str(tls_front(standin, tmp_path)))
    standin.start()
    yield standin
    standin.stop()


async def cloud_run_release(tmp_path: Path, standin: CloudRunStandIn) -> Endpoint:
    settings = Settings(data_dir=tmp_path / "run", health_timeout_seconds=10)
    install_keyring(load_keyring(settings.data_dir))  # the runtime seals its placements
    runtime = CloudRunRuntime(settings)
    await runtime.start()
    try:
        reference = await runtime.publish(artifact("r3", standin_image("v-r3"), frozenset()))
        return await runtime.deploy(Release(id="r3", project="shop", artifact=reference, env={},
                                            config=team_config(standin), team="olivia"))
    finally:
        await runtime.stop()


async def test_cloud_releases_are_served_through_the_caddy_edge(
    tmp_path: Path, aci_standin: AciStandIn, tls_cloudrun: CloudRunStandIn
) -> None:
    def credential(values: Mapping[str, str]) -> Any:
        return FakeToken()

    settings = Settings(data_dir=tmp_path / "aci", health_timeout_seconds=10)
    install_keyring(load_keyring(settings.data_dir))  # the runtimes seal their placements
    runtime = AciRuntime(settings, credential=credential)
    endpoints = []
    try:
        for release_id in ("r1", "r2"):
            reference = await runtime.publish(
                artifact(release_id, standin_image(f"v-{release_id}"), frozenset()))
            endpoints.append(await runtime.deploy(Release(
                id=release_id, project="shop", artifact=reference, env={},
                config=team(aci_standin))))
    finally:
        await runtime.stop()
    front = f"127.0.0.1:{aci_standin.frontend_port}"
    resolve = ",".join(f"{urlsplit(endpoint.url).hostname}={front}" for endpoint in endpoints)
    run = await cloud_run_release(tmp_path, tls_cloudrun)
    assert run.url.startswith("https://")
    resolve += f",{urlsplit(run.url).hostname}=127.0.0.1:{tls_cloudrun.frontend_port}"
    settings = Settings(data_dir=tmp_path / "data", edge_port=free_port(),
                        edge_https_port=free_port(),
                        plugin_settings={"AUTOSTACK_EDGE_RESOLVE": resolve})
    settings.ensure_dirs()
    edge = LocalEdge(Edge(settings))
    await edge.start()
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{settings.edge_port}",
                                     timeout=10) as http:
            await edge.bind(HOST, [WeightedEndpoint(endpoints[0])])
            answer = await http.get("/about", headers={"Host": HOST})
            assert answer.status_code == 200 and answer.text.startswith("server v-r1 /about")

            await edge.bind(HOST, [WeightedEndpoint(endpoints[0], 50),
                                   WeightedEndpoint(endpoints[1], 50)])
            seen = Counter()
            for _ in range(40):
                http.cookies.clear()  # a new visitor each time: the split picks per visitor
                seen[(await http.get("/", headers={"Host": HOST})).text.split()[1]] += 1
            assert set(seen) == {"v-r1", "v-r2"}, seen

            await edge.bind(HOST, [WeightedEndpoint(endpoints[1])])  # promote: a link move
            assert (await http.get("/", headers={"Host": HOST})).text.startswith("server v-r2")

            # Cloud Run over HTTPS: the revision's host as SNI and Host, its certificate checked.
            await edge.bind(HOST, [WeightedEndpoint(run)])
            answer = await http.get("/run", headers={"Host": HOST})
            assert answer.status_code == 200 and answer.text.startswith("server v-r3 /run")
    finally:
        await edge.stop()
