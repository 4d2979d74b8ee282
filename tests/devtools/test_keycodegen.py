"""vsh.devtools.keycodegen: keymaps.csv -> vsh/virt/keycodes_data.py.

The rules are checked on a small CSV written here (same columns as
keycodemapdb's); the committed vsh/virt/keycodes_data.py is checked against the
real keymaps.csv of libvirt 9.0.0, taken from ``$LIBVIRT_SRC`` or from the
release tarball that scripts/upstream-tests.sh caches in .cache/upstream/
(the script is asked to fetch it when it is missing, as tests/test_upstream.py
does).
"""

from __future__ import annotations

import hashlib
import io
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from vsh.devtools import keycodegen

REPO = Path(__file__).resolve().parents[2]
TARBALL = REPO / ".cache" / "upstream" / "download" / "libvirt_9.0.0.orig.tar.xz"
FETCH_TIMEOUT = 600

HEADER = (
    '"Linux Name","Linux Keycode","OS-X Name","OS-X Keycode","AT set1 keycode",'
    '"AT set2 keycode","AT set3 keycode","USB Keycodes","Win32 Name","Win32 Keycode",'
    '"Xwin XT","Xfree86 KBD XT","X11 keysym name","X11 keysym","HTML code","XKB key name",'
    '"QEMU QKeyCode","Sun KBD","Apple ADB"'
)


def row(linux_name: str, linux: str, osx_name: str = "", osx: str = "", win_name: str = "",
        win: str = "") -> str:  # fmt: skip
    cells = [linux_name, linux, osx_name, osx, "", "", "", "", win_name, win] + [""] * 9
    return ",".join(cells)


SAMPLE = "\n".join(
    [
        HEADER,
        row("KEY_RESERVED", "0", osx="0xff"),
        row("KEY_B", "3", "ANSI_B", "0x0b", "VK_B", "0x42"),
        row("KEY_A", "2", "ANSI_A", "0x00", "VK_A", "0x41"),
        row("KEY_ESC", "1", "Escape", "0x35"),  # no win32 code: none for KEY_RESERVED either
        row("KEY_SHIFT", "4", "", "", "VK_SHIFT", "0x10"),
        row("KEY_LEFTSHIFT", "4", "", "", "VK_LSHIFT", "0xa0"),  # later row wins
        row("", "4", "Shift", ""),  # no name, no code: earlier cells stay
        row("BTN_0", "0x100", "", "", "VK_OEM_5", "0xdc"),
        row("BTN_1", "0x101", "", "", "VK_OEM_5", "0xe2"),  # a name twice
        row("KEY_BIG", "5", "Big", "0x1ffff"),  # stored as unsigned short
        "",  # blank lines are ignored
    ]
)


def test_build_tables_follows_keymap_gen_rules() -> None:
    tables = keycodegen.build_tables(keycodegen.read_csv(SAMPLE.encode()))
    assert tables == {
        "linux": (
            ("KEY_RESERVED", 0),
            ("KEY_ESC", 1),
            ("KEY_A", 2),
            ("KEY_B", 3),
            ("KEY_LEFTSHIFT", 4),
            ("KEY_BIG", 5),
            ("BTN_0", 0x100),
            ("BTN_1", 0x101),
        ),
        # Shift has no OS-X code: it gets KEY_RESERVED's (0xff)
        "os_x": (
            ("Escape", 0x35),
            ("ANSI_A", 0x00),
            ("ANSI_B", 0x0B),
            ("Shift", 0xFF),
            ("Big", 0xFFFF),
        ),
        "win32": (
            ("VK_A", 0x41),
            ("VK_B", 0x42),
            ("VK_LSHIFT", 0xA0),
            ("VK_OEM_5", 0xDC),
            ("VK_OEM_5", 0xE2),
        ),
    }


def test_a_name_without_a_code_falls_back_to_zero_when_key_reserved_has_none() -> None:
    rows = keycodegen.read_csv("\n".join([HEADER, row("KEY_X", "7", win_name="VK_X")]).encode())
    assert keycodegen.build_tables(rows)["win32"] == (("VK_X", 0),)


def test_a_code_that_is_not_a_number_is_refused() -> None:
    rows = keycodegen.read_csv("\n".join([HEADER, row("KEY_X", "seven")]).encode())
    with pytest.raises(ValueError, match="not a keycode: 'seven'"):
        keycodegen.build_tables(rows)


