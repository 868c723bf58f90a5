"""Server settings, read from the environment with embedded defaults."""

from __future__ import annotations

import hashlib
import ipaddress
import json
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

LETS_ENCRYPT = "https://acme-v02.api.letsencrypt.org/directory"
ZEROSSL = "https://acme.zerossl.com/v2/DV90"
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
"""Listening addresses whose public URL is ``http://localhost:<port>``."""


def _default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "autostack"


def _list(name: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in os.environ.get(name, "").split(",") if item.strip())


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    return int(raw) if raw else default


def _flag(name: str) -> bool:
    return os.environ.get(name, "").lower() not in ("", "0", "false", "no")


def _json_object(name: str) -> dict[str, str]:
    """A JSON object of strings (``{}`` when unset); the error never shows the value."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return {}
    try:
        value = json.loads(raw)
    except ValueError:
        value = None
    if not isinstance(value, dict) or not all(isinstance(item, str) for item in value.values()):
        raise ValueError(f'{name} must be a JSON object of strings, like {{"token": "..."}}')
    return value


@dataclass(frozen=True)
class Settings:
    """Everything the server needs to know; built once, passed around."""

    data_dir: Path = field(default_factory=_default_data_dir)
    database_url: str | None = None
    redis_url: str | None = None
    secret_keys: tuple[str, ...] = ()
    host: str = "127.0.0.1"
    port: int = 8000
    base_domain: str = "localhost"
    edge_port: int = 8080
    edge_https_port: int = 8443
    edge: str = "local"
    """The registered edge that serves every hostname (``register_edges``)."""
    acme_ca: str = LETS_ENCRYPT
    acme_ca_root: str | None = None
    acme_email: str | None = None
    dns_resolvers: tuple[str, ...] = ()
    dns_host: str | None = None
    """A registered DNS host: the base domain's wildcard certificate through DNS-01."""
    dns_host_config: dict[str, str] = field(default_factory=dict, repr=False, hash=False)
    """What the DNS host's ``connect`` gets (credentials: never logged or shown)."""
    admins: tuple[str, ...] = ()
    """E-mail addresses of the server's admins (server-wide state, like the edge's certificate)."""
    public_ips: tuple[str, ...] = ()
    dns_endpoint_urls: tuple[str, ...] = ()
    allow_unsandboxed: bool = False
    keep_apps_running: bool = False
    """A clean stop leaves deployed apps and the edge running, for the next start to re-adopt."""
    allow_local_git: bool = False
    screenshots: bool = False
    """Ready deployments get a thumbnail taken with headless Chromium
    (:mod:`autostack_core.services.screenshots`). ``from_env`` turns it on unless
    ``AUTOSTACK_SCREENSHOTS=0``; settings built in code (tests, embedding) leave it off,
    so they start no browser unless they ask for one."""
    corepack_integrity: bool = True
    """Corepack checks pnpm's and Yarn's npm signatures (off for mirrors that strip them)."""
    outbound_allow: tuple[str, ...] = ()
    """Non-public networks that user-named URLs may reach.

    See :mod:`autostack_core.security.outbound`.
    """
    public_url: str | None = None
    catalog_url: str | None = None
    """The marketplace's catalog index, a path or an https:// URL
    (:mod:`autostack_core.services.catalog`); the shipped one when unset."""
    trusted_proxies: tuple[str, ...] = ()
    """Reverse proxies whose ``X-Forwarded-For`` names the client (rate limits go by it)."""
    max_upload_bytes: int = 100 * 1024 * 1024
    """Largest single file uploaded for a folder deployment."""
    max_request_bytes: int = 1024 * 1024
    """Largest body of any other request (JSON, forms), counted while it is read."""
    max_manifest_bytes: int = 16 * 1024 * 1024
    """Largest file list (a deployment's files, the missing-files question): 20,000 paths."""
    max_webhook_bytes: int = 25 * 1024 * 1024
    """Largest git host webhook body (GitHub's own cap is 25 MB)."""
    max_push_bytes: int = 512 * 1024 * 1024
    """Largest ``git push`` to the built-in remote."""
    max_deployment_bytes: int = 1024 * 1024 * 1024
    """Largest total size of one deployment's files (its upload, its build output)."""
    team_storage_quota_bytes: int = 10 * 1024 * 1024 * 1024
    """Largest total size of the distinct files a team's uploads and deployments keep stored."""
    build_timeout_seconds: int = 15 * 60
    build_memory_mb: int = 4096
    registry: str | None = None
    """The OCI registry Dockerfile builds push their images to (``host:port[/path]``);
    without it no image is built here and the build context goes to the runtime."""
    base_image_registry: str | None = None
    """A registry or mirror that Dockerfiles' ``FROM`` images come from (``host:port``),
    tried before Docker Hub for short names like ``python:3.12``."""
    package_base_image: str | None = None
    """The image (with ``python3``, and ``node`` for Node server apps) that a deployment
    built without a Dockerfile is packaged on for a runtime that runs only images."""
    runtime_memory_mb: int = 1024
    runtime_cpus: float = 1.0
    preview_idle_seconds: float = 900
    runtime_drain_seconds: float = 30
    health_timeout_seconds: float = 60
    retention_keep: int = 10
    gc_grace_seconds: int = 600
    audit_retention_days: int = 365
    """How long the audit log keeps a row (0: for ever); the hourly retention job prunes it."""
    analytics_retention_days: int = 90
    """Days analytics keep day and hour roll-ups, visitors and web vitals (minutes: 2 days)."""
    queue_name: str = "autostack"
    plugin_settings: Mapping[str, str] = field(default_factory=dict, repr=False, hash=False,
                                               compare=False)
    """Every ``AUTOSTACK_*`` variable by name, for the settings plugins declare and read
    themselves (the GitHub plugin's ``AUTOSTACK_GITHUB_*``): :meth:`plugin_setting`.
    May hold credentials: never logged or shown."""

    @classmethod
    def from_env(cls, **overrides: Any) -> Settings:
        env = os.environ
        settings = cls(
            data_dir=Path(env["AUTOSTACK_DATA_DIR"]) if env.get("AUTOSTACK_DATA_DIR")
            else _default_data_dir(),
            database_url=env.get("AUTOSTACK_DATABASE_URL") or None,
            redis_url=env.get("AUTOSTACK_REDIS_URL") or None,
            secret_keys=tuple(
                key.strip() for key in env.get("AUTOSTACK_SECRET_KEY", "").split(",")
                if key.strip()
            ),
            base_domain=env.get("AUTOSTACK_DOMAIN", "localhost"),
            edge_port=int(env.get("AUTOSTACK_EDGE_PORT", "8080")),
            edge_https_port=int(env.get("AUTOSTACK_EDGE_HTTPS_PORT", "8443")),
            edge=env.get("AUTOSTACK_EDGE") or "local",
            acme_ca=env.get("AUTOSTACK_ACME_CA") or LETS_ENCRYPT,
            acme_ca_root=env.get("AUTOSTACK_ACME_CA_ROOT") or None,
            acme_email=env.get("AUTOSTACK_ACME_EMAIL") or None,
            dns_resolvers=_list("AUTOSTACK_DNS_RESOLVERS"),
            dns_host=env.get("AUTOSTACK_DNS_HOST") or None,
            dns_host_config=_json_object("AUTOSTACK_DNS_HOST_CONFIG"),
            admins=tuple(email.lower() for email in _list("AUTOSTACK_ADMINS")),
            public_ips=_list("AUTOSTACK_PUBLIC_IPS"),
            dns_endpoint_urls=_list("AUTOSTACK_DNS_ENDPOINT_URLS"),
            allow_unsandboxed=_flag("AUTOSTACK_ALLOW_UNSANDBOXED"),
            keep_apps_running=_flag("AUTOSTACK_KEEP_APPS_RUNNING"),
            allow_local_git=_flag("AUTOSTACK_ALLOW_LOCAL_GIT"),
            corepack_integrity=os.environ.get("AUTOSTACK_COREPACK_INTEGRITY", "1").lower()
            not in ("0", "false", "no"),
            screenshots=os.environ.get("AUTOSTACK_SCREENSHOTS", "1").lower()
            not in ("0", "false", "no"),
            outbound_allow=_list("AUTOSTACK_OUTBOUND_ALLOW"),
            public_url=env.get("AUTOSTACK_PUBLIC_URL") or None,
            catalog_url=env.get("AUTOSTACK_CATALOG_URL") or None,
            trusted_proxies=_list("AUTOSTACK_TRUSTED_PROXIES"),
            retention_keep=int(env.get("AUTOSTACK_RETENTION_KEEP", "10")),
            max_upload_bytes=_int("AUTOSTACK_MAX_UPLOAD_BYTES", cls.max_upload_bytes),
            max_request_bytes=_int("AUTOSTACK_MAX_REQUEST_BYTES", cls.max_request_bytes),
            max_manifest_bytes=_int("AUTOSTACK_MAX_MANIFEST_BYTES", cls.max_manifest_bytes),
            max_webhook_bytes=_int("AUTOSTACK_MAX_WEBHOOK_BYTES", cls.max_webhook_bytes),
            max_push_bytes=_int("AUTOSTACK_MAX_PUSH_BYTES", cls.max_push_bytes),
            max_deployment_bytes=_int("AUTOSTACK_MAX_DEPLOYMENT_BYTES",
                                      cls.max_deployment_bytes),
            team_storage_quota_bytes=_int("AUTOSTACK_TEAM_STORAGE_QUOTA_BYTES",
                                          cls.team_storage_quota_bytes),
            registry=env.get("AUTOSTACK_REGISTRY") or None,
            base_image_registry=env.get("AUTOSTACK_BASE_IMAGE_REGISTRY") or None,
            package_base_image=env.get("AUTOSTACK_PACKAGE_BASE_IMAGE") or None,
            runtime_memory_mb=int(env.get("AUTOSTACK_RUNTIME_MEMORY_MB", "1024")),
            preview_idle_seconds=float(env.get("AUTOSTACK_PREVIEW_IDLE_SECONDS", "900")),
            runtime_drain_seconds=float(env.get("AUTOSTACK_RUNTIME_DRAIN_SECONDS", "30")),
            health_timeout_seconds=float(env.get("AUTOSTACK_HEALTH_TIMEOUT_SECONDS", "60")),
            queue_name=env.get("AUTOSTACK_QUEUE_NAME", "autostack"),
            gc_grace_seconds=int(env.get("AUTOSTACK_GC_GRACE_SECONDS", "600")),
            audit_retention_days=_int("AUTOSTACK_AUDIT_RETENTION_DAYS", cls.audit_retention_days),
            analytics_retention_days=_int("AUTOSTACK_ANALYTICS_RETENTION_DAYS",
                                          cls.analytics_retention_days),
            plugin_settings={name: value for name, value in env.items()
                             if name.startswith("AUTOSTACK_")},
        )
        settings = replace(settings, **{k: v for k, v in overrides.items() if v is not None})
        for entry in settings.outbound_allow:
            try:
                ipaddress.ip_network(entry, strict=False)
            except ValueError as error:
                raise ValueError(f"AUTOSTACK_OUTBOUND_ALLOW: {error} (list addresses or "
                                 "networks, like 10.0.0.0/8,192.168.1.5)") from error
        if settings.acme_ca.lower() == "zerossl" and not settings.acme_email:
            raise ValueError("AUTOSTACK_ACME_EMAIL is required with AUTOSTACK_ACME_CA=zerossl: "
                             "ZeroSSL binds its ACME accounts to an e-mail address")
        return settings

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite://{self.data_dir / 'autostack.db'}"

    @property
    def acme_directory(self) -> str:
        """The ACME directory's URL (``AUTOSTACK_ACME_CA=zerossl`` names ZeroSSL's)."""
        return ZEROSSL if self.acme_ca.lower() == "zerossl" else self.acme_ca

    @property
    def local_domain(self) -> bool:
        """Whether the base domain is ``localhost`` or under it (this machine only)."""
        return self.base_domain == "localhost" or self.base_domain.endswith(".localhost")

    @property
    def is_sqlite(self) -> bool:
        return self.db_url.startswith("sqlite")

    @property
    def server_url(self) -> str:
        """The one URL people and git hosts are given for the dashboard and API: invitation
        links, the git remote, deploy-hook and webhook URLs, the start banner. On the
        loopback it is ``localhost``, as the README says, so a session cookie set there
        holds for every link the server gives out."""
        if self.public_url:
            return self.public_url
        host = "localhost" if self.host in LOOPBACK_HOSTS else self.host
        return f"http://{host}:{self.port}"

    @property
    def local_url(self) -> str:
        """The control plane as this machine reaches it (the local edge asks it who may see
        a protected deployment): the listening address, a wildcard one as the loopback."""
        host = {"": "127.0.0.1", "0.0.0.0": "127.0.0.1", "::": "::1"}.get(self.host, self.host)
        return f"http://[{host}]:{self.port}" if ":" in host else f"http://{host}:{self.port}"

    def plugin_setting(self, name: str, default: str | None = None) -> str | None:
        """The environment variable ``name`` a plugin reads (``AUTOSTACK_GITHUB_URL``), or
        ``default`` when it is unset or empty."""
        return self.plugin_settings.get(name) or default

    @property
    def secure_cookies(self) -> bool:
        return self.server_url.startswith("https://")

    def path(self, *parts: str) -> Path:
        """A path under the data directory, created on demand for folders."""
        return self.data_dir.joinpath(*parts)

    @property
    def edge_admin_socket(self) -> Path:
        """Caddy's admin API socket: a unix socket builds cannot see (unlike a loopback port).

        Beside the data when the path fits a socket address (108 bytes), else in
        a private folder under /tmp named after the data directory.
        """
        beside_data = self.path("edge", "admin.sock")
        if len(str(beside_data)) < 100:
            return beside_data
        digest = hashlib.sha256(str(self.data_dir).encode()).hexdigest()[:12]
        return Path(tempfile.gettempdir()) / f"autostack-{digest}" / "admin.sock"

    def ensure_dirs(self) -> None:
        for name in ("", "store", "builds", "cache", "logs", "git", "edge", "uploads"):
            self.path(name).mkdir(parents=True, exist_ok=True)
        os.chmod(self.data_dir, 0o700)
