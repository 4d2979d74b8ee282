"""What a fleet run prints: per-host blocks, gathered blocks, diffs, merged JSON,
the summary line and the exit status.  Pure functions of the hosts' results.
"""

from __future__ import annotations

import difflib
import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from vsh.fleet.nodeset import fold

OK, FAILED, UNREACHABLE, TIMEOUT = "ok", "failed", "unreachable", "timeout"
SKIPPED = "skipped"  # --fail-fast: never started
INTERRUPTED = "interrupted"  # Ctrl-C stopped it
STATUSES = (OK, FAILED, UNREACHABLE, TIMEOUT, SKIPPED, INTERRUPTED)
# the summary line's words
_WORDS = {OK: "ok", FAILED: "failed", UNREACHABLE: "unreachable", TIMEOUT: "timed out",
          SKIPPED: "skipped", INTERRUPTED: "interrupted"}  # fmt: skip

EXIT_OK, EXIT_FAILED, EXIT_UNREACHABLE, EXIT_INTERRUPTED = 0, 1, 2, 130


@dataclass(frozen=True)
class HostResult:
    name: str
    status: str  # one of STATUSES
    exit: int | None  # the host's vsh exit status; None if it was killed or never ran
    stdout: str = ""
    stderr: str = ""


def prefixed(name: str, text: str) -> str:
    """``text`` with every line prefixed ``name: `` (a last line without newline gets one)."""
    if not text:
        return ""
    return "".join(
        f"{name}: {line}\n" for line in text.split("\n")[: -1 if text.endswith("\n") else None]
    )


def _blocks(results: Sequence[HostResult]) -> list[tuple[list[str], str, int | None]]:
    """Hosts grouped by (stdout, exit status), in the order of each group's first host."""
    groups: dict[tuple[str, int | None], list[str]] = {}
    for result in results:
        if result.status == SKIPPED:
            continue
        groups.setdefault((result.stdout, result.exit), []).append(result.name)
    return [(names, stdout, status) for (stdout, status), names in groups.items()]


def header(names: Sequence[str]) -> str:
    """``hv[01-03,07] (4)``."""
    return f"{fold(names)} ({len(names)})"


def gathered(results: Sequence[HostResult]) -> str:
    """One block per distinct (stdout, exit status), as ``clush -b``.

    Output that is only blank lines (virsh's newline after a failed command)
    makes no block: those hosts are in the summary line and their errors on
    stderr.
    """
    out: list[str] = []
    for names, stdout, status in _blocks(results):
        if not stdout.strip():
            continue
        title = header(names) + (f" exit {status}" if status not in (0, None) else "")
        rule = "-" * max(15, len(title))
        out.append(f"{rule}\n{title}\n{rule}\n{stdout}")
        if not stdout.endswith("\n"):
            out.append("\n")
    return "".join(out)


def diffed(results: Sequence[HostResult]) -> str:
    """Each distinct output as a unified diff against the most common one.

    The reference is the stdout most hosts printed (on a tie, the one seen
    first); hosts that printed it show nothing.
    """
    ran = [r for r in results if r.status != SKIPPED]
    if not ran:
        return ""
    counts = Counter(r.stdout for r in ran)
    best = max(counts.values())
    reference = next(r.stdout for r in ran if counts[r.stdout] == best)
    ref_names = [r.name for r in ran if r.stdout == reference]
    others: dict[str, list[str]] = {}
    for result in ran:
        if result.stdout != reference:
            others.setdefault(result.stdout, []).append(result.name)
    out: list[str] = []
    for stdout, names in others.items():
        lines = difflib.unified_diff(
            reference.splitlines(keepends=True),
            stdout.splitlines(keepends=True),
            fromfile=header(ref_names),
            tofile=header(names),
        )
        for line in lines:
            out.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
    return "".join(out)


