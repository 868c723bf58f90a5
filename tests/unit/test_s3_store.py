"""The artifact store mirrored to S3 (``AUTOSTACK_STORE=s3``), against moto's S3 server.

moto on the loopback stands in for S3 (nothing real is reachable here). Two
stores on two data dirs share one bucket, as two nodes of a control plane do.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from autostack_core.config import Settings
from autostack_core.infrastructure.manifests import StoreError
from autostack_core.infrastructure.s3_store import (
    MirroredStore,
    S3Objects,
    check_store,
    manifest_key,
    object_key,
)
from autostack_core.infrastructure.store import Store
from autostack_core.interfaces.checks import Check
from tests.moto_standin import MotoServer, moto, moto_server, needs_moto

__all__ = ["moto", "moto_server"]

pytestmark = needs_moto
BUCKET = "autostack-artifacts"


def node(moto: MotoServer, root: Path) -> MirroredStore:
    return MirroredStore(root, S3Objects(BUCKET, "cluster-1", client=moto.client("s3")))


@pytest.fixture
def bucket(moto: MotoServer) -> MotoServer:
    moto.client("s3").create_bucket(Bucket=BUCKET)
    return moto


def site(folder: Path) -> Path:
    (folder / "static" / "css").mkdir(parents=True)
    (folder / "static" / "index.html").write_text("<h1>built on node one</h1>")
    (folder / "static" / "css" / "site.css").write_text("h1 { color: red }")
    (folder / "bin").mkdir()
    (folder / "bin" / "start").write_text("#!/bin/sh\necho hi\n")
    os.chmod(folder / "bin" / "start", 0o755)
    return folder


def test_a_build_stored_on_one_node_is_served_by_another(bucket: MotoServer,
                                                          tmp_path: Path) -> None:
    one, two = node(bucket, tmp_path / "one"), node(bucket, tmp_path / "two")
    manifest_hash, manifest = one.put_tree(site(tmp_path / "out"))

    assert two.has_manifest(manifest_hash)
    two.materialize(manifest_hash, tmp_path / "served", link_store=True)
    assert (tmp_path / "served/static/index.html").read_text() == "<h1>built on node one</h1>"
    assert (tmp_path / "served/static/css/site.css").read_text() == "h1 { color: red }"
    assert os.stat(tmp_path / "served/bin/start").st_mode & 0o111
    assert two.load_manifest(manifest_hash) == manifest
    keys = {item.key for item in
            S3Objects(BUCKET, "cluster-1", client=bucket.client("s3")).list("")}
    assert manifest_key(manifest_hash) in keys
    assert {object_key(entry["sha256"]) for entry in manifest["files"].values()} <= keys


def bucket_keys(moto: MotoServer) -> set[str]:
    return {item.key for item in S3Objects(BUCKET, "cluster-1", client=moto.client("s3"))
            .list("")}


def test_gc_removes_from_the_bucket_what_no_kept_build_refers_to(bucket: MotoServer,
                                                                  tmp_path: Path) -> None:
    """Run on a node that never had the builds: kept manifests are read from the bucket."""
    one, two = node(bucket, tmp_path / "one"), node(bucket, tmp_path / "two")
    kept, kept_manifest = one.put_tree(site(tmp_path / "kept"))
    old_tree = site(tmp_path / "old")
    (old_tree / "static" / "index.html").write_text("<h1>an old build</h1>")
    old, old_manifest = one.put_tree(old_tree)
    with one.receive() as incoming:  # an upload whose deployment is not final yet
        incoming.write(b"uploading")
        incoming.commit(uploading := hashlib.sha256(b"uploading").hexdigest())
    with one.receive() as incoming:  # an upload nothing deploys
        incoming.write(b"abandoned")
        incoming.commit(abandoned := hashlib.sha256(b"abandoned").hexdigest())
    old_only = old_manifest["files"]["static/index.html"]["sha256"]
    before = bucket_keys(bucket)

    fresh = two.gc({kept}, keep_objects={uploading}, grace_seconds=600)
    assert (fresh.bucket_objects_removed, fresh.bucket_manifests_removed) == (0, 0)
    assert bucket_keys(bucket) == before, "what was written within the grace period stays"

    report = two.gc({kept}, keep_objects={uploading})
    assert report.bucket_manifests_removed == 1 and report.bucket_objects_removed == 2
    assert report.bucket_bytes_freed == len("<h1>an old build</h1>") + len("abandoned")
    assert bucket_keys(bucket) == before - {manifest_key(old), object_key(old_only),
                                            object_key(abandoned)}
    assert not two.has_manifest(old)
    fresh_node = node(bucket, tmp_path / "three")
    fresh_node.materialize(kept, tmp_path / "served")
    assert fresh_node.load_manifest(kept) == kept_manifest
    assert fresh_node.missing([uploading]) == []


def test_a_file_uploaded_through_one_api_can_be_deployed_through_another(
        bucket: MotoServer, tmp_path: Path) -> None:
    one, two = node(bucket, tmp_path / "one"), node(bucket, tmp_path / "two")
    data = b"uploaded to the first API"
    with one.receive() as incoming:
        incoming.write(data)
        sha = hashlib.sha256(data).hexdigest()
        incoming.commit(sha)

    assert two.missing([sha, "0" * 64]) == ["0" * 64]
    upload = two.put_manifest({"files": {"a.txt": {"sha256": sha, "size": len(data),
                                                   "mode": 0o644}}})
    two.materialize(upload, tmp_path / "workspace")
    assert (tmp_path / "workspace/a.txt").read_bytes() == data


def test_an_object_altered_in_the_bucket_is_refused(bucket: MotoServer, tmp_path: Path) -> None:
    one, two = node(bucket, tmp_path / "one"), node(bucket, tmp_path / "two")
    manifest_hash, manifest = one.put_tree(site(tmp_path / "out"))
    index = manifest["files"]["static/index.html"]["sha256"]
    bucket.client("s3").put_object(Bucket=BUCKET, Key="cluster-1/" + object_key(index),
                                   Body=b"<h1>tampered</h1>")

    with pytest.raises(StoreError, match="does not match its hash"):
        two.materialize(manifest_hash, tmp_path / "served")
    assert not (tmp_path / "served").exists()
    assert not Store.has_manifest(two, manifest_hash)
    assert not two.has(index)


def test_a_manifest_whose_object_is_gone_names_the_file(bucket: MotoServer,
                                                        tmp_path: Path) -> None:
    one, two = node(bucket, tmp_path / "one"), node(bucket, tmp_path / "two")
    manifest_hash, manifest = one.put_tree(site(tmp_path / "out"))
    css = manifest["files"]["static/css/site.css"]["sha256"]
    bucket.client("s3").delete_object(Bucket=BUCKET, Key="cluster-1/" + object_key(css))

    with pytest.raises(StoreError, match=r"static/css/site\.css"):
        two.load_manifest(manifest_hash)
    with pytest.raises(StoreError, match="no manifest"):
        two.load_manifest("f" * 64)


def test_the_store_is_chosen_by_the_settings(bucket: MotoServer, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", bucket.key_id)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", bucket.secret)

    def settings(**values: str) -> Settings:
        return Settings(data_dir=tmp_path, plugin_settings=values)

    assert type(Store.from_settings(settings())) is Store
    with pytest.raises(StoreError, match="AUTOSTACK_S3_BUCKET"):
        Store.from_settings(settings(AUTOSTACK_STORE="s3"))
    with pytest.raises(StoreError, match="'local' or 's3'"):
        Store.from_settings(settings(AUTOSTACK_STORE="gcs"))
    store = Store.from_settings(settings(AUTOSTACK_STORE="s3", AUTOSTACK_S3_BUCKET=BUCKET,
                                         AUTOSTACK_S3_ENDPOINT=bucket.url))
    sha = store.put_bytes(b"through the settings")
    store.put_manifest({"files": {"a.txt": {"sha256": sha, "size": 20, "mode": 0o644}}})
    assert bucket.client("s3").get_object(
        Bucket=BUCKET, Key=object_key(sha))["Body"].read() == b"through the settings"


def test_doctor_says_whether_the_bucket_is_reached(bucket: MotoServer, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", bucket.key_id)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", bucket.secret)

    def check(**values: str) -> Check:
        return check_store(Settings(data_dir=tmp_path, plugin_settings=values))

    assert check() == Check("store", True, f"local: {tmp_path / 'store'}")
    s3 = {"AUTOSTACK_STORE": "s3", "AUTOSTACK_S3_ENDPOINT": bucket.url}
    reached = check(**s3, AUTOSTACK_S3_BUCKET=BUCKET, AUTOSTACK_S3_PREFIX="prod")
    assert (reached.ok, reached.detail) == (True, f"s3://{BUCKET}/prod/")
    missing = check(**s3, AUTOSTACK_S3_BUCKET="no-such-bucket")
    assert not missing.ok and "404" in missing.detail
    assert "AUTOSTACK_S3_BUCKET" in missing.remedy
    unnamed = check(AUTOSTACK_STORE="s3")
    assert not unnamed.ok and "AUTOSTACK_S3_BUCKET" in unnamed.detail
