"""One Kubernetes cluster, spoken to with the official ``kubernetes`` client.

Objects are written with server-side apply (``PATCH`` with
``application/apply-patch+yaml``, ``fieldManager=autostack``, ``force``: AutoStack
owns the fields it sets) through the client's typed APIs, read and deleted by
kind, and returned as plain dicts. The client is synchronous: the runtime calls
these methods in a thread.
"""

from __future__ import annotations

import re
import time
from typing import Any, BinaryIO

import yaml
from kubernetes import client, config
from kubernetes.client.exceptions import ApiException

from autostack_plugins.providers.kubernetes.clusters import ClusterError
from autostack_plugins.providers.kubernetes.manifests import RELEASE_LABEL, Manifest

FIELD_MANAGER = "autostack"
EXEC_SECONDS = 3600.0
"""The longest an exec (a database's backup or restore) may run."""
EXEC_CHUNK = 64 * 1024
APPLY = "application/apply-patch+yaml"

# kind -> (API class, method suffix, namespaced)
KINDS: dict[str, tuple[type[Any], str, bool]] = {
    "Namespace": (client.CoreV1Api, "namespace", False),
    "Secret": (client.CoreV1Api, "namespaced_secret", True),
    "Service": (client.CoreV1Api, "namespaced_service", True),
    "Deployment": (client.AppsV1Api, "namespaced_deployment", True),
    "StatefulSet": (client.AppsV1Api, "namespaced_stateful_set", True),
    "PersistentVolumeClaim": (client.CoreV1Api, "namespaced_persistent_volume_claim", True),
    "HorizontalPodAutoscaler": (client.AutoscalingV2Api,
                                "namespaced_horizontal_pod_autoscaler", True),
    "Ingress": (client.NetworkingV1Api, "namespaced_ingress", True),
}


def configuration(settings: dict[str, str]) -> client.Configuration:
    """The client configuration the ``kubernetes`` runtime's fields name.

    ``kubeconfig``: a kubeconfig file's path on the server, or its YAML (with
    ``context``, else its current context); ``in_cluster`` = ``true``: the service
    account of the pod AutoStack runs in.
    """
    conf = client.Configuration()
    source = settings.get("kubeconfig", "").strip()
    context = settings.get("context") or None
    if settings.get("in_cluster", "").lower() in ("1", "true", "yes"):
        config.load_incluster_config(client_configuration=conf)  # type: ignore[no-untyped-call]
    elif "\n" in source or source.startswith("apiVersion"):
        config.load_kube_config_from_dict(  # type: ignore[no-untyped-call]
            yaml.safe_load(source), context=context, client_configuration=conf,
            persist_config=False)
    elif source:
        config.load_kube_config(  # type: ignore[no-untyped-call]
            config_file=source, context=context, client_configuration=conf,
            persist_config=False)
    else:
        raise ClusterError("no cluster configured: set the kubernetes runtime's `kubeconfig` "
                           "(a path or the file's YAML) or `in_cluster` = true")
    return conf


