"""Differential tests: pool-edit, pool-event, find-storage-pool-sources[-as],
vol-clone and vol-create-from against virsh 9.0 on the test driver.

``test:///default`` has the running pool "default-pool" without volumes;
libvirt's testnode.xml fixture has the same pool with "default-vol".  The
test driver answers find-storage-pool-sources for logical and netfs pools
with fixed documents; its pool events come only from the same connection, so
pool-event is checked on its option handling, --list and --timeout here and
on live events against the real daemon (tests/real/test_storage_node.py).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conformance.harness import assert_same

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
DEFAULT = "test:///default"
TESTNODE = f"test://{FIXTURES / 'testnode' / 'testnode.xml'}"
POOL_UUID = "dfe224cb-28fb-8dd0-c4b2-64eb3f0f4566"  # test:///default's default-pool
MAKE_VOL = "vol-create-as default-pool v1 1M --allocation 512K; "

COMMANDS = [
    "find-storage-pool-sources-as",
    "find-storage-pool-sources",
    "pool-edit",
    "pool-event",
    "vol-clone",
    "vol-create-from",
]


@pytest.mark.parametrize("name", COMMANDS)
def test_help(name: str) -> None:
    assert_same(["-c", DEFAULT, f"help {name}; {name} --help"])


FIND_CASES = [
    "find-storage-pool-sources logical",
    "find-storage-pool-sources netfs",
    "find-storage-pool-sources dir",
    "find-storage-pool-sources bogus",
    "find-storage-pool-sources ''",
    "find-storage-pool-sources logical ''",
    "find-storage-pool-sources netfs /nonexistent/spec.xml",
    "find-storage-pool-sources-as logical",
    "find-storage-pool-sources-as netfs",
    "find-storage-pool-sources-as netfs host1",
    "find-storage-pool-sources-as netfs host1 2049",
    "find-storage-pool-sources-as netfs host1 2049 iqn.2024-01.org.example:x",
    "find-storage-pool-sources-as netfs --port 2049",
    "find-storage-pool-sources-as netfs host1 ''",
    "find-storage-pool-sources-as netfs '' ''",
    "find-storage-pool-sources-as '' --port ''",
    "find-storage-pool-sources-as netfs --initiator '' --host h",
    'find-storage-pool-sources-as netfs --host "a\'b"',
    "find-storage-pool-sources-as iscsi --host h --initiator iqn",
    "find-storage-pool-sources-as dir",
    "find-storage-pool-sources-as bogus",
    "find-storage-pool-sources-as",
]


@pytest.mark.parametrize("script", FIND_CASES)
def test_find_sources(script: str) -> None:
    assert_same(["-c", DEFAULT, script])


@pytest.mark.parametrize(
    "spec",
    ["<source><host name='srv'/></source>", "<source><host name='srv'/>", ""],
    ids=["good", "broken", "empty"],
)
@pytest.mark.parametrize("ptype", ["netfs", "logical"])
def test_find_sources_spec_file(tmp_path: Path, spec: str, ptype: str) -> None:
    path = tmp_path / "spec.xml"
    path.write_text(spec)
    assert_same(["-c", DEFAULT, f"find-storage-pool-sources {ptype} {path}"])


EVENT_CASES = [
    "pool-event --list",
    "pool-event --list --event bogus --timeout x",
    "pool-event",
    "pool-event --event bogus",
    "pool-event --event ''",
    "pool-event --event lifecycle --timeout 1",
    "pool-event --event refresh --timeout 1 --loop --timestamp",
    "pool-event --event lifecycle --timeout 0",
    "pool-event --event lifecycle --timeout x",
    "pool-event --event lifecycle --timeout -1",
    "pool-event --pool nope --event lifecycle --timeout 1",
    "pool-event --pool '' --event lifecycle --timeout 1",
    "pool-event --pool default-pool --event lifecycle --timeout 1",
    "pool-event --pool dfe224cb-28fb-8dd0-c4b2-64eb3f0f4566 --event refresh --timeout 1",
    "pool-event --pool default-pool --event bogus --timeout x",
    "pool-event --pool nope --event lifecycle --timeout x",
]


@pytest.mark.parametrize("script", EVENT_CASES)
def test_pool_event(script: str) -> None:
    assert_same(["-c", DEFAULT, script])


def _temp_names(text: str) -> str:
    return re.sub(r"virsh\w{6}\.xml", "virshXXXXXX.xml", text)


EDITORS = {
    "unchanged": "true",
    "target": 'sed -i "s|<path>/default-pool</path>|<path>/default-pool2</path>|" "$1"',
    "garbage": 'echo garbage > "$1"',
    "rename": 'sed -i "s|<name>default-pool</name>|<name>other</name>|; /<uuid>/d" "$1"',
    "fails": "exit 3",
}


@pytest.mark.parametrize("editor", sorted(EDITORS))
def test_pool_edit(tmp_path: Path, editor: str) -> None:
    script = tmp_path / "editor.sh"
    script.write_text(f"#!/bin/sh\n{EDITORS[editor]}\n")
    script.chmod(0o755)
    env = {"EDITOR": str(script), "VISUAL": str(script)}
    line = "pool-edit default-pool; pool-dumpxml default-pool; pool-list --all"
    assert_same(["-c", DEFAULT, line], env=env, normalise=_temp_names)


@pytest.mark.parametrize(
    "script",
    [
        "pool-edit nope",
        "pool-edit ''",
        "pool-edit",
        f"pool-edit {POOL_UUID}",
    ],
)
def test_pool_edit_lookup(script: str) -> None:
    assert_same(["-c", DEFAULT, script], env={"EDITOR": "true", "VISUAL": "true"})


@pytest.mark.parametrize("mode", [0o644, None], ids=["not-executable", "missing"])
def test_pool_edit_editor_cannot_run(tmp_path: Path, mode: int | None) -> None:
    script = tmp_path / "editor.sh"
    if mode is not None:
        script.write_text("#!/bin/sh\ntrue\n")
        script.chmod(mode)
    env = {"EDITOR": str(script), "VISUAL": str(script)}
    assert_same(["-c", DEFAULT, "pool-edit default-pool"], env=env, normalise=_temp_names)


CLONE_CASES = [
    "vol-clone --pool default-pool v1 c1 --print-xml",
    "vol-clone --pool default-pool v1 c1; vol-list default-pool; vol-dumpxml /default-pool/c1",
    "vol-clone /default-pool/v1 c1; vol-info /default-pool/c1",
    "vol-clone /default-pool/v1 'a&amp;b<c' --print-xml",
    "vol-clone /default-pool/v1 'a&b' --print-xml",
    "vol-clone /default-pool/v1 'a&b'",
    "vol-clone --pool default-pool v1 ''",
    "vol-clone --pool default-pool v1 v1",
    "vol-clone --pool default-pool v1 c2 --reflink",
    "vol-clone --pool default-pool v1 c2 --prealloc-metadata",
    "vol-clone --pool nope v1 c1",
    "vol-clone nope c1",
    "vol-clone v1 c1",
    "vol-clone --pool default-pool v1",
]


@pytest.mark.parametrize("script", CLONE_CASES)
def test_vol_clone(script: str) -> None:
    assert_same(["-c", DEFAULT, MAKE_VOL + script])


@pytest.mark.parametrize(
    "script",
    [
        "vol-clone --pool default-pool default-vol copy; vol-list default-pool --details",
        "vol-clone default-vol copy --print-xml --pool default-pool",
    ],
)
def test_vol_clone_testnode(script: str) -> None:
    assert_same(["-c", TESTNODE, script])


CREATE_FROM_CASES = [
    "vol-create-from default-pool {xml} v1 --inputpool default-pool; vol-list default-pool",
    "vol-create-from default-pool {xml} /default-pool/v1; vol-dumpxml new.img --pool default-pool",
    "vol-create-from default-pool {xml} /default-pool/v1 --validate",
    "vol-create-from default-pool {xml} v1 --inputpool default-pool --reflink",
    "vol-create-from default-pool {xml} v1 --inputpool default-pool --prealloc-metadata",
    "vol-create-from default-pool {xml} v1 --inputpool default-pool; "
    "vol-create-from default-pool {xml} v1 --inputpool default-pool",
    "vol-create-from default-pool {missing} /default-pool/v1",
    "vol-create-from default-pool {bad} /default-pool/v1",
    "vol-create-from nope {missing} /default-pool/v1",
    "vol-create-from default-pool {missing} nope",
    "vol-create-from default-pool {xml} v1",
    "vol-create-from default-pool {xml} v1 --inputpool nope",
    "vol-create-from default-pool '' v1",
    "vol-create-from default-pool {xml}",
]


@pytest.mark.parametrize("script", CREATE_FROM_CASES)
def test_vol_create_from(tmp_path: Path, script: str) -> None:
    xml = tmp_path / "new.xml"
    xml.write_text("<volume><name>new.img</name><capacity>1000</capacity></volume>\n")
    bad = tmp_path / "bad.xml"
    bad.write_text("<volume>\n")
    line = script.format(xml=xml, bad=bad, missing=tmp_path / "missing.xml")
    assert_same(["-c", DEFAULT, MAKE_VOL + line])
