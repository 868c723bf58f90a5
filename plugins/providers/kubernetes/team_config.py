"""What a team may put in the ``kubernetes`` and ``eks`` runtimes' fields.

The server's own settings (its environment: ``AUTOSTACK_KUBECONFIG``, ...) may
name a kubeconfig file, use the service account of AutoStack's pod, or run the
``exec`` credential plugin a kubeconfig names. A team's values may not: the
official client reads every file a kubeconfig names and runs its ``exec`` and
``auth-provider`` commands *on the server*, so a team's kubeconfig would read
the server's files (its keys, another team's credentials) or run a command
there. A team gives the kubeconfig's YAML with inline credentials only, which
:func:`check` enforces with an allowlist of keys (anything the client might
treat as a path or a command is refused, named, rather than guessed at).

On the server's own cluster (a team that brings no kubeconfig, or no EKS key)
each team has its own namespace, ``<namespace>-<team>``: a team may not pick
another's namespace, nor a context of the server's kubeconfig.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import yaml

from autostack_core.interfaces.runtime import ConfigError

TOP_LEVEL = frozenset(
    {"apiVersion", "kind", "clusters", "contexts", "users", "current-context", "preferences"}
)
ALLOWED = {
    "clusters": (
        "cluster",
        frozenset(
            {"server", "certificate-authority-data", "insecure-skip-tls-verify", "tls-server-name"}
        ),
    ),
    "users": ("user", frozenset({"token", "client-certificate-data", "client-key-data"})),
    "contexts": ("context", frozenset({"cluster", "user", "namespace"})),
}
"""Per list: the entry's inner key and the keys allowed in it (inline data only)."""
WHY = {
    "exec": "runs a command on the server",
    "auth-provider": "runs its provider's command or reads its files on the server",
    "tokenFile": "reads a file on the server",
    "client-certificate": "reads a file on the server",
    "client-key": "reads a file on the server",
    "certificate-authority": "reads a file on the server",
}
INLINE = (
    "inline data only (server, certificate-authority-data, token, client-certificate-data, "
    "client-key-data)"
)
OWN_CLUSTER_FIELDS = ("context", "namespace")
"""Fields that only make sense with the team's own cluster (its kubeconfig or EKS key)."""
MAX_KUBECONFIG = 64 * 1024


def kubeconfig_servers(text: str) -> list[str]:
    """The ``server`` URLs of a kubeconfig's clusters (:attr:`ConfigField.urls`: the core
    checks a team's against the outbound policy); none when it is no kubeconfig, which
    :func:`check` refuses anyway."""
    try:
        loaded: Any = yaml.safe_load(text) if len(text) <= MAX_KUBECONFIG else None
    except yaml.YAMLError:
        return []
    clusters = loaded.get("clusters") if isinstance(loaded, dict) else None
    servers = [entry.get("cluster", {}).get("server") for entry in clusters or []
               if isinstance(entry, dict) and isinstance(entry.get("cluster"), dict)]
    return [server for server in servers if isinstance(server, str) and server]


def _kubeconfig(text: str) -> None:
    if "\n" not in text.strip() and not text.lstrip().startswith(("apiVersion", "{")):
        raise ConfigError(
            "kubeconfig",
            "kubeconfig: give the kubeconfig file's YAML, not a path: "
            "a team's value may not name a file on the server",
        )
    if len(text) > MAX_KUBECONFIG:
        raise ConfigError("kubeconfig", f"kubeconfig: at most {MAX_KUBECONFIG} bytes")
    try:
        loaded: Any = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise ConfigError("kubeconfig", f"kubeconfig: not YAML ({error})") from None
    if not isinstance(loaded, dict):
        raise ConfigError(
            "kubeconfig",
            "kubeconfig: not a kubeconfig (a YAML mapping with clusters, users and contexts)",
        )
    for key in loaded:
        if key not in TOP_LEVEL:
            raise ConfigError(
                "kubeconfig",
                f"kubeconfig: `{key}` is not allowed in a team's "
                f"kubeconfig ({', '.join(sorted(TOP_LEVEL))})",
            )
    for section, (inner, allowed) in ALLOWED.items():
        entries = loaded.get(section) or []
        if not isinstance(entries, list):
            raise ConfigError("kubeconfig", f"kubeconfig: `{section}` must be a list")
        for index, entry in enumerate(entries):
            body = entry.get(inner) if isinstance(entry, dict) else None
            if not isinstance(body, dict):
                raise ConfigError(
                    "kubeconfig", f"kubeconfig: {section}[{index}] has no `{inner}` mapping"
                )
            for key in body:
                if key not in allowed:
                    why = WHY.get(key, "is not inline data")
                    raise ConfigError(
                        "kubeconfig",
                        f"kubeconfig: {section}[{index}].{inner}."
                        f"{key} {why}: a team's kubeconfig may "
                        f"hold {INLINE}",
                    )
    if not loaded.get("clusters") or not loaded.get("users"):
        raise ConfigError("kubeconfig", "kubeconfig: it names no cluster or no user")


def check(runtime: str, config: Mapping[str, str]) -> None:
    """Refuse a team's values that would use the server's files, commands or identity."""
    if config.get("in_cluster", "").strip():
        raise ConfigError(
            "in_cluster",
            "in_cluster: only the server's own settings may use the "
            "service account of AutoStack's pod; give your "
            "cluster's kubeconfig instead",
        )
    if config.get("kubeconfig", "").strip():
        _kubeconfig(config["kubeconfig"])
    if runtime == "eks" and any(
        config.get(name)
        for name in (
            "region",
            "cluster",
            "endpoint_url",
            "aws_secret_access_key",
            "aws_access_key_id",
        )
    ):
        for name in ("aws_access_key_id", "aws_secret_access_key"):
            if not config.get(name, "").strip():
                raise ConfigError(
                    name,
                    f"{name}: a team's EKS cluster needs the team's own AWS "
                    "key (the server's AWS credentials are not lent)",
                )
    if not own_cluster(runtime, config):
        for name in OWN_CLUSTER_FIELDS:
            if config.get(name, "").strip():
                raise ConfigError(
                    name,
                    f"{name}: only with your own cluster (its "
                    f"{'AWS key' if runtime == 'eks' else 'kubeconfig'}); "
                    "on the server's cluster each team has its own "
                    "namespace",
                )


def own_cluster(runtime: str, config: Mapping[str, str]) -> bool:
    """Whether the team's values name a cluster of its own (else the server's is used)."""
    if runtime == "eks":
        return bool(config.get("cluster", "").strip())
    return bool(config.get("kubeconfig", "").strip())
