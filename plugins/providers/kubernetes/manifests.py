"""The Kubernetes objects of a release and of a hostname, validated before they are applied.

Every manifest is a plain dict, checked with ``kubernetes-validate`` in strict
mode (an unknown field is an error, as the API server's ``fieldValidation=Strict``)
against :data:`KUBERNETES_VERSION`'s schemas before anything is sent.

A release ``<id>`` of a team's project is, in the team's namespace:

* a ``Secret`` ``<id>-env`` with its environment variables;
* a ``Deployment`` ``<id>``: the image (pulled through the namespace's
  ``imagePullSecrets`` when the runtime has a registry login), ``PORT`` and the Secret as its
  environment, a readiness probe on ``/`` (the health check: any answer below
  400 is ready, as kubelet's HTTP probe counts), a rolling update with
  ``maxUnavailable: 0``, CPU and memory requests and limits;
* a ``Service`` ``<id>`` in front of its pods (port 80 -> the app's ``PORT``);
* a ``HorizontalPodAutoscaler`` ``<id>`` when the scale policy allows a range
  (``min_replicas`` >= 1 < ``max_replicas``); the Deployment then leaves its
  replica count to it. ``min_replicas`` 0 is scale to zero: replicas 0, no HPA.

A hostname is one or two ``Ingress`` objects (ingress-nginx's canary
annotations carry the weight; see ``docs/providers/kubernetes.md`` for why
Ingress and not Gateway API).
"""

from __future__ import annotations

import hashlib
from typing import Any

from autostack_core.interfaces.runtime import ScalePolicy

KUBERNETES_VERSION = "1.33.0"
"""The Kubernetes version whose schemas every manifest must match (EKS standard support)."""
APP_PORT = 8080
"""The port the app listens on in its container (``$PORT``)."""
SERVICE_PORT = 80
RELEASE_LABEL = "autostack.dev/release"
HOST_LABEL = "autostack.dev/hostname"
MANAGED = {"app.kubernetes.io/managed-by": "autostack"}
CPU_TARGET_PERCENT = 70
NGINX = "nginx.ingress.kubernetes.io/"

Manifest = dict[str, Any]


class ManifestError(ValueError):
    """A manifest does not match the Kubernetes schema; the message names the field."""


def validate(manifest: Manifest) -> Manifest:
    """``manifest`` itself when it matches its kind's schema strictly, else ManifestError."""
    import kubernetes_validate  # 0.4 s: imported when the first release is deployed
    try:
        kubernetes_validate.validate(manifest, KUBERNETES_VERSION, strict=True)
    except kubernetes_validate.ValidationError as invalid:
        where = ".".join(str(part) for part in invalid.path) or "(top)"
        raise ManifestError(f"{manifest['kind']} {manifest['metadata'].get('name')}: "
                            f"{where}: {invalid.message}") from None
    except kubernetes_validate.SchemaNotFoundError as unknown:
        raise ManifestError(f"no schema for {manifest['kind']} {manifest['apiVersion']} "
                            f"in Kubernetes {KUBERNETES_VERSION}: {unknown}") from None
    return manifest


def _metadata(name: str, namespace: str | None, labels: dict[str, str] | None = None,
              annotations: dict[str, str] | None = None) -> dict[str, Any]:
    metadata: dict[str, Any] = {"name": name, "labels": {**MANAGED, **(labels or {})}}
    if namespace is not None:
        metadata["namespace"] = namespace
    if annotations:
        metadata["annotations"] = annotations
    return metadata


def namespace(name: str) -> Manifest:
    return validate({"apiVersion": "v1", "kind": "Namespace", "metadata": _metadata(name, None)})


def env_secret(release_id: str, ns: str, env: dict[str, str]) -> Manifest:
    return validate({"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
                     "metadata": _metadata(f"{release_id}-env", ns, {RELEASE_LABEL: release_id}),
                     "stringData": dict(env)})


