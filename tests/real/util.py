"""Helpers shared by the real-stack tests: run vsh/virsh against the stack, compare them."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

import pytest

from tests.conformance import harness
from tests.conformance.harness import Outcome
from tests.realstack.stack import Stack

TIMEOUT = 90.0


def _argv(stack: Stack, args: Sequence[str], readonly: bool) -> list[str]:
    return [*(["-r"] if readonly else []), "-c", stack.uri, *args]


def vsh(
    stack: Stack,
    *args: str,
    readonly: bool = False,
    timeout: float = TIMEOUT,
    stdin: str | None = None,
) -> Outcome:
    return harness.run_vsh(_argv(stack, args, readonly), timeout=timeout, stdin=stdin)


def virsh(
    stack: Stack,
    *args: str,
    readonly: bool = False,
    timeout: float = TIMEOUT,
    stdin: str | None = None,
) -> Outcome:
    return harness.run_virsh(_argv(stack, args, readonly), timeout=timeout, stdin=stdin)


def ok(outcome: Outcome, what: str = "") -> Outcome:
    assert outcome.status == 0, f"{what} failed ({outcome.status}): {outcome.err or outcome.out}"
    return outcome


def same(
    stack: Stack, *args: str, readonly: bool = False, normalise: Callable[[str], str] | None = None
) -> Outcome:
    """vsh and /usr/bin/virsh agree byte for byte (stdout, stderr, status) on the stack."""
    return harness.assert_same(_argv(stack, args, readonly), normalise=normalise, timeout=TIMEOUT)


def drop_cpu_time(text: str) -> str:
    return re.sub(r"(?m)^CPU time:.*\n", "", text)


def has_command(name: str) -> bool:
    try:
        from vsh.core import registry as table

        return table.get_command(name) is not None
    except Exception:  # a module still being written may not import
        return False


def needs(*names: str) -> None:
    """Skip (with the reason) until every vsh command named exists."""
    missing = [n for n in names if not has_command(n)]
    if missing:
        pytest.skip(f"waits for vsh command(s): {', '.join(missing)}")


def fingerprint(stack: Stack, domains: Sequence[str]) -> str:
    """Everything a mutating command could change, read through one virsh process."""
    cmds = ["list --all --name"]
    for d in domains:
        cmds += [
            f"domstate {d} --reason",
            f"dumpxml {d} --inactive",
            f"snapshot-list {d} --parent --topological",
            f"snapshot-current {d} --name",
        ]
    proc = stack.virsh("; ".join(cmds), check=False)
    return proc.stdout + proc.stderr


def snapshot_state(stack: Stack, domain: str) -> dict[str, str]:
    """Tree, parents, current and every snapshot's XML, for comparing two definitions.

    Everything is in name order: libvirt's ``--topological`` order among siblings is the
    order they were defined in (newest first), which a redefinition may change without
    changing the tree.
    """
    names = sorted(stack.virsh("snapshot-list", domain, "--name").stdout.split())
    dumps = ""
    if names:
        dumps = stack.virsh(
            "; ".join(f"snapshot-dumpxml {domain} {n}" for n in names), timeout=180
        ).stdout
    return {
        "tree": stack.virsh("snapshot-list", domain, "--tree").stdout,
        "parents": stack.virsh("snapshot-list", domain, "--parent").stdout,
        "current": stack.virsh("snapshot-current", domain, "--name", check=False).stdout,
        "xml": dumps,
    }
