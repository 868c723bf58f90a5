"""The artifact store mirrored to S3, for a control plane on several machines.

With ``AUTOSTACK_STORE=s3`` each node keeps its local content-addressed store
(``<data dir>/store``) as a cache and the bucket is the shared copy: a manifest
stored on one node (a build's output, an upload) is pushed with its objects,
objects first, so a manifest in the bucket always has all its files; a node
that lacks a manifest (an API or edge on another data dir serving a deployment
built elsewhere) pulls it and its missing objects before reading it, and each
pulled object's sha256 is checked before it enters the local store.

Settings: ``AUTOSTACK_S3_BUCKET`` (required), ``AUTOSTACK_S3_PREFIX``,
``AUTOSTACK_S3_ENDPOINT`` (an S3-compatible service: MinIO, moto in the
tests), ``AUTOSTACK_S3_REGION``; credentials from boto3's usual chain
(``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY``, an instance role).
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

from autostack_core.infrastructure.manifests import Manifest, StoreError, check_hash
from autostack_core.infrastructure.store import CHUNK, IncomingObject, Store, _sha256_of
from autostack_core.infrastructure.store_gc import GcReport, collect_bucket
from autostack_core.interfaces.artifact_store import ArtifactStore, StoredObject
from autostack_core.interfaces.checks import Check

if TYPE_CHECKING:
    from autostack_core.config import Settings

PARALLEL_REQUESTS = 8


@functools.lru_cache(maxsize=8)
def _client(endpoint: str | None, region: str) -> Any:
    """One boto3 client per endpoint (clients are thread-safe and slow to make)."""
    try:
        import boto3
    except ImportError:
        raise StoreError("AUTOSTACK_STORE=s3 needs boto3: pip install 'autostack[aws]'") from None
    return boto3.client("s3", endpoint_url=endpoint, region_name=region)


class S3Objects:
    """:class:`ArtifactStore` on an S3 bucket, every key under ``prefix``."""

    def __init__(self, bucket: str, prefix: str = "", *, client: Any) -> None:
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.client = client

    def put(self, key: str, path: Path) -> None:
        self.client.upload_file(str(path), self.bucket, self.prefix + key)

    def get(self, key: str, dest: Path) -> bool:
        try:
            response = self.client.get_object(Bucket=self.bucket, Key=self.prefix + key)
        except self.client.exceptions.NoSuchKey:
            return False
        with dest.open("wb") as target:
            for chunk in response["Body"].iter_chunks(CHUNK):
                target.write(chunk)
        return True

    def exists(self, key: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=self.prefix + key)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise
        return True

    def list(self, prefix: str) -> Iterator[StoredObject]:
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=self.prefix + prefix)
        for page in pages:
            for item in page.get("Contents", []):
                yield StoredObject(item["Key"][len(self.prefix):], int(item["Size"]),
                                   item["LastModified"].timestamp())

    def delete(self, keys: Sequence[str]) -> None:
        if not keys:
            return
        answer = self.client.delete_objects(Bucket=self.bucket, Delete={
            "Objects": [{"Key": self.prefix + key} for key in keys], "Quiet": True})
        errors = answer.get("Errors") or []
        if errors:
            raise StoreError(f"the bucket refused to delete {errors[0].get('Key')}: "
                             f"{errors[0].get('Message')}")


def object_key(sha: str) -> str:
    return f"objects/{sha[:2]}/{check_hash(sha)[2:]}"


def manifest_key(manifest_hash: str) -> str:
    return f"manifests/{check_hash(manifest_hash)}.json"


class MirroredStore(Store):
    """A local :class:`Store` whose manifests and objects are also kept in ``remote``."""

    def __init__(self, root: Path, remote: ArtifactStore) -> None:
        super().__init__(root)
        self.remote = remote
        self._new: set[str] = set()
        """Objects this instance added to the local store and has not pushed yet."""

    def _commit(self, tmp: Path, sha: str, executable: bool = False) -> None:
        super()._commit(tmp, sha, executable)
        if not executable:
            self._new.add(sha)

    @contextlib.contextmanager
    def receive(self) -> Iterator[IncomingObject]:
        """An upload, pushed to the bucket once committed: a file uploaded through one API
        process can be deployed through another."""
        with super().receive() as incoming:
            yield incoming
        self._push(set(self._new))

    def missing(self, hashes: Iterable[str]) -> list[str]:
        """The hashes neither this node nor the bucket has; those only the bucket has are pulled."""
        local = super().missing(hashes)
        _each(self._pull_object, local)
        return [sha for sha in local if not self.has(sha)]

    def put_manifest(self, manifest: Manifest) -> str:
        """Store the manifest here (pulling objects only the bucket has), then push it:
        its objects first, so a manifest in the bucket always has all its files."""
        shas = {entry["sha256"] for entry in manifest["files"].values()}
        _each(self._pull_object, [sha for sha in shas if not self.has(sha)])
        manifest_hash = super().put_manifest(manifest)
        if not self.remote.exists(manifest_key(manifest_hash)):
            self._push(shas)
            self.remote.put(manifest_key(manifest_hash),
                            self.manifests / f"{manifest_hash}.json")
        return manifest_hash

    def _push(self, shas: set[str]) -> None:
        """Upload these objects: the ones this instance stored without asking, others if the
        bucket lacks them (stored here before, by an earlier process)."""

        def push(sha: str) -> None:
            if sha in self._new or not self.remote.exists(object_key(sha)):
                self.remote.put(object_key(sha), self.object_path(sha))
            self._new.discard(sha)

        _each(push, sorted(shas))

    def has_manifest(self, manifest_hash: str) -> bool:
        return super().has_manifest(manifest_hash) or self.remote.exists(
            manifest_key(manifest_hash))

    def load_manifest(self, manifest_hash: str) -> Manifest:
        """The manifest, pulled with its missing objects when this node lacks it."""
        if not super().has_manifest(manifest_hash):
            self._pull_manifest(manifest_hash)
        return super().load_manifest(manifest_hash)

    def _pull_manifest(self, manifest_hash: str) -> None:
        tmp = self._tmp_path()
        try:
            if not self.remote.get(manifest_key(manifest_hash), tmp):
                raise StoreError(f"no manifest {manifest_hash}")
            if _sha256_of(tmp) != manifest_hash:
                raise StoreError(f"manifest {manifest_hash} in the bucket does not match its hash")
            manifest: Manifest = json.loads(tmp.read_bytes())
            _each(self._pull_object, sorted({entry["sha256"] for entry in
                                             manifest["files"].values()
                                             if not self.has(entry["sha256"])}))
            for relative, entry in manifest["files"].items():
                if not self.has(entry["sha256"]):
                    raise StoreError(f"manifest {manifest_hash} refers to an object missing "
                                     f"from the bucket, for {relative!r}")
            tmp.replace(self.manifests / f"{manifest_hash}.json")
        finally:
            tmp.unlink(missing_ok=True)

    def gc(self, keep_manifest_hashes: set[str], keep_objects: Iterable[str] = (),
           grace_seconds: float = 0.0) -> GcReport:
        """Collect this node's copy, then the bucket, by the same policy (:mod:`.store_gc`)."""
        keep_objects = list(keep_objects)
        local = super().gc(keep_manifest_hashes, keep_objects, grace_seconds)
        objects, freed, manifests = collect_bucket(self.remote, keep_manifest_hashes,
                                                   keep_objects, grace_seconds)
        return dataclasses.replace(local, bucket_objects_removed=objects,
                                   bucket_bytes_freed=freed, bucket_manifests_removed=manifests)

    def _pull_object(self, sha: str) -> None:
        tmp = self._tmp_path()
        try:
            if not self.remote.get(object_key(sha), tmp):
                return
            if _sha256_of(tmp) != sha:
                raise StoreError(f"object {sha} in the bucket does not match its hash")
            Store._commit(self, tmp, sha)  # pulled, not new: nothing to push
        finally:
            tmp.unlink(missing_ok=True)