def deployment(release_id: str, ns: str, image: str, policy: ScalePolicy, *,
               memory_mb: int, cpus: float, pull_secret: str | None = None) -> Manifest:
    labels = {RELEASE_LABEL: release_id}
    resources = {"cpu": f"{round(cpus * 1000)}m", "memory": f"{memory_mb}Mi"}
    container = {
        "name": "app", "image": image,
        "ports": [{"name": "http", "containerPort": APP_PORT}],
        "env": [{"name": "PORT", "value": str(APP_PORT)}],
        "envFrom": [{"secretRef": {"name": f"{release_id}-env"}}],
        "readinessProbe": {"httpGet": {"path": "/", "port": "http"},
                           "periodSeconds": 2, "failureThreshold": 3},
        "resources": {"requests": resources, "limits": resources},
        "securityContext": {"allowPrivilegeEscalation": False},
    }
    spec: dict[str, Any] = {
        "selector": {"matchLabels": labels},
        "strategy": {"type": "RollingUpdate",
                     "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 1}},
        "progressDeadlineSeconds": 300,
        "template": {"metadata": {"labels": {**MANAGED, **labels}},
                     "spec": {"containers": [container],
                              "automountServiceAccountToken": False,
                              **pull_secrets(pull_secret)}},
    }
    if not autoscaled(policy):
        spec["replicas"] = replicas(policy)
    return validate({"apiVersion": "apps/v1", "kind": "Deployment",
                     "metadata": _metadata(release_id, ns, labels), "spec": spec})


def pull_secrets(name: str | None) -> dict[str, Any]:
    """A pod spec's ``imagePullSecrets`` naming the Secret ``name``; nothing without one."""
    return {"imagePullSecrets": [{"name": name}]} if name else {}


def replicas(policy: ScalePolicy) -> int:
    """The fixed replica count: 0 for scale to zero, else ``max_replicas`` (at least 1)."""
    return 0 if policy.scale_to_zero else max(policy.max_replicas, 1)


def autoscaled(policy: ScalePolicy) -> bool:
    return 1 <= policy.min_replicas < policy.max_replicas


def service(release_id: str, ns: str) -> Manifest:
    return validate({"apiVersion": "v1", "kind": "Service",
                     "metadata": _metadata(release_id, ns, {RELEASE_LABEL: release_id}),
                     "spec": {"selector": {RELEASE_LABEL: release_id},
                              "ports": [{"name": "http", "port": SERVICE_PORT,
                                         "targetPort": "http"}]}})


def autoscaler(release_id: str, ns: str, policy: ScalePolicy) -> Manifest:
    return validate({
        "apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
        "metadata": _metadata(release_id, ns, {RELEASE_LABEL: release_id}),
        "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment",
                                    "name": release_id},
                 "minReplicas": policy.min_replicas, "maxReplicas": policy.max_replicas,
                 "metrics": [{"type": "Resource", "resource": {
                     "name": "cpu", "target": {"type": "Utilization",
                                               "averageUtilization": CPU_TARGET_PERCENT}}}]},
    })


def ingress_name(hostname: str, canary: bool = False) -> str:
    digest = hashlib.sha256(hostname.encode()).hexdigest()[:16]
    return f"host-{digest}" + ("-canary" if canary else "")


def ingress(hostname: str, ns: str, ingress_class: str, service_name: str, *,
            canary_weight: tuple[int, int] | None = None,
            redirect: tuple[str, int] | None = None) -> Manifest:
    """The Ingress of ``hostname`` to ``service_name``; with ``canary_weight`` (weight,
    total) the canary one taking that share; with ``redirect`` (target, status) one
    answering every request with a redirect to the hostname ``target``."""
    annotations: dict[str, str] = {}
    if canary_weight is not None:
        annotations = {NGINX + "canary": "true", NGINX + "canary-weight": str(canary_weight[0]),
                       NGINX + "canary-weight-total": str(canary_weight[1])}
    if redirect is not None:
        annotations = {NGINX + "permanent-redirect": f"$scheme://{redirect[0]}$request_uri",
                       NGINX + "permanent-redirect-code": str(redirect[1])}
    backend = {"service": {"name": service_name, "port": {"number": SERVICE_PORT}}}
    return validate({
        "apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
        "metadata": _metadata(ingress_name(hostname, canary_weight is not None), ns,
                              {HOST_LABEL: ingress_name(hostname)},
                              {**annotations, "autostack.dev/hostname": hostname}),
        "spec": {"ingressClassName": ingress_class,
                 "rules": [{"host": hostname, "http": {"paths": [
                     {"path": "/", "pathType": "Prefix", "backend": backend}]}}]},
    })
