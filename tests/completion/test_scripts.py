"""``vsh completion bash|zsh|fish``: the scripts, run by the real shells.

bash: the script is sourced and its function called the way bash's
programmable completion calls it, with ``COMP_WORDS``/``COMP_CWORD`` split as
bash splits them (``COMP_WORDBREAKS`` makes ``:`` and ``=`` words of their
own) and ``COMP_LINE``/``COMP_POINT``; ``COMPREPLY`` is what bash would
insert.  zsh: the function runs with ``compadd``/``compdef``/``_files``
stubbed to print their arguments.  fish: ``complete -C`` asks fish itself.
Every call runs the real vsh, so names are live (``-c`` on the line).
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conformance.harness import base_env
from vsh.completion.scripts import SCRIPTS

BIN = str(Path(sys.executable).parent)
URI = "test:///default"


def env() -> dict[str, str]:
    e = base_env()
    e["PATH"] = BIN + os.pathsep + e.get("PATH", "")
    return e


@pytest.fixture(scope="module")
def script_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("scripts")
    for shell, text in SCRIPTS.items():
        (d / f"vsh.{shell}").write_text(text)
    return d


def bash(script_dir: Path, comp_words: list[str], line: str | None = None) -> list[str]:
    """COMPREPLY for a completion request; ``line`` defaults to the words joined."""
    words = " ".join(shlex.quote(w) for w in comp_words)
    program = f"""
source {script_dir / "vsh.bash"}
COMP_WORDS=({words})
COMP_CWORD={len(comp_words) - 1}
{"" if line is None else f"COMP_LINE={shlex.quote(line)}; COMP_POINT=${{#COMP_LINE}}"}
_vsh_complete vsh "${{COMP_WORDS[COMP_CWORD]}}" "${{COMP_WORDS[COMP_CWORD-1]}}"
printf '%s\\n' "${{COMPREPLY[@]}}"
"""
    proc = subprocess.run(
        ["bash", "--norc", "--noprofile", "-c", program],
        capture_output=True,
        text=True,
        env=env(),
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    return [r for r in proc.stdout.splitlines() if r]


def test_bash_registers_the_function(script_dir: Path) -> None:
    proc = subprocess.run(
        [
            "bash",
            "--norc",
            "--noprofile",
            "-c",
            f"source {script_dir / 'vsh.bash'}; complete -p vsh",
        ],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert proc.stdout == "complete -o default -F _vsh_complete vsh\n"


def test_bash_command_names(script_dir: Path) -> None:
    assert bash(script_dir, ["vsh", "dest"], "vsh dest") == ["destroy"]
    assert bash(script_dir, ["vsh", "snapshot-cr"]) == ["snapshot-create", "snapshot-create-as"]


def test_bash_honours_connect_given_earlier(script_dir: Path) -> None:
    words = ["vsh", "-c", "test", ":", "///default", "dominfo", "t"]
    assert bash(script_dir, words, "vsh -c test:///default dominfo t") == ["test"]
    words = ["vsh", "--connect", "=", "test", ":", "///default", "-r", "destroy", ""]
    assert bash(script_dir, words, "vsh --connect=test:///default -r destroy ") == [
        "test",
        "--domain",
        "--graceful",
        "--remove-logs",
    ]


def test_bash_without_connect_there_are_no_names(script_dir: Path) -> None:
    assert bash(script_dir, ["vsh", "dominfo", ""], "vsh dominfo ") == ["--domain", "--json"]


def test_bash_options_and_values(script_dir: Path) -> None:
    line = f"vsh -c {URI} echo --shell --"
    words = ["vsh", "-c", "test", ":", "///default", "echo", "--shell", "--"]
    assert bash(script_dir, words, line) == ["--err", "--string"]
    line = f"vsh -c {URI} reboot test --mode acpi,s"
    words = ["vsh", "-c", "test", ":", "///default", "reboot", "test", "--mode", "acpi,s"]
    assert bash(script_dir, words, line) == ["acpi,signal"]


def test_bash_inline_values_after_a_word_break(script_dir: Path) -> None:
    line = f"vsh -c {URI} dominfo --domain=t"
    words = ["vsh", "-c", "test", ":", "///default", "dominfo", "--domain", "=", "t"]
    assert bash(script_dir, words, line) == ["test"]


def test_bash_global_options(script_dir: Path) -> None:
    assert bash(script_dir, ["vsh", "--rea"], "vsh --rea") == ["--readonly"]


def test_bash_from_comp_words_alone(script_dir: Path) -> None:
    """Without COMP_LINE (some callers), the words are joined back."""
    assert bash(script_dir, ["vsh", "-c", URI, "dominfo", "t"]) == ["test"]


def test_bash_quotes_names(script_dir: Path, snap_node: str) -> None:
    path = snap_node.removeprefix("test://")
    head = ["vsh", "-c", "test", ":", "//" + path, "snapshot-info", "dom0"]
    line = f"vsh -c {snap_node} snapshot-info dom0 "
    assert sorted(bash(script_dir, [*head, "al"], line + "al")) == ["al\\ two", "alpha"]
    assert bash(script_dir, [*head, "'al t"], line + "'al t") == ["'al two'"]
    assert bash(script_dir, [*head, "it"], line + "it") == ["it\\'s"]
    assert bash(script_dir, [*head, "say"], line + "say") == ['say\\ \\"hi\\"']
    assert bash(script_dir, [*head, "semi"], line + "semi") == ["semi\\;colon"]


def test_bash_replies_parse_back_in_bash(script_dir: Path, snap_node: str) -> None:
    """What bash inserts must reach vsh as the name: echo it through bash's own parser."""
    path = snap_node.removeprefix("test://")
    head = ["vsh", "-c", "test", ":", "//" + path, "snapshot-info", "dom0", "--snapshotname"]
    line = f"vsh -c {snap_node} snapshot-info dom0 --snapshotname "
    for reply in bash(script_dir, [*head, ""], line):
        parsed = subprocess.run(
            ["bash", "--norc", "-c", f"printf '%s' {reply}"], capture_output=True, text=True
        ).stdout
        assert parsed in {
            "alpha", "al two", "beta", "it's", 'say "hi"', "semi;colon", "#hash", "--dash",
        }  # fmt: skip


