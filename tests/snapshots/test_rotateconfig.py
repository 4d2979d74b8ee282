"""vsh.snapshots.rotateconfig: [policy.NAME] tables of rotate.toml, errors with file:line."""

from __future__ import annotations

from pathlib import Path

import pytest

from vsh.snapshots import rotateconfig
from vsh.snapshots.rotateconfig import PolicyFileError, find_policy

GOOD = """\
# nightly snapshots
[policy.nightly]
label = "nightly"
keep-daily = 7
keep-weekly = 4
keep-within = "36h"
disk-only = true
diskspec = ["vda,snapshot=external", "vdb,snapshot=no"]

[policy."odd name"]
label = "odd"
keep-last = 1
"""


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_reads_a_policy(tmp_path) -> None:
    f = _write(tmp_path / "rotate.toml", GOOD)
    path, values = find_policy("nightly", [f])
    assert path == f
    assert values == {
        "label": "nightly", "keep-daily": 7, "keep-weekly": 4, "keep-within": "36h",
        "disk-only": True, "diskspec": ["vda,snapshot=external", "vdb,snapshot=no"],
    }  # fmt: skip
    assert find_policy("odd name", [f])[1] == {"label": "odd", "keep-last": 1}


def test_first_file_defining_it_wins(tmp_path) -> None:
    a = _write(tmp_path / "a.toml", "[policy.other]\nkeep-last = 1\n")
    b = _write(tmp_path / "b.toml", GOOD)
    missing = tmp_path / "none.toml"
    assert find_policy("nightly", [missing, a, b])[0] == b
    assert find_policy("other", [a, b])[0] == a


def test_default_search_path(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
    assert rotateconfig.policy_files() == [
        tmp_path / "cfg" / "vsh" / "rotate.toml",
        Path("/etc/vsh/rotate.toml"),
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[policy.p]\nlabel = \"x\"\nkeep-daily = = 3\n", "{f}:3: Invalid value"),
        ("[policy.p]\nlabel = \"x\"\n\nkepp-daily = 3\n",
         "{f}:4: unknown key 'kepp-daily' in [policy.p]"),
        ("[policy.p]\nkeep-daily = -1\n", "{f}:2: 'keep-daily' must be an integer of 0 or more"),
        ("[policy.p]\nkeep-daily = \"7\"\n", "{f}:2: 'keep-daily' must be an integer of 0 or more"),
        ("[policy.p]\nkeep-daily = true\n", "{f}:2: 'keep-daily' must be an integer of 0 or more"),
        ("[policy.p]\ndisk-only = 1\n", "{f}:2: 'disk-only' must be true or false"),
        ("[policy.p]\nparallel = 0\n", "{f}:2: 'parallel' must be an integer of 1 or more"),
        ("[policy.p]\ndiskspec = [1]\n", "{f}:2: 'diskspec' must be a string or a list of strings"),
        ("[policy.q]\nbogus = 1\n[policy.p]\nkeep-last = 1\nbogus = 2\n",
         "{f}:5: unknown key 'bogus' in [policy.p]"),
        ("policy = 3\n", "{f}:1: 'policy' must be a table of [policy.NAME] tables"),
    ],
)  # fmt: skip
def test_errors_name_file_and_line(tmp_path, text: str, message: str) -> None:
    f = _write(tmp_path / "rotate.toml", text)
    with pytest.raises(PolicyFileError) as exc:
        find_policy("p", [f])
    assert str(exc.value) == message.format(f=f)


def test_missing_policy_names_the_files(tmp_path) -> None:
    a, b = tmp_path / "a.toml", tmp_path / "b.toml"
    _write(a, GOOD)
    with pytest.raises(PolicyFileError, match=f"no policy 'weekly' in {a} or {b}"):
        find_policy("weekly", [a, b])


def test_unreadable_file(tmp_path) -> None:
    d = tmp_path / "dir.toml"
    d.mkdir()
    with pytest.raises(PolicyFileError, match=f"^{d}: Is a directory"):
        find_policy("p", [d])
