"""The Kubernetes objects of a one-click database run from its image, validated like a release's.

A database ``db-<id>`` of a team's project is, in the team's namespace (the one its
releases use):

* a ``Secret`` ``db-<id>`` with the image's secret variables (``POSTGRES_PASSWORD``)
  and files (``redis.conf``);
* a ``PersistentVolumeClaim`` ``db-<id>-data`` (``ReadWriteOnce``,
  :data:`VOLUME_SIZE`): the data outlives its pod and is deleted with the database;
* a ``StatefulSet`` ``db-<id>`` of one pod: the image with its arguments, the variables
  taken one by one from the Secret, the files mounted read-only at ``/etc/autostack``,
  the claim at the image's data path, a TCP readiness probe on its port, no service
  account token, no privilege escalation;
* a ``Service`` ``db-<id>`` (ClusterIP) on the same port: linked apps reach it at
  ``db-<id>.<namespace>.svc:<port>``, which is the host in their ``DATABASE_URL``.
"""

from __future__ import annotations

from typing import Any

from autostack_core.interfaces.services import IMAGE_CONFIG, ServiceImage
from autostack_plugins.providers.kubernetes.manifests import (
    Manifest,
    _metadata,
    pull_secrets,
    validate,
)

SERVICE_LABEL = "autostack.dev/service"
CONTAINER = "server"
"""The database's container in its pod (what a backup's exec names)."""
VOLUME_SIZE = "1Gi"
MEMORY = "512Mi"
"""Requests and limits of a database's pod (CPU requested, not limited)."""
CPU_REQUEST = "100m"


def objects(service_id: str, ns: str, image: ServiceImage,
            pull_secret: str | None = None) -> list[Manifest]:
    """The database's objects, in the order they are applied (``pull_secret``: the image
    pull Secret its pod names, if any)."""
    return [secret(service_id, ns, image), volume_claim(service_id, ns),
            stateful_set(service_id, ns, image, pull_secret), service(service_id, ns, image)]


def kinds_and_names(service_id: str) -> list[tuple[str, str]]:
    """What :func:`objects` creates, to delete the database (the claim last)."""
    return [("StatefulSet", service_id), ("Service", service_id), ("Secret", service_id),
            ("PersistentVolumeClaim", f"{service_id}-data")]


def _labels(service_id: str) -> dict[str, str]:
    return {SERVICE_LABEL: service_id}


def secret(service_id: str, ns: str, image: ServiceImage) -> Manifest:
    return validate({"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
                     "metadata": _metadata(service_id, ns, _labels(service_id)),
                     "stringData": {**image.env, **image.files}})


def volume_claim(service_id: str, ns: str) -> Manifest:
    return validate({"apiVersion": "v1", "kind": "PersistentVolumeClaim",
                     "metadata": _metadata(f"{service_id}-data", ns, _labels(service_id)),
                     "spec": {"accessModes": ["ReadWriteOnce"],
                              "resources": {"requests": {"storage": VOLUME_SIZE}}}})


def stateful_set(service_id: str, ns: str, image: ServiceImage,
                 pull_secret: str | None = None) -> Manifest:
    mounts: list[dict[str, Any]] = [{"name": "data", "mountPath": image.data_path}]
    volumes: list[dict[str, Any]] = [
        {"name": "data", "persistentVolumeClaim": {"claimName": f"{service_id}-data"}}]
    if image.files:
        mounts.append({"name": "config", "mountPath": IMAGE_CONFIG, "readOnly": True})
        volumes.append({"name": "config", "secret": {
            "secretName": service_id, "defaultMode": 0o444,
            "items": [{"key": name, "path": name} for name in sorted(image.files)]}})
    container = {
        "name": CONTAINER, "image": image.image, "args": list(image.args),
        "ports": [{"name": "db", "containerPort": image.port}],
        "env": [{"name": key, "valueFrom": {"secretKeyRef": {"name": service_id, "key": key}}}
                for key in sorted(image.env)],
        "volumeMounts": mounts,
        "readinessProbe": {"tcpSocket": {"port": "db"}, "periodSeconds": 2},
        "resources": {"requests": {"cpu": CPU_REQUEST, "memory": MEMORY},
                      "limits": {"memory": MEMORY}},
        "securityContext": {"allowPrivilegeEscalation": False},
    }
    return validate({
        "apiVersion": "apps/v1", "kind": "StatefulSet",
        "metadata": _metadata(service_id, ns, _labels(service_id)),
        "spec": {"replicas": 1, "serviceName": service_id,
                 "selector": {"matchLabels": _labels(service_id)},
                 "template": {"metadata": {"labels": _labels(service_id)},
                              "spec": {"containers": [container], "volumes": volumes,
                                       "automountServiceAccountToken": False,
                                       "terminationGracePeriodSeconds": 30,
                                       **pull_secrets(pull_secret)}}},
    })


def service(service_id: str, ns: str, image: ServiceImage) -> Manifest:
    return validate({"apiVersion": "v1", "kind": "Service",
                     "metadata": _metadata(service_id, ns, _labels(service_id)),
                     "spec": {"selector": _labels(service_id),
                              "ports": [{"name": "db", "port": image.port,
                                         "targetPort": "db"}]}})
