"""The storage seam: LocalStorage keeps the contract every backend must keep, on a real disk."""

from __future__ import annotations

import pickle

import pytest

import assetflow as af
from assetflow.commit.storage import LocalStorage, StorageSpec, open_storage
from assetflow.commit.versions import file_checksum

KEY = "raw/2026-04-02/0123456789abcdef0123456789abcdef.parquet"


def test_put_writes_a_key_once_durably_and_every_operation_sees_it(tmp_path):
    storage = LocalStorage(tmp_path)
    put = storage.put(KEY, lambda f: f.write(b"twelve bytes"))
    path = tmp_path / KEY
    assert path.read_bytes() == b"twelve bytes"
    assert (put.key, put.size, put.checksum) == (KEY, 12, file_checksum(path))
    assert storage.exists(KEY) and storage.size(KEY) == 12
    assert storage.checksum(KEY) == put.checksum
    with storage.open(KEY) as f:
        assert f.read() == b"twelve bytes"
    assert [(s.key, s.size) for s in storage.list()] == [(KEY, 12)]
    assert storage.uri(KEY) == str(path)
    with pytest.raises(FileExistsError):
        storage.put(KEY, lambda f: f.write(b"other"))  # write-once
    assert path.read_bytes() == b"twelve bytes"
    assert [s.key for s in storage.list()] == [KEY]  # and the refused write left no temp


def test_a_failed_put_leaves_nothing_under_the_key_or_beside_it(tmp_path):
    storage = LocalStorage(tmp_path)

    def half(f) -> None:
        f.write(b"half a file")
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError, match="No space left"):
        storage.put(KEY, half)
    assert not storage.exists(KEY)
    assert list(storage.list()) == []


def test_delete_removes_the_file_and_the_folders_it_empties_only(tmp_path):
    storage = LocalStorage(tmp_path)
    other = "raw/2026-04-03/fedcba9876543210fedcba9876543210.parquet"
    storage.put(KEY, lambda f: f.write(b"a"))
    storage.put(other, lambda f: f.write(b"b"))
    storage.delete(KEY)
    assert not (tmp_path / "raw" / "2026-04-02").exists()
    assert storage.exists(other)
    storage.delete(other)
    storage.delete(other)  # deleting what is gone is no error
    assert not (tmp_path / "raw").exists() and tmp_path.exists()


@pytest.mark.parametrize("key", ["../outside.parquet", "raw/../../x", "/etc/hostname"])
def test_keys_cannot_leave_the_warehouse(tmp_path, key):
    with pytest.raises(af.StorageError, match="is not a key inside the warehouse"):
        LocalStorage(tmp_path / "wh").exists(key)


def test_a_worker_elsewhere_builds_the_same_storage_from_its_picklable_spec(tmp_path):
    storage = LocalStorage(tmp_path / "wh")
    storage.put(KEY, lambda f: f.write(b"x"))
    spec = pickle.loads(pickle.dumps(storage.spec()))
    assert spec == StorageSpec("local", str((tmp_path / "wh").resolve()))
    rebuilt = open_storage(spec)
    assert rebuilt == storage and rebuilt.exists(KEY)
    with pytest.raises(
        af.StorageError, match=r"unknown storage kind 's3'; this assetflow has: local"
    ):
        open_storage(StorageSpec("s3", "s3://bucket/wh"))


def test_a_relative_root_is_made_absolute_so_keys_resolve_from_any_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    storage = LocalStorage("wh")  # type: ignore[arg-type]
    assert storage.root == tmp_path.resolve() / "wh"
    assert storage.uri(KEY).startswith(str(tmp_path.resolve()))


def test_persist_makes_each_file_durable_so_a_vanished_file_fails_it(tmp_path):
    storage = LocalStorage(tmp_path)
    storage.put(KEY, lambda f: f.write(b"a"))
    storage.persist([KEY])  # fsyncs the file itself, then its folders up to the root
    (tmp_path / KEY).unlink()
    with pytest.raises(FileNotFoundError):
        storage.persist([KEY])