def parse_documents(text: str) -> list[Any] | None:
    """The JSON documents ``text`` holds one after another; None if it is not JSON."""
    decoder = json.JSONDecoder()
    docs: list[Any] = []
    index = 0
    while True:
        while index < len(text) and text[index].isspace():
            index += 1
        if index == len(text):
            return docs
        try:
            doc, index = decoder.raw_decode(text, index)
        except json.JSONDecodeError:
            return None
        docs.append(doc)


def merged_json(results: Sequence[HostResult]) -> dict[str, Any]:
    """``{"hosts": {name: {...}}, "summary": {...}}``.

    Each host has its status, exit status and stderr, and its command's own
    ``--json`` document under ``result`` (``results``, a list, when a command
    string printed several); output that is not JSON stays text under ``stdout``.
    """
    hosts: dict[str, dict[str, Any]] = {}
    for result in results:
        entry: dict[str, Any] = {"status": result.status, "exit": result.exit}
        docs = parse_documents(result.stdout)
        if docs is None:
            entry["stdout"] = result.stdout
        elif len(docs) == 1:
            entry["result"] = docs[0]
        elif docs:
            entry["results"] = docs
        else:
            entry["result"] = None
        entry["stderr"] = result.stderr
        hosts[result.name] = entry
    return {"hosts": hosts, "summary": summary_counts(results)}


def summary_counts(results: Sequence[HostResult]) -> dict[str, Any]:
    counts: dict[str, Any] = {status: 0 for status in STATUSES}
    for result in results:
        counts[result.status] += 1
    counts["hosts"] = len(results)
    counts["exit"] = exit_status(results)
    return counts


def exit_status(results: Sequence[HostResult]) -> int:
    """Bits: 1 some command failed, 2 some host unreachable or timed out; 0 all ok."""
    status = EXIT_OK
    for result in results:
        if result.status == FAILED:
            status |= EXIT_FAILED
        elif result.status in (UNREACHABLE, TIMEOUT):
            status |= EXIT_UNREACHABLE
    return status


# Nagios plugin statuses, and their order from best to worst (CRITICAL > WARNING >
# UNKNOWN > OK, as multi-check aggregators rank them)
NAGIOS_OK, NAGIOS_WARNING, NAGIOS_CRITICAL, NAGIOS_UNKNOWN = 0, 1, 2, 3
_NAGIOS_RANK = (NAGIOS_OK, NAGIOS_UNKNOWN, NAGIOS_WARNING, NAGIOS_CRITICAL)


def monitoring_status(results: Sequence[HostResult]) -> int:
    """The worst Nagios status of the hosts' monitoring checks (``snapshot-rotate --check``).

    A host's own exit status is its check's status; an unreachable host is
    UNKNOWN (as the check says itself when it cannot connect; after other
    commands in the string vsh's status would be a plain 1); a host stopped
    by ``--command-timeout`` is CRITICAL (Nagios's default for a plugin that
    times out); any other status than 0-3 is UNKNOWN.
    """
    worst = NAGIOS_OK
    for result in results:
        if result.status == SKIPPED:
            continue
        if result.status == TIMEOUT:
            state = NAGIOS_CRITICAL
        elif result.status == UNREACHABLE:
            state = NAGIOS_UNKNOWN
        elif result.exit in _NAGIOS_RANK:
            state = result.exit
        else:
            state = NAGIOS_UNKNOWN
        if _NAGIOS_RANK.index(state) > _NAGIOS_RANK.index(worst):
            worst = state
    return worst


def summary_line(results: Sequence[HostResult]) -> str:
    """``4 ok, 1 failed (hv03), 1 unreachable (hv07)``: ok always, others when present."""
    parts: list[str] = []
    for status in STATUSES:
        names = [r.name for r in results if r.status == status]
        if status == OK:
            parts.append(f"{len(names)} ok")
        elif names:
            parts.append(f"{len(names)} {_WORDS[status]} ({fold(names)})")
    return ", ".join(parts)
