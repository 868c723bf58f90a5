"""The ``kubernetes`` runtime's image registry: where its builds push, and how pods pull.

A team (or the server, ``AUTOSTACK_KUBERNETES_REGISTRY``, ``..._USERNAME``,
``..._PASSWORD``) names a registry the cluster pulls from and its login
(:data:`REGISTRY_FIELDS`, the password sealed at rest like the kubeconfig).
A build of a project then pushes to ``<registry>/<project>`` with that login
(:func:`push_target`: the build writes it to a private auth file for
``buildah push``), and every release (and database) in the namespace pulls
through a ``kubernetes.io/dockerconfigjson`` Secret :data:`PULL_SECRET` holding
the same login (:func:`pull_secret`), which its pods name in
``imagePullSecrets``. Without a registry field the server's
``AUTOSTACK_REGISTRY`` is used as before, without a login and without a Secret.

The server's registry login is lent to its own cluster only: a team that brings
its own kubeconfig gets no server registry values (they would be written into
its cluster), as :meth:`KubernetesRuntime.merged <.runtime.KubernetesRuntime.merged>`
merges them.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Mapping

from autostack_core.interfaces import PushTarget
from autostack_core.interfaces.runtime import ConfigError, ConfigField
from autostack_plugins.providers.kubernetes.manifests import Manifest, _metadata, validate

PULL_SECRET = "autostack-registry"
"""The Secret of type ``kubernetes.io/dockerconfigjson`` in the namespace, named by every
Deployment and database StatefulSet there when a registry login is configured."""
REGISTRY = re.compile(r"^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[0-9]{1,5})?(/[a-z0-9._/-]+)?$")
"""``host[:port][/path]``, lower case, no scheme: what a push and an image reference name."""


def registry_host_url(value: str) -> list[str]:
    """The URL the server connects to when it pushes (:attr:`ConfigField.urls`, checked
    against the outbound policy like any team's URL)."""
    return [f"https://{value.strip().split('/', 1)[0]}/"]


REGISTRY_FIELDS = (
    ConfigField("registry", "Image registry the cluster pulls from, host[:port][/path] "
                "(default: the server's AUTOSTACK_REGISTRY)", required=False,
                urls=registry_host_url),
    ConfigField("registry_username", "Registry login user", required=False),
    ConfigField("registry_password", "Registry login password or token", secret=True,
                required=False),
)
REGISTRY_NAMES = frozenset(field.name for field in REGISTRY_FIELDS)


def check(config: Mapping[str, str]) -> None:
    """Refuse a registry that is no ``host[:port][/path]``, or half a login."""
    registry = config.get("registry", "").strip()
    if registry and not REGISTRY.match(registry):
        raise ConfigError("registry", "registry: give host[:port][/path] in lower case, "
                          "without a scheme (registry.example.com/team)")
    user, password = config.get("registry_username", ""), config.get("registry_password", "")
    if bool(user.strip()) != bool(password.strip()):
        missing = "registry_password" if user.strip() else "registry_username"
        raise ConfigError(missing, f"{missing}: a registry login needs both the user and "
                          "the password")
    if user.strip() and not registry:
        raise ConfigError("registry", "registry: a registry login needs the registry it is "
                          "for")


def push_target(config: Mapping[str, str], project: str) -> PushTarget | None:
    """``<registry>/<project>`` with its login; None when ``config`` names no registry."""
    registry = config.get("registry", "").strip().rstrip("/")
    if not registry:
        return None
    return PushTarget(repository=f"{registry}/{project}".lower(),
                      username=config.get("registry_username", "").strip(),
                      password=config.get("registry_password", "").strip())


def has_login(config: Mapping[str, str]) -> bool:
    return bool(config.get("registry", "").strip() and
                config.get("registry_username", "").strip())


def pull_secret(namespace: str, config: Mapping[str, str]) -> Manifest:
    """The namespace's ``kubernetes.io/dockerconfigjson`` Secret with ``config``'s login
    for the registry's host (as ``kubectl create secret docker-registry`` writes it)."""
    host = config["registry"].strip().split("/", 1)[0]
    user, password = config["registry_username"].strip(), config["registry_password"].strip()
    auth = base64.b64encode(f"{user}:{password}".encode()).decode()
    docker_config = {"auths": {host: {"username": user, "password": password, "auth": auth}}}
    return validate({"apiVersion": "v1", "kind": "Secret",
                     "type": "kubernetes.io/dockerconfigjson",
                     "metadata": _metadata(PULL_SECRET, namespace),
                     "stringData": {".dockerconfigjson": json.dumps(docker_config)}})