# -- zsh and fish (skipped when not installed) ----------------------------------------------------


def zsh(script_dir: Path, words: list[str], prefix: str) -> list[str]:
    program = f"""
compdef() {{ : }}
compadd() {{ print -rl -- "$*" }}
_files() {{ print -r -- '<files>' }}
source {script_dir / "vsh.zsh"}
words=({" ".join(shlex.quote(w) for w in words)} {shlex.quote(prefix)})
CURRENT={len(words) + 1}
PREFIX={shlex.quote(prefix)}
_vsh
"""
    proc = subprocess.run(
        ["zsh", "-f", "-c", program], capture_output=True, text=True, env=env(), timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.splitlines()


needs_zsh = pytest.mark.skipif(shutil.which("zsh") is None, reason="zsh is not installed")
needs_fish = pytest.mark.skipif(shutil.which("fish") is None, reason="fish is not installed")


@needs_zsh
def test_zsh(script_dir: Path) -> None:
    assert zsh(script_dir, ["vsh", "-c", URI], "dest") == ["-- destroy"]
    assert zsh(script_dir, ["vsh", "-c", URI, "dominfo"], "") == ["-- test --domain --json"]
    assert zsh(script_dir, ["vsh", "-c", URI, "nosuch"], "") == ["<files>"]
    assert zsh(script_dir, ["vsh", "-c", URI, "dominfo"], "--domain=") == ["-- --domain=test"]
    assert zsh(script_dir, ["vsh"], "--conn") == ["-- --connect"]


@needs_zsh
def test_zsh_directories_take_no_space(script_dir: Path, tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    words = ["vsh", "snapshot-create", "test", "--xmlfile"]
    assert zsh(script_dir, words, f"{tmp_path}/s") == [f"-S  -- {tmp_path}/sub/"]


@needs_fish
def test_fish(script_dir: Path) -> None:
    def fish(line: str) -> list[str]:
        proc = subprocess.run(
            [
                "fish",
                "--no-config",
                "-c",
                f"source {script_dir / 'vsh.fish'}; complete -C {shlex.quote(line)}",
            ],
            capture_output=True,
            text=True,
            env=env(),
            timeout=60,
        )
        assert proc.returncode == 0, proc.stderr
        return proc.stdout.splitlines()

    assert fish(f"vsh -c {URI} dest") == ["destroy\tcommand"]
    assert fish(f"vsh -c {URI} dominfo ") == ["test\tdomain", "--domain\toption", "--json\toption"]
