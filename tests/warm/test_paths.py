"""vsh.warm.paths: the per-user directory and its privacy checks."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from vsh.warm import paths


def test_directory_follows_xdg_runtime_dir() -> None:
    assert paths.directory({"XDG_RUNTIME_DIR": "/run/user/7"}) == "/run/user/7/vsh"
    assert paths.directory({"XDG_RUNTIME_DIR": ""}) == f"/tmp/vsh-{os.geteuid()}"
    assert paths.directory({}) == f"/tmp/vsh-{os.geteuid()}"


def test_ensure_private_creates_0700(tmp_path: Path) -> None:
    target = tmp_path / "vsh"
    paths.ensure_private(str(target), create=True)
    assert stat.S_IMODE(target.stat().st_mode) == 0o700
    paths.ensure_private(str(target), create=True)  # again: already there, fine


def test_missing_directory_without_create(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        paths.ensure_private(str(tmp_path / "absent"), create=False)


def test_open_directory_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "vsh"
    target.mkdir(mode=0o755)
    target.chmod(0o755)
    with pytest.raises(paths.Unsafe, match="mode 0755, not private"):
        paths.ensure_private(str(target), create=True)


def test_symlink_is_refused(tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.mkdir(mode=0o700)
    link = tmp_path / "vsh"
    link.symlink_to(real)
    with pytest.raises(paths.Unsafe, match="is not a directory"):
        paths.ensure_private(str(link), create=True)


def test_foreign_owner_is_refused(tmp_path: Path) -> None:
    if os.geteuid() != 0:
        pytest.skip("needs root to give a directory to another user")
    target = tmp_path / "vsh"
    target.mkdir(mode=0o700)
    os.chown(target, 65534, 65534)
    with pytest.raises(paths.Unsafe, match="owned by UID 65534"):
        paths.ensure_private(str(target), create=True)
