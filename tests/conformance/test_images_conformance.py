"""Differential tests: save-image-*, managedsave-dumpxml/-define/-edit, dump,
domxml-from-native, domxml-to-native, and the CPU model commands (cpu-baseline,
cpu-compare, hypervisor-cpu-baseline, hypervisor-cpu-compare).

The test driver implements save images and core dumps; managed save XML and
the native formats are not implemented there, so only their error paths are
compared here (their success paths: tests/commands/domain/test_images.py).
virsh 9.0 can hang on ``dump`` and ``managedsave`` (a worker finishing
before its watch starts): those runs go through ``_same_dump``, which retries
virsh only, as test_state_conformance's ``_same_job`` does.
"""

from __future__ import annotations

import re
import struct
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conformance.harness import VIRSH, assert_same, run_virsh, run_vsh
from tests.conformance.test_state_conformance import _editor

DEFAULT = "test:///default"
MAGIC = b"TestGuestMagic\0"  # the test driver's TEST_SAVE_MAGIC, NUL included

COMMANDS = [
    *("domxml-from-native", "domxml-to-native", "dump", "managedsave-define"),
    *("managedsave-dumpxml", "managedsave-edit", "save-image-define"),
    *("save-image-dumpxml", "save-image-edit"),
    *("cpu-baseline", "cpu-compare", "hypervisor-cpu-baseline", "hypervisor-cpu-compare"),
]


@pytest.mark.parametrize("name", COMMANDS)
def test_help(name: str) -> None:
    assert_same(["-c", DEFAULT, f"help {name}; {name} --help"])


