"""``snapshot-rotate --policy NAME``: named policies in ``rotate.toml``.

The file is TOML (read with the standard library's :mod:`tomllib`); each
policy is a table ``[policy.NAME]`` whose keys are the command's long
options without the dashes in front::

    [policy.nightly]
    label = "nightly"
    keep-daily = 7
    keep-weekly = 4
    disk-only = true
    diskspec = ["vda,snapshot=external"]

It is looked for in ``$XDG_CONFIG_HOME/vsh/rotate.toml`` (``~/.config``
without it), then ``/etc/vsh/rotate.toml``; the first file that defines the
policy wins.  A file that is malformed, or a key that is unknown or of the
wrong type, is an error naming the file and the line.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Sequence
from pathlib import Path

__all__ = ["KEYS", "PolicyFileError", "find_policy", "policy_files", "read_policy"]


class PolicyFileError(Exception):
    """A policy that cannot be used; the message names the file (and line)."""


# key -> its type: "count" (integer >= 0), "int+" (integer >= 1), "str",
# "bool", "strs" (a string or a list of strings)
KEYS: dict[str, str] = {
    "label": "str",
    "keep-last": "count",
    "keep-hourly": "count",
    "keep-daily": "count",
    "keep-weekly": "count",
    "keep-monthly": "count",
    "keep-yearly": "count",
    "keep-within": "str",
    "max-delete": "count",
    "wait": "count",
    "parallel": "int+",
    "name-format": "str",
    "hook": "str",
    "warn": "str",
    "crit": "str",
    "description": "str",
    "disk-only": "bool",
    "quiesce": "bool",
    "atomic": "bool",
    "live": "bool",
    "memspec": "str",
    "diskspec": "strs",
}

_WHAT = {
    "count": "an integer of 0 or more",
    "int+": "an integer of 1 or more",
    "str": "a string",
    "bool": "true or false",
    "strs": "a string or a list of strings",
}


def policy_files() -> list[Path]:
    """Where policies are looked for, in order."""
    config = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return [Path(config) / "vsh" / "rotate.toml", Path("/etc/vsh/rotate.toml")]


def _header_line(lines: Sequence[str], name: str) -> int | None:
    """1-based line of the ``[policy.NAME]`` header (any TOML quoting of NAME)."""
    pattern = re.compile(
        r"\s*\[\s*policy\s*\.\s*(?:\"{0}\"|'{0}'|{0})\s*\]".format(re.escape(name))
    )
    for i, line in enumerate(lines, 1):
        if pattern.match(line):
            return i
    return None


def _key_line(lines: Sequence[str], header: int | None, key: str) -> int | None:
    """1-based line where ``key`` is set: in the table under ``header`` when the
    policy has a header line, else anywhere (dotted keys, inline tables)."""
    pattern = re.compile(r"\s*(?:\"{0}\"|'{0}'|{0})\s*=".format(re.escape(key)))
    for i in range(header or 0, len(lines)):
        if header is not None and lines[i].lstrip().startswith("["):
            break  # the next table
        if pattern.match(lines[i]) or (
            header is None
            and re.search(r"[.{{,]\s*(?:\"{0}\"|'{0}'|{0})\s*=".format(re.escape(key)), lines[i])
        ):
            return i + 1
    return None


def _valid(kind: str, value: object) -> bool:
    if kind == "bool":
        return isinstance(value, bool)
    if kind == "str":
        return isinstance(value, str)
    if kind == "strs":
        return isinstance(value, str) or (
            isinstance(value, list) and all(isinstance(v, str) for v in value)
        )
    if isinstance(value, bool) or not isinstance(value, int):
        return False
    return value >= (1 if kind == "int+" else 0)


def read_policy(path: Path, name: str) -> dict[str, object] | None:
    """The keys of ``[policy.NAME]`` in ``path``; None when the file does not define it.

    Raises :class:`PolicyFileError` for a malformed file or a bad key, and
    OSError when the file cannot be read.
    """
    text = path.read_bytes().decode("utf-8", "replace")
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # tomllib says "... (at line N, column M)"; lead with file:line.
        m = re.search(r"\(at line (\d+), column \d+\)$", str(exc))
        where = f"{path}:{m.group(1)}" if m else str(path)
        reason = str(exc)[: m.start()].strip() if m else str(exc)
        raise PolicyFileError(f"{where}: {reason}") from None
    policies = doc.get("policy", {})
    lines = text.splitlines()
    if not isinstance(policies, dict):
        line = next((i for i, t in enumerate(lines, 1) if re.match(r"\s*policy\s*=", t)), None)
        where = f"{path}:{line}" if line else str(path)
        raise PolicyFileError(f"{where}: 'policy' must be a table of [policy.NAME] tables")
    table = policies.get(name)
    if table is None:
        return None
    header = _header_line(lines, name)
    if not isinstance(table, dict):
        raise PolicyFileError(f"{path}: policy.{name} must be a table")
    for key, value in table.items():
        kind = KEYS.get(key)
        line = _key_line(lines, header, key)
        where = f"{path}:{line}" if line else str(path)
        if kind is None:
            raise PolicyFileError(f"{where}: unknown key '{key}' in [policy.{name}]")
        if not _valid(kind, value):
            raise PolicyFileError(f"{where}: '{key}' must be {_WHAT[kind]}")
    return dict(table)


def find_policy(name: str, files: Sequence[Path] | None = None) -> tuple[Path, dict[str, object]]:
    """The first file defining ``[policy.NAME]`` and its keys."""
    searched = list(policy_files() if files is None else files)
    for path in searched:
        try:
            found = read_policy(path, name)
        except FileNotFoundError:
            continue
        except OSError as exc:
            raise PolicyFileError(f"{path}: {exc.strerror or exc}") from None
        if found is not None:
            return path, found
    where = " or ".join(str(p) for p in searched)
    raise PolicyFileError(f"no policy '{name}' in {where}")