def _each(work: Callable[[str], None], items: list[str]) -> None:
    """``work`` on every item, a few at a time (each is a round trip to the bucket)."""
    if len(items) < 2:
        for item in items:
            work(item)
        return
    with ThreadPoolExecutor(PARALLEL_REQUESTS) as pool:
        list(pool.map(work, items))


def open_store(settings: Settings) -> Store:
    """The node's artifact store: local (the default) or mirrored to S3 (``AUTOSTACK_STORE``)."""
    root = settings.path("store")
    kind = settings.plugin_setting("AUTOSTACK_STORE", "local")
    if kind == "local":
        return Store(root)
    if kind != "s3":
        raise StoreError(f"AUTOSTACK_STORE={kind!r}: use 'local' or 's3'")
    bucket = settings.plugin_setting("AUTOSTACK_S3_BUCKET")
    if not bucket:
        raise StoreError("AUTOSTACK_STORE=s3 needs AUTOSTACK_S3_BUCKET")
    client = _client(settings.plugin_setting("AUTOSTACK_S3_ENDPOINT"),
                     settings.plugin_setting("AUTOSTACK_S3_REGION", "us-east-1") or "us-east-1")
    remote = S3Objects(bucket, settings.plugin_setting("AUTOSTACK_S3_PREFIX", "") or "",
                       client=client)
    return MirroredStore(root, remote)


def check_store(settings: Settings) -> Check:
    """``autostack doctor``'s line for the artifact store: the bucket reached, or why not."""
    try:
        store = open_store(settings)
        if not isinstance(store, MirroredStore):
            return Check("store", True, f"local: {store.root}")
        remote = store.remote
        if isinstance(remote, S3Objects):
            remote.client.head_bucket(Bucket=remote.bucket)
            return Check("store", True, f"s3://{remote.bucket}/{remote.prefix}")
        return Check("store", True, type(remote).__name__)
    except Exception as error:
        return Check("store", False, f"{type(error).__name__}: {error}",
                     "check AUTOSTACK_S3_BUCKET, AUTOSTACK_S3_ENDPOINT and the AWS credentials "
                     "(docs/scaling.md), or unset AUTOSTACK_STORE for the local store")