class Cluster:
    """Apply, read, delete and list objects; read pod logs."""

    def __init__(self, conf: client.Configuration) -> None:
        self.api = client.ApiClient(conf)
        self.host = str(conf.host)

    def _call(self, verb: str, kind: str, namespace: str | None, name: str,
              **arguments: Any) -> Any:
        api_class, suffix, namespaced = KINDS[kind]
        method = getattr(api_class(self.api), f"{verb}_{suffix}")
        where = (name, namespace) if namespaced else (name,)
        try:
            return method(*where, **arguments)
        except ApiException as failed:
            if failed.status == 404 and verb in ("read", "delete"):
                return None
            raise ClusterError(f"{verb} {kind} {namespace or ''}/{name} on {self.host}: "
                               f"{failed.status} {_reason(failed)}") from None

    def apply(self, manifest: Manifest) -> dict[str, Any]:
        """Server-side apply ``manifest``; the object as the cluster has it now."""
        metadata = manifest["metadata"]
        applied = self._call("patch", manifest["kind"], metadata.get("namespace"),
                             metadata["name"], body=manifest, field_manager=FIELD_MANAGER,
                             force=True, _content_type=APPLY)
        return self.plain(applied)

    def read(self, kind: str, namespace: str | None, name: str) -> dict[str, Any] | None:
        found = self._call("read", kind, namespace, name)
        return None if found is None else self.plain(found)

    def delete(self, kind: str, namespace: str | None, name: str) -> None:
        """Delete the object (its dependents in the background); absent is fine."""
        # Unread: the API answers a Status or the deleted object, depending on the kind.
        self._call("delete", kind, namespace, name, propagation_policy="Background",
                   _preload_content=False)

    def plain(self, model: Any) -> dict[str, Any]:
        result: dict[str, Any] = self.api.sanitize_for_serialization(  # type: ignore[no-untyped-call]
            model)
        return result

    def ingresses(self, label: str) -> list[dict[str, Any]]:
        """The Ingress objects with ``label`` (``key=value``) in every namespace."""
        found = client.NetworkingV1Api(self.api).list_ingress_for_all_namespaces(
            label_selector=label)
        return [self.plain(item) for item in found.items]

    def pods(self, namespace: str, release_id: str) -> list[dict[str, Any]]:
        """The release's pods, oldest first."""
        try:
            found = client.CoreV1Api(self.api).list_namespaced_pod(
                namespace, label_selector=f"{RELEASE_LABEL}={release_id}")
        except ApiException as failed:
            if failed.status == 404:
                return []
            raise ClusterError(f"list pods of {release_id}: {failed.status} "
                               f"{_reason(failed)}") from None
        pods = [self.plain(item) for item in found.items]
        return sorted(pods, key=lambda pod: pod["metadata"].get("creationTimestamp", ""))

    def log(self, namespace: str, pod: str, since_seconds: int | None) -> str:
        """The pod's log with timestamps (``since_seconds`` ago at the earliest)."""
        text: str = client.CoreV1Api(self.api).read_namespaced_pod_log(
            pod, namespace, timestamps=True, since_seconds=since_seconds)
        return text

    def log_stream(self, namespace: str, pod: str, since_seconds: int | None) -> Any:
        """The pod's followed log (timestamps on), an open urllib3 response: read it with
        ``read1()``; ``shutdown()`` ends it from another thread."""
        return client.CoreV1Api(self.api).read_namespaced_pod_log(
            pod, namespace, timestamps=True, follow=True, since_seconds=since_seconds,
            _preload_content=False)

    def exec(self, namespace: str, pod: str, container: str, command: list[str],
             output: BinaryIO | None = None, source: BinaryIO | None = None,
             timeout: float = EXEC_SECONDS) -> None:
        """Run ``command`` in the pod's container (``kubectl exec``: the ``pods/exec``
        websocket, binary): ``source`` on its standard input, its standard output into
        ``output``; ClusterError with its standard error when it exits non-zero."""
        from kubernetes.stream import stream

        # stream() swaps its ApiClient's request method while it runs: a client of its own.
        api = client.ApiClient(self.api.configuration)
        try:
            session = stream(client.CoreV1Api(api).connect_get_namespaced_pod_exec, pod,
                             namespace, container=container, command=command,
                             stdin=source is not None, stdout=True, stderr=True, tty=False,
                             binary=True, _preload_content=False)
        except ApiException as failed:
            raise ClusterError(f"exec in pod {namespace}/{pod} on {self.host}: "
                               f"{failed.status} {_reason(failed)}") from None
        errors = bytearray()
        deadline = time.monotonic() + timeout
        try:
            while source is not None and (chunk := source.read(EXEC_CHUNK)):
                session.write_stdin(chunk)
            while session.is_open() and time.monotonic() < deadline:
                session.update(timeout=1)
                if output is not None and session.peek_stdout():
                    output.write(session.read_stdout())
                if session.peek_stderr():
                    errors += session.read_stderr()
            if session.is_open():
                raise ClusterError(f"exec in pod {namespace}/{pod} took longer than "
                                   f"{timeout:g} s")
            if output is not None:
                output.write(session.read_stdout())
            errors += session.read_stderr()
            code = session.returncode
        finally:
            session.close()
            if session.sock is not None:  # close() skips it when the server closed first
                session.sock.shutdown()
            api.close()  # type: ignore[no-untyped-call]
        if code != 0:
            tail = errors.decode(errors="replace").strip()[-1000:]
            raise ClusterError(f"exec in pod {namespace}/{pod} exited with {code}: "
                               f"{tail or 'no error output'}")

    def close(self) -> None:
        self.api.close()  # type: ignore[no-untyped-call]


def _reason(failed: ApiException) -> str:
    """The API server's ``Status`` message, else its reason phrase."""
    body = failed.body.decode() if isinstance(failed.body, bytes) else str(failed.body or "")
    found = re.search(r'"message":\s*"((?:[^"\\]|\\.)*)"', body)
    return found.group(1) if found else str(failed.reason)