@pytest.fixture(scope="module")
def domain_xml(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("images") / "test.xml"
    out = subprocess.run(
        [VIRSH, "-c", DEFAULT, "dumpxml test"], capture_output=True, text=True, check=True
    )
    path.write_text(out.stdout)
    return path


def _image(path: Path, xml: str) -> Path:
    """A save image as the test driver writes one (testDomainSaveImageWrite):
    the magic, the XML's length as a native int, the XML."""
    data = xml.encode()
    path.write_bytes(MAGIC + struct.pack("=i", len(data)) + data)
    return path


def _temp(text: str) -> str:
    return re.sub(r"virsh[A-Za-z0-9]{6}\.xml", "virshXXXXXX.xml", text)


def test_save_image_dumpxml_and_define(tmp_path: Path, domain_xml: Path) -> None:
    img = _image(tmp_path / "img", domain_xml.read_text())
    smaller = tmp_path / "smaller.xml"
    smaller.write_text(domain_xml.read_text().replace("8388608", "4194304"))
    assert_same(
        [
            "-c",
            DEFAULT,
            f"save-image-dumpxml {img}; save-image-dumpxml --file {img} --security-info; "
            f"save-image-dumpxml {img} --xpath //disk --wrap; "
            f"save-image-dumpxml {img} --xpath /domain/name; save-image-dumpxml {img} --xpath ''",
        ]
    )
    define = (
        f"save-image-define {img} {smaller} --running; save-image-dumpxml {img} --xpath //memory"
    )
    _same_fresh(["-c", DEFAULT, define], lambda: _image(img, domain_xml.read_text()))
    errors = [
        "save-image-dumpxml /nonexistent",
        "save-image-dumpxml ''",
        f"save-image-define {img} /nonexistent.xml",
        f"save-image-define {img} /etc/hostname",
        f"save-image-define {img} {smaller} --running --paused",
        f"save-image-define /nonexistent {smaller}",
        f"save-image-define '' {smaller}",
        f"save-image-define {img} ''",
    ]
    assert_same(["-c", DEFAULT, "; ".join(errors)])
    ro = f"save-image-dumpxml {img}; save-image-define {img} {smaller}; save-image-edit {img}"
    assert_same(["-r", "-c", DEFAULT, ro])
    assert_same(["-c", DEFAULT, "save-image-dumpxml"])
    assert_same(["-c", DEFAULT, f"save-image-define {img}"])


def _same_fresh(args: list[str], reset: Callable[[], object], **kw: object) -> None:
    """assert_same with ``reset()`` (a fresh image) before each program's run."""
    reset()
    expected = run_virsh(args, **kw)
    reset()
    actual = run_vsh(args, **kw)
    normalise = _temp
    assert (normalise(actual.err), normalise(actual.out), actual.status) == (
        normalise(expected.err),
        normalise(expected.out),
        expected.status,
    ), f"differs for {args!r}"


def test_save_image_edit(tmp_path: Path, domain_xml: Path) -> None:
    img = tmp_path / "img"
    editors = [
        "true",
        _editor(tmp_path, "bad.sh", 'echo "<domain>broken" > "$1"\n'),
        _editor(tmp_path, "mem.sh", "sed -i 's/8388608/4194304/' \"$1\"\n"),
        _editor(tmp_path, "fail.sh", "exit 3\n"),
        "true ;",
    ]
    script = (
        f"save-image-edit {img}; save-image-dumpxml {img} --xpath //memory; "
        f"save-image-edit {img} --paused"
    )
    for editor in editors:
        _same_fresh(
            ["-c", DEFAULT, script],
            lambda: _image(img, domain_xml.read_text()),
            env={"EDITOR": editor},
        )
    errors = [
        f"save-image-edit {img} --running --paused",
        "save-image-edit ''",
        "save-image-edit /nonexistent",
    ]
    assert_same(["-c", DEFAULT, "; ".join(errors)], env={"EDITOR": "true"})


MANAGEDSAVE = [
    # the test driver has no managed save XML: its error, after virsh's checks
    "managedsave-dumpxml test; managedsave-dumpxml nope; managedsave-dumpxml test --xpath ''; "
    "managedsave-dumpxml test --security-info --xpath //name --wrap",
    "managedsave test; managedsave-dumpxml test; managedsave-edit test",
    "managedsave-define test {xml}; managedsave-define test /nonexistent; "
    "managedsave-define nope {xml}; managedsave-define test {xml} --running --paused; "
    "managedsave-define test ''; managedsave-define '' {xml}",
    "managedsave-edit test; managedsave-edit nope; managedsave-edit test --running --paused; "
    "managedsave-edit ''",
    "managedsave-define test",
]


@pytest.mark.parametrize("script", MANAGEDSAVE)
def test_managedsave_xml(script: str, domain_xml: Path) -> None:
    args = ["-c", DEFAULT, script.format(xml=domain_xml)]
    if script.startswith("managedsave test"):
        _same_dump(args)
        return
    assert_same(args, env={"EDITOR": "true"})
    assert_same(["-r", *args], env={"EDITOR": "true"})


DUMP = [
    "dump test {d}/a; list --all",
    "dump test {d}/b --memory-only --format elf --verbose",
    "dump --domain test --file {d}/c --format elf",
    "dump test {d}/d --memory-only --format kdump-zlib",
    "dump test {d}/e --memory-only --format bogus",
    "dump test {d}/f --memory-only --format ''",
    "dump 1 {d}/g --crash; list --all",
    "dump test {d}/h --live --bypass-cache --reset",
    "dump test {d}/missing/i",
    "destroy test; dump test {d}/j",
]


def _same_dump(args: list[str]) -> None:
    """_same_job with a short virsh timeout: a dump on the test driver takes
    milliseconds, so a virsh still running after 3 s has lost its wake-up."""
    for _ in range(8):
        try:
            expected = run_virsh(args, timeout=3)
        except subprocess.TimeoutExpired:
            continue
        break
    else:
        pytest.fail(f"virsh hung on every try: {args!r}")
    actual = run_vsh(args, timeout=60)
    assert (actual.err, actual.out, actual.status) == (
        expected.err,
        expected.out,
        expected.status,
    ), f"differs for {args!r}"


@pytest.mark.parametrize("script", DUMP)
def test_dump(script: str, tmp_path: Path) -> None:
    _same_dump(["-c", DEFAULT, script.format(d=tmp_path)])


def test_dump_errors(tmp_path: Path) -> None:
    """Failures before the worker starts, and the read-only refusal inside it."""
    assert_same(["-c", DEFAULT, f"dump nope {tmp_path}/x; dump test ''; dump ''  {tmp_path}/x"])
    assert_same(["-c", DEFAULT, "dump test"])
    _same_dump(["-r", "-c", DEFAULT, f"dump test {tmp_path}/r"])


def test_native_formats(domain_xml: Path) -> None:
    """No test driver converts native formats: virsh's checks, then its error."""
    x = domain_xml
    lines = [
        f"domxml-from-native qemu-argv {x}",
        f"domxml-from-native '' {x}",
        "domxml-from-native qemu-argv ''",
        "domxml-from-native qemu-argv /nonexistent",
        "domxml-to-native qemu-argv --domain test",
        f"domxml-to-native qemu-argv --xml {x}",
        f"domxml-to-native qemu-argv {x}",
        "domxml-to-native qemu-argv",
        f"domxml-to-native qemu-argv --domain test --xml {x}",
        "domxml-to-native qemu-argv --domain nope",
        "domxml-to-native qemu-argv --domain ''",
        "domxml-to-native qemu-argv --xml ''",
        "domxml-to-native '' --xml ''",
        "domxml-to-native qemu-argv --xml /nonexistent --domain test",
    ]
    assert_same(["-c", DEFAULT, "; ".join(lines)])
    assert_same(["-r", "-c", DEFAULT, "; ".join(lines[:1] + lines[4:6])])
    assert_same(["-c", DEFAULT, "domxml-to-native"])
    assert_same(["-c", DEFAULT, "domxml-from-native x"])


CPU_FILES = {
    "cpu.xml": "<cpu>\n  <arch>x86_64</arch>\n  <model>Haswell</model>\n  <vendor>Intel</vendor>\n"
    "  <feature name='vmx'/>\n</cpu>\n",
    # an XML declaration, two CPUs, a guest CPU's attributes
    "two.xml": "<?xml version='1.0'?>\n<cpu mode='custom' match='exact'>\n"
    "  <arch>x86_64</arch>\n  <model fallback='allow'>Haswell</model>\n</cpu>\n"
    "<cpu>\n  <arch>x86_64</arch>\n  <model>Broadwell</model>\n</cpu>\n",
    "pair.xml": "<cpu><arch>x86_64</arch><model>Haswell</model><vendor>Intel</vendor></cpu>"
    "<cpu><arch>x86_64</arch><model>Broadwell</model><vendor>Intel</vendor></cpu>",
    # domain capabilities: the supported host-model mode becomes a bare <cpu>
    "domcaps.xml": "<domainCapabilities>\n  <cpu>\n"
    "    <mode name='host-passthrough' supported='yes'/>\n"
    "    <mode name='host-model' supported='yes'>\n"
    "      <model fallback='forbid'>Haswell</model>\n      <vendor>Intel</vendor>\n"
    "      <feature policy='require' name='vmx'/>\n    </mode>\n  </cpu>\n"
    "</domainCapabilities>\n",
    "caps.xml": "<capabilities><host><cpu><arch>x86_64</arch><model>Haswell</model>"
    "<vendor>Intel</vendor></cpu></host></capabilities>\n",
    "none.xml": "<notcpu/>\n",
    "broken.xml": "<cpu\n",
    "broken2.xml": "<cpu>\n\t<model>x</model>\n  <bad attr=>\n</cpu>\n",
}


@pytest.fixture(scope="module")
def cpu_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("cpus")
    for name, text in CPU_FILES.items():
        (folder / name).write_text(text)
    return folder


def test_cpu_files(cpu_dir: Path, domain_xml: Path) -> None:
    """The test driver computes baselines; it compares nothing (virsh's errors)."""
    for name in [*CPU_FILES, str(domain_xml), "/nonexistent", "''"]:
        script = (
            f"cpu-baseline {name}; cpu-compare {name}; hypervisor-cpu-compare {name}; "
            f"hypervisor-cpu-baseline {name}"
        )
        assert_same(["-c", DEFAULT, script], cwd=str(cpu_dir))


def test_cpu_options(cpu_dir: Path) -> None:
    lines = [
        "cpu-baseline cpu.xml --features",
        "cpu-baseline --file pair.xml --migratable",
        "cpu-baseline pair.xml --features --migratable",
        "hypervisor-cpu-baseline --model Haswell",
        "hypervisor-cpu-baseline",
        "hypervisor-cpu-baseline cpu.xml --model x",
        "hypervisor-cpu-baseline --model ''",
        "hypervisor-cpu-baseline cpu.xml --virttype ''",
        "hypervisor-cpu-compare cpu.xml --arch ''",
        "hypervisor-cpu-compare cpu.xml --machine '' --emulator ''",
        "cpu-compare cpu.xml --error --validate",
        "hypervisor-cpu-compare cpu.xml --virttype kvm --arch x86_64 --machine pc "
        "--emulator /bin/qemu --error",
    ]
    assert_same(["-c", DEFAULT, "; ".join(lines)], cwd=str(cpu_dir))
    assert_same(
        ["-r", "-c", DEFAULT, "cpu-baseline cpu.xml; cpu-compare cpu.xml"], cwd=str(cpu_dir)
    )
    assert_same(["-c", DEFAULT, "cpu-baseline"])
    assert_same(["-c", DEFAULT, "hypervisor-cpu-compare"])


def test_completers() -> None:
    lines = [
        "complete -- 'dump test x --format '",
        "complete -- 'hypervisor-cpu-baseline --model '",
        "complete -- 'hypervisor-cpu-compare x --arch x8'",
        "complete -- 'hypervisor-cpu-baseline --virttype k'",
        "complete -- 'domxml-to-native x --domain '",
        "complete -- 'managedsave-dumpxml '",
    ]
    for line in lines:
        assert_same(["-c", DEFAULT, line])


@pytest.mark.parametrize("keys", ["?n", "fy\x04n"])
def test_save_image_edit_on_a_terminal(tmp_path: Path, domain_xml: Path, keys: str) -> None:
    """A refused define asks "Try again?" ([y,n,f,?]: no relax step)."""
    from tests.conformance.harness import VSH
    from tests.conformance.test_state_conformance import _transcript

    img = tmp_path / "img"
    env = {"VISUAL": _editor(tmp_path, "broken.sh", 'echo "<broken" > "$1"\n')}
    script = f"save-image-edit {img}; save-image-dumpxml {img} --xpath //name"
    _image(img, domain_xml.read_text())
    expected = _transcript([VIRSH], script, keys, env)
    _image(img, domain_xml.read_text())
    assert _transcript(VSH, script, keys, env) == expected
