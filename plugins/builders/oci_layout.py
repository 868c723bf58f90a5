"""Write an OCI image layout (image-spec v1.0) from files, with no container engine.

Only what a ``FROM scratch`` Dockerfile can make: one uncompressed tar layer
holding the copied files, an image config (entrypoint, command, environment,
working directory, ports, labels, user) and the manifest and index that point
at them by sha256. Tar entries are written in sorted order with fixed owners
and times, so the same files give the same image digest.
"""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

LAYER_MEDIA_TYPE = "application/vnd.oci.image.layer.v1.tar"
CONFIG_MEDIA_TYPE = "application/vnd.oci.image.config.v1+json"
MANIFEST_MEDIA_TYPE = "application/vnd.oci.image.manifest.v1+json"


@dataclass
class ImageConfig:
    """The runtime settings of an image (the ``config`` object of the image config)."""

    entrypoint: list[str] | None = None
    cmd: list[str] | None = None
    env: dict[str, str] = field(default_factory=dict)
    working_dir: str = ""
    exposed_ports: list[str] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)
    user: str = ""

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"Env": [f"{key}={value}" for key, value in self.env.items()]}
        if self.entrypoint is not None:
            data["Entrypoint"] = self.entrypoint
        if self.cmd is not None:
            data["Cmd"] = self.cmd
        if self.working_dir:
            data["WorkingDir"] = self.working_dir
        if self.exposed_ports:
            data["ExposedPorts"] = {port: {} for port in self.exposed_ports}
        if self.labels:
            data["Labels"] = self.labels
        if self.user:
            data["User"] = self.user
        return data


def layer_tar(files: dict[str, Path]) -> bytes:
    """A tar of ``files`` (image path -> source file), parents included, reproducible."""
    buffer = io.BytesIO()
    folders = sorted({str(parent) for path in files for parent in PurePosixPath(path).parents
                      if str(parent) not in (".", "/")})
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for folder in folders:
            info = tarfile.TarInfo(folder.lstrip("/") + "/")
            info.type, info.mode, info.mtime = tarfile.DIRTYPE, 0o755, 0
            tar.addfile(info)
        for path in sorted(files):
            source = files[path]
            info = tarfile.TarInfo(path.lstrip("/"))
            info.size, info.mtime = source.stat().st_size, 0
            info.mode = 0o755 if source.stat().st_mode & 0o111 else 0o644
            with source.open("rb") as handle:
                tar.addfile(info, handle)
    return buffer.getvalue()


def _blob(layout: Path, data: bytes, media_type: str) -> dict[str, Any]:
    digest = hashlib.sha256(data).hexdigest()
    path = layout / "blobs" / "sha256" / digest
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return {"mediaType": media_type, "digest": f"sha256:{digest}", "size": len(data)}


def _json_bytes(data: Any) -> bytes:
    return json.dumps(data, sort_keys=True, separators=(",", ":")).encode()


def write_layout(layout: Path, files: dict[str, Path], config: ImageConfig,
                 architecture: str = "amd64", tag: str = "latest") -> str:
    """Write the image to the OCI layout folder ``layout``; return the manifest digest."""
    layer = layer_tar(files)
    layer_descriptor = _blob(layout, layer, LAYER_MEDIA_TYPE)
    image_config = {
        "architecture": architecture, "os": "linux", "config": config.to_json(),
        "rootfs": {"type": "layers", "diff_ids": [layer_descriptor["digest"]]},
        "history": [{"created_by": "autostack dockerfile builder (FROM scratch)"}],
    }
    config_descriptor = _blob(layout, _json_bytes(image_config), CONFIG_MEDIA_TYPE)
    manifest = {"schemaVersion": 2, "mediaType": MANIFEST_MEDIA_TYPE,
                "config": config_descriptor, "layers": [layer_descriptor]}
    manifest_descriptor = _blob(layout, _json_bytes(manifest), MANIFEST_MEDIA_TYPE)
    manifest_descriptor["annotations"] = {"org.opencontainers.image.ref.name": tag}
    (layout / "oci-layout").write_text(json.dumps({"imageLayoutVersion": "1.0.0"}))
    (layout / "index.json").write_text(json.dumps(
        {"schemaVersion": 2, "manifests": [manifest_descriptor]}, indent=2))
    return str(manifest_descriptor["digest"])