def test_render_is_deterministic_and_loads_back() -> None:
    text = keycodegen.render(SAMPLE.encode())
    assert text == keycodegen.render(SAMPLE.encode())
    assert hashlib.sha256(SAMPLE.encode()).hexdigest() in text
    assert "do not edit" in text.splitlines()[0]
    namespace: dict[str, object] = {}
    exec(compile(text, "keycodes_data.py", "exec"), namespace)
    tables = keycodegen.build_tables(keycodegen.read_csv(SAMPLE.encode()))
    assert namespace["NAMES"] == tables
    assert namespace["CSV_SHA256"] == hashlib.sha256(SAMPLE.encode()).hexdigest()


def test_render_is_ruff_clean(tmp_path: Path) -> None:
    ruff = Path(sys.executable).parent / "ruff"
    if not ruff.exists():
        pytest.skip(f"ruff is not installed next to {sys.executable}")
    target = tmp_path / "keycodes_data.py"
    target.write_text(keycodegen.render(SAMPLE.encode()))
    for args in (["format", "--check"], ["check"]):
        proc = subprocess.run(
            [str(ruff), *args, "--config", str(REPO / "pyproject.toml"), str(target)],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert proc.returncode == 0, proc.stdout + proc.stderr


def _tarball(path: Path, member: str, data: bytes) -> Path:
    with tarfile.open(path, "w:xz") as tar:
        for name, content in (("libvirt-9.0.0/README", b"x"), (member, data)):
            info = tarfile.TarInfo(name)
            info.size = len(content)
            tar.addfile(info, io.BytesIO(content))
    return path


def test_load_source_reads_a_csv_or_a_release_tarball(tmp_path: Path) -> None:
    csv = tmp_path / "keymaps.csv"
    csv.write_bytes(SAMPLE.encode())
    assert keycodegen.load_source(csv) == SAMPLE.encode()
    member = f"libvirt-9.0.0/{keycodegen.TARBALL_MEMBER}"
    tarball = _tarball(tmp_path / "libvirt.tar.xz", member, SAMPLE.encode())
    assert keycodegen.load_source(tarball) == SAMPLE.encode()
    other = _tarball(tmp_path / "other.tar.xz", "libvirt-9.0.0/keymaps.csv", b"")
    with pytest.raises(FileNotFoundError, match="no \\*/src/keycodemapdb"):
        keycodegen.load_source(other)


def test_main_writes_and_checks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    csv = tmp_path / "keymaps.csv"
    csv.write_bytes(SAMPLE.encode())
    data = tmp_path / "keycodes_data.py"
    monkeypatch.setattr(keycodegen, "DATA_PATH", data)
    assert keycodegen.main(["--check", str(csv)]) == 1  # missing counts as stale
    assert keycodegen.main([str(csv)]) == 0
    assert data.read_text() == keycodegen.render(SAMPLE.encode())
    assert keycodegen.main(["--check", str(csv)]) == 0
    assert keycodegen.main([str(csv)]) == 0  # unchanged: not rewritten
    data.write_text("# edited\n")
    assert keycodegen.main(["--check", str(csv)]) == 1
    assert keycodegen.main([]) == 2


# -- the committed module against libvirt 9.0.0's keymaps.csv ----------------------------------


@pytest.fixture(scope="module")
def keymaps_csv() -> bytes:
    libvirt_src = os.environ.get("LIBVIRT_SRC")
    if libvirt_src:
        path = Path(libvirt_src) / keycodegen.TARBALL_MEMBER
        if path.is_file():
            return path.read_bytes()
    if not TARBALL.is_file():
        subprocess.run(
            ["sh", str(REPO / "scripts" / "upstream-tests.sh"), "--fetch-only"],
            capture_output=True,
            cwd=REPO,
            timeout=FETCH_TIMEOUT,
            check=False,
        )
    if not TARBALL.is_file():
        pytest.skip(
            f"libvirt 9.0.0's keymaps.csv is unavailable: {TARBALL} is missing "
            "(scripts/upstream-tests.sh --fetch-only downloads it; or set "
            "LIBVIRT_SRC=/path/to/libvirt-9.0.0)"
        )
    return keycodegen.load_source(TARBALL)


def test_committed_data_matches_libvirts_keymaps_csv(keymaps_csv: bytes) -> None:
    committed = keycodegen.DATA_PATH.read_text(encoding="utf-8")
    assert committed == keycodegen.render(keymaps_csv), (
        "vsh/virt/keycodes_data.py is stale: "
        "run python -m vsh.devtools.keycodegen PATH/TO/keymaps.csv"
    )
