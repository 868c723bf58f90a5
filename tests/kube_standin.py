"""A stateful Kubernetes API stand-in on the loopback: no cluster can run here.

No kube-apiserver, kubelet or ingress controller can be installed on these
machines (``/work/shared/FACTS.md``), so the ``kubernetes`` runtime's tests talk
to this HTTP server with the official ``kubernetes`` client. It keeps objects
by kind, namespace and name and answers the paths the runtime uses:

* ``PATCH`` with ``application/apply-patch+yaml`` and a ``fieldManager``
  (server-side apply; anything else is 415/400), the body validated strictly
  against the Kubernetes schemas (422, as ``fieldValidation=Strict``), in an
  existing namespace (404 otherwise); ``generation`` grows when a ``spec``
  changes, ``resourceVersion`` at every write; a Secret's ``stringData`` becomes
  ``data``;
* ``GET`` of one object or a list (``labelSelector`` ``key=value``), ``DELETE``
  (a Namespace takes its objects, a Deployment its pods);
* ``GET .../pods/NAME/log`` with ``timestamps``, ``sinceSeconds`` and ``follow``;
* ``GET .../pods/NAME/exec`` (the websocket ``kubectl exec`` uses) in a StatefulSet's
  pod, played by bubblewrap on this host (:mod:`tests.kube_standin_exec`).

It plays the kubelet's image pull for the registries in :attr:`pulls_from` (real
registries the test started): a pod is ready only when the manifest of its
image can be fetched from there, with no login or with one of the
``kubernetes.io/dockerconfigjson`` Secrets its ``imagePullSecrets`` name, as the
kubelet tries them; otherwise it waits in ``ImagePullBackOff`` and the rollout
does not complete. Images of other registries are taken as pulled.

It plays the Deployment controller: a Deployment's rollout completes at once
(``rollouts = "complete"``), stays progressing (``"hold"``, then
:meth:`finish`) or fails (``"fail"``: ``ProgressDeadlineExceeded``), and an
HPA raises its Deployment to ``minReplicas``. Pods run nothing: each plays the
conformance suite's image app (:class:`EchoApp`). :attr:`ingress_port` plays
ingress-nginx: it routes a request by its ``Host`` to the Ingress objects'
Services, splitting by the canary weight and answering redirects.

Import the ``kube_standin`` fixture into a test module to get a started one;
:func:`standin_image` is a build output whose image its pods can "run".
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import threading
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import kubernetes_validate
import pytest
import yaml

from tests.conftest import free_port
from tests.kube_standin_http import Server, api_handler, ingress_handler, status_body

VERSION = "1.33.0"
NGINX = "nginx.ingress.kubernetes.io/"
MANIFEST_TYPES = ("application/vnd.oci.image.manifest.v1+json, "
                  "application/vnd.docker.distribution.manifest.v2+json")
Key = tuple[str, str, str]  # kind, namespace ("" for a Namespace), name


class EchoApp:
    """What a pod of image ``…/<marker>@sha256:…`` does: the suite's image app."""

    @staticmethod
    def marker(image: str) -> str:
        return image.split("@", 1)[0].rsplit("/", 1)[-1].split(":", 1)[0]

    def started(self, image: str) -> str:
        return f"conformance server {self.marker(image)} started"

    def answer(self, image: str, path: str) -> tuple[int, str]:
        return 200, f"server {self.marker(image)} {path}"


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class KubeStandIn:
    def __init__(self, token: str = "standin-token") -> None:
        self.token = token
        self.objects: dict[Key, dict[str, Any]] = {}
        self.logs: dict[tuple[str, str], list[tuple[datetime, str]]] = {}
        self.changed = threading.Condition()
        self.rollouts = "complete"
        self.app = EchoApp()
        self.requests: list[tuple[str, str, str]] = []
        """(method, path?query, content type) of every API request, for tests to check."""
        self.verify: Callable[[str], bool] | None = None
        """Checks a bearer token instead of :attr:`token` (EKS's authenticator, in tests)."""
        self.volumes: dict[tuple[str, str], Path] = {}
        """(namespace, claim) -> the host folder an exec's pod stand-in mounts for the claim
        (:mod:`tests.kube_standin_exec`)."""
        self.pulls_from: set[str] = set()
        """Registry hosts (``127.0.0.1:port``) whose images pods really pull (manifests)."""
        self._turns: dict[str, list[int]] = {}
        self.api = Server(("127.0.0.1", free_port()), api_handler(self))
        self.ingress = Server(("127.0.0.1", free_port()), ingress_handler(self))

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.api.server_address[1]}"

    @property
    def ingress_port(self) -> int:
        return int(self.ingress.server_address[1])

    def start(self) -> None:
        for server in (self.api, self.ingress):
            threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()

    def stop(self) -> None:
        with self.changed:
            self.rollouts = "stopped"
            self.changed.notify_all()
        for server in (self.api, self.ingress):
            server.shutdown()
            server.server_close()

    def kubeconfig(self, folder: Path) -> Path:
        path = folder / "kubeconfig"
        path.write_text(yaml.safe_dump({
            "apiVersion": "v1", "kind": "Config", "current-context": "standin",
            "clusters": [{"name": "standin", "cluster": {"server": self.url}}],
            "users": [{"name": "standin", "user": {"token": self.token}}],
            "contexts": [{"name": "standin",
                          "context": {"cluster": "standin", "user": "standin"}}]}))
        return path

    def get(self, kind: str, namespace: str, name: str) -> dict[str, Any] | None:
        with self.changed:
            found = self.objects.get((kind, namespace, name))
            return copy.deepcopy(found) if found else None

    def of_kind(self, kind: str, namespace: str) -> list[dict[str, Any]]:
        with self.changed:
            return [copy.deepcopy(item) for (k, ns, _), item in sorted(self.objects.items())
                    if k == kind and namespace in (ns, "*")]

    # -- the API -----------------------------------------------------------------

    def apply(self, key: Key, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        kind, namespace, name = key
        if body.get("kind") != kind or body.get("metadata", {}).get("name") != name \
                or body["metadata"].get("namespace", namespace) != namespace:
            return 400, status_body(400, "BadRequest", "the body's kind, name or namespace does "
                                "not match the path")
        try:
            kubernetes_validate.validate(body, VERSION, strict=True)
        except kubernetes_validate.ValidationError as invalid:
            return 422, status_body(422, "Invalid", f"{kind} {name}: {invalid.message}")
        with self.changed:
            if namespace and ("Namespace", "", namespace) not in self.objects:
                return 404, status_body(404, "NotFound", f'namespaces "{namespace}" not found')
            old = self.objects.get(key)
            stored = copy.deepcopy(body)
            meta = stored["metadata"]
            meta.update(uid=(old or {}).get("metadata", {}).get("uid", str(uuid.uuid4())),
                        creationTimestamp=(old or body)["metadata"].get("creationTimestamp",
                                                                         _now()),
                        resourceVersion=str(len(self.requests)))
            generation = (old or {}).get("metadata", {}).get("generation", 0)
            changed = old is None or old.get("spec") != stored.get("spec")
            meta["generation"] = generation + 1 if changed else generation
            if kind == "Secret" and "stringData" in stored:
                stored["data"] = {k: base64.b64encode(v.encode()).decode()
                                  for k, v in stored.pop("stringData").items()}
            if kind == "Deployment":
                stored["spec"].setdefault("replicas", (old or {}).get("spec", {})
                                          .get("replicas", 1))
                stored["status"] = (old or {}).get("status", {})
            self.objects[key] = stored
            if kind == "HorizontalPodAutoscaler":
                self._autoscale(namespace, stored["spec"])
            if kind == "Deployment" and changed:
                self._reconcile(namespace, name, self.rollouts)
            self.changed.notify_all()
            return (201 if old is None else 200), copy.deepcopy(self.objects[key])

    def delete(self, key: Key) -> bool:
        kind, namespace, name = key
        with self.changed:
            found = self.objects.pop(key, None)
            if found is None:
                return False
            if kind == "Namespace":
                for other in [k for k in self.objects if k[1] == name]:
                    del self.objects[other]
            if kind == "Deployment":
                self._set_pods(namespace, found, 0, ready=False)
            self.changed.notify_all()
            return True

    # -- the Deployment controller ------------------------------------------------

    def _autoscale(self, namespace: str, spec: dict[str, Any]) -> None:
        key = ("Deployment", namespace, spec["scaleTargetRef"]["name"])
        target = self.objects.get(key)
        if target is not None:
            wanted = min(max(target["spec"]["replicas"], spec["minReplicas"]),
                         spec["maxReplicas"])
            if wanted != target["spec"]["replicas"]:
                target["spec"]["replicas"] = wanted
                self._reconcile(namespace, key[2], self.rollouts)

    def finish(self, namespace: str, name: str) -> None:
        with self.changed:
            self._reconcile(namespace, name, "complete")
            self.changed.notify_all()

    def fail(self, namespace: str, name: str) -> None:
        with self.changed:
            self._reconcile(namespace, name, "fail")
            self.changed.notify_all()

    def _reconcile(self, namespace: str, name: str, how: str) -> None:
        deployment = self.objects[("Deployment", namespace, name)]
        replicas = deployment["spec"]["replicas"]
        pull_error = self._pull_error(namespace, deployment["spec"]["template"])
        ready = how == "complete" and pull_error is None
        self._set_pods(namespace, deployment, replicas, ready, pull_error)
        progressing = {"type": "Progressing", "status": "True",
                       "reason": "NewReplicaSetAvailable" if ready else "ReplicaSetUpdated",
                       "message": f'ReplicaSet "{name}" is progressing.'}
        if how == "fail":
            progressing.update(status="False", reason="ProgressDeadlineExceeded",
                               message=f'ReplicaSet "{name}" has timed out progressing.')
        deployment["status"] = {
            "observedGeneration": deployment["metadata"]["generation"], "replicas": replicas,
            "updatedReplicas": replicas, "readyReplicas": replicas if ready else 0,
            "availableReplicas": replicas if ready else 0,
            "conditions": [progressing, {
                "type": "Available", "status": "True" if ready or not replicas else "False",
                "reason": "MinimumReplicasAvailable" if ready else "MinimumReplicasUnavailable",
                "message": "Deployment has minimum availability." if ready else
                "Deployment does not have minimum availability."}]}

    def _pull_error(self, namespace: str, template: dict[str, Any]) -> str | None:
        """Why the kubelet could not pull the template's image (None: pulled)."""
        image = template["spec"]["containers"][0]["image"]
        host, _, rest = image.partition("/")
        if host not in self.pulls_from:
            return None
        repository, _, digest = rest.partition("@")
        logins: list[tuple[str, str] | None] = [None]
        for entry in template["spec"].get("imagePullSecrets", []):
            secret = self.objects.get(("Secret", namespace, entry["name"])) or {}
            if secret.get("type") == "kubernetes.io/dockerconfigjson":
                config = json.loads(base64.b64decode(secret["data"][".dockerconfigjson"]))
                auth = config.get("auths", {}).get(host, {}).get("auth")
                if auth:
                    user, _, password = base64.b64decode(auth).decode().partition(":")
                    logins.append((user, password))
        codes = []
        for login in logins:
            answer = httpx.get(f"http://{host}/v2/{repository}/manifests/{digest}", auth=login,
                               headers={"Accept": MANIFEST_TYPES}, timeout=10)
            if answer.status_code == 200:
                return None
            codes.append(answer.status_code)
        return f"Failed to pull image \"{image}\": {host} answered {codes}"

    def _set_pods(self, namespace: str, deployment: dict[str, Any], replicas: int,
                  ready: bool, pull_error: str | None = None) -> None:
        """Pods of the Deployment's current generation, ``replicas`` of them."""
        name = deployment["metadata"]["name"]
        template = deployment["spec"]["template"]
        prefix = f"{name}-{deployment['metadata']['generation']}-"
        for key in [k for k in self.objects if k[0] == "Pod" and k[1] == namespace
                    and k[2].startswith(f"{name}-")]:
            index = key[2].removeprefix(prefix)
            if not key[2].startswith(prefix) or int(index) >= replicas:
                del self.objects[key]
        image = template["spec"]["containers"][0]["image"]
        for index in range(replicas):
            pod = f"{prefix}{index}"
            if ("Pod", namespace, pod) not in self.objects and not pull_error:
                self.write_log(namespace, pod, self.app.started(image))
            started = self.objects.get(("Pod", namespace, pod), {}).get("status", {}) \
                .get("startTime") or _now()
            self.objects[("Pod", namespace, pod)] = {
                "apiVersion": "v1", "kind": "Pod",
                "metadata": {"name": pod, "namespace": namespace, "uid": str(uuid.uuid4()),
                             "labels": dict(template["metadata"]["labels"]),
                             "creationTimestamp": _now()},
                "spec": {"containers": [{"name": "app", "image": image, "resources":
                                         template["spec"]["containers"][0].get("resources", {})}]},
                "status": {"phase": "Pending" if pull_error else "Running",
                           "startTime": started, "conditions": [
                               {"type": "Ready", "status": "True" if ready else "False"}],
                           **({"containerStatuses": [{
                               "name": "app", "ready": False, "image": image, "imageID": "",
                               "restartCount": 0, "state": {
                               "waiting": {"reason": "ImagePullBackOff",
                                           "message": pull_error}}}]} if pull_error else {})}}

    def write_log(self, namespace: str, pod: str, text: str) -> None:
        with self.changed:
            self.logs.setdefault((namespace, pod), []).append((datetime.now(UTC), text))
            self.changed.notify_all()

    # -- ingress-nginx ---------------------------------------------------------------

    def route(self, host: str, path: str) -> tuple[int, dict[str, str], str]:
        with self.changed:
            ingresses = [item for (kind, _, _), item in sorted(self.objects.items())
                         if kind == "Ingress" and any(rule.get("host") == host
                                                      for rule in item["spec"]["rules"])]
            primary = [i for i in ingresses if NGINX + "canary" not in
                       i["metadata"].get("annotations", {})]
            if not primary:
                return 404, {}, "default backend - 404"
            notes = primary[0]["metadata"].get("annotations", {})
            if NGINX + "permanent-redirect" in notes:
                location = notes[NGINX + "permanent-redirect"] \
                    .replace("$scheme", "http").replace("$request_uri", path)
                return int(notes.get(NGINX + "permanent-redirect-code", "301")), \
                    {"Location": location}, ""
            chosen = primary[0]
            canary = next((i for i in ingresses if i not in primary), None)
            if canary is not None:
                weight = int(canary["metadata"]["annotations"][NGINX + "canary-weight"])
                total = int(canary["metadata"]["annotations"].get(
                    NGINX + "canary-weight-total", "100"))
                if self._pick(host, [total - weight, weight]) == 1:
                    chosen = canary
            namespace = chosen["metadata"]["namespace"]
            backend = chosen["spec"]["rules"][0]["http"]["paths"][0]["backend"]
            service = self.objects.get(("Service", namespace, backend["service"]["name"]))
            selector = (service or {}).get("spec", {}).get("selector", {})
            pods = [pod for (kind, ns, _), pod in sorted(self.objects.items())
                    if kind == "Pod" and ns == namespace and selector and all(
                        pod["metadata"]["labels"].get(k) == v for k, v in selector.items())
                    and pod["status"]["conditions"][0]["status"] == "True"]
            if not pods:
                return 503, {}, "503 Service Temporarily Unavailable"
            pod = pods[len(self.requests) % len(pods)]
        self.write_log(namespace, pod["metadata"]["name"], f"GET {path}")
        status, body = self.app.answer(pod["spec"]["containers"][0]["image"], path)
        return status, {"Content-Type": "text/plain"}, body

    def _pick(self, host: str, weights: list[int]) -> int:
        """Smooth weighted round-robin: exact ratios, as the conformance suite counts them."""
        turns = self._turns.setdefault(host, [0] * len(weights))
        for index, weight in enumerate(weights):
            turns[index] += weight
        chosen = max(range(len(weights)), key=lambda index: turns[index])
        turns[chosen] -= sum(weights)
        return chosen


@pytest.fixture
def kube_standin() -> Iterator[KubeStandIn]:
    standin = KubeStandIn()
    standin.start()
    yield standin
    standin.stop()


def standin_image(marker: str) -> dict[str, bytes]:
    """The build output of an image named after ``marker`` (what the stand-in's pods answer)."""
    digest = "sha256:" + hashlib.sha256(marker.encode()).hexdigest()
    return {"image.json": json.dumps({
        "format": "registry", "repository": f"registry.test/conformance/{marker}",
        "tag": "t1", "digest": digest,
        "reference": f"registry.test/conformance/{marker}@{digest}"}).encode()}
