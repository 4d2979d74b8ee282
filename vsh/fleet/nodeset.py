"""Host name ranges as ClusterShell writes them: ``hv[01-08,10]``.

:func:`expand` turns a pattern into names (zero padding kept from the range's
start, several bracket groups multiply out), :func:`split_top` splits a comma
list without breaking inside brackets, and :func:`fold` writes a set of names
back in the short form (``hv[01-03,07]``).  All iterative.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from vsh.core.errors import VshError

MAX_NAMES = 100_000  # a typo like hv[1-99999999] must not eat the memory

_TRAILING_NUMBER = re.compile(r"^(.*?)(\d+)(\D*)$", re.DOTALL)


class RangeError(VshError):
    """A malformed range; the message names the pattern."""


def split_top(text: str) -> list[str]:
    """Split on commas outside brackets; empty items are dropped."""
    items: list[str] = []
    depth = 0
    current: list[str] = []
    for char in text:
        if char == "[":
            depth += 1
        elif char == "]":
            depth = max(depth - 1, 0)
        if char == "," and depth == 0:
            items.append("".join(current))
            current = []
        else:
            current.append(char)
    items.append("".join(current))
    return [item.strip() for item in items if item.strip()]


def _numbers(pattern: str, body: str) -> list[str]:
    """``01-03,07`` -> ``["01", "02", "03", "07"]`` (padding from each range's start)."""
    found: list[str] = []
    for part in body.split(","):
        start, dash, end = part.strip().partition("-")
        if not start.isdigit() or (dash and not end.isdigit()):
            raise RangeError(f"bad range '{part.strip()}' in '{pattern}'")
        width = len(start) if start.startswith("0") and len(start) > 1 else 0
        low, high = int(start), int(end) if dash else int(start)
        if high < low:
            raise RangeError(f"bad range '{part.strip()}' in '{pattern}': {end} < {start}")
        if len(found) + high - low + 1 > MAX_NAMES:
            raise RangeError(f"range too large in '{pattern}'")
        found.extend(str(n).zfill(width) for n in range(low, high + 1))
    return found


def expand(pattern: str) -> list[str]:
    """Every name ``pattern`` stands for, in order (duplicates removed)."""
    names = [""]
    rest = pattern
    while rest:
        opening = rest.find("[")
        closing = rest.find("]")
        if opening < 0:
            if closing >= 0:
                raise RangeError(f"unbalanced ']' in '{pattern}'")
            names = [name + rest for name in names]
            break
        if closing < opening:
            raise RangeError(f"unbalanced brackets in '{pattern}'")
        prefix, body = rest[:opening], rest[opening + 1 : closing]
        if "[" in body:
            raise RangeError(f"nested brackets in '{pattern}'")
        numbers = _numbers(pattern, body)
        if len(names) * len(numbers) > MAX_NAMES:
            raise RangeError(f"range too large in '{pattern}'")
        names = [name + prefix + number for name in names for number in numbers]
        rest = rest[closing + 1 :]
    return list(dict.fromkeys(names))


def _runs(values: list[int], width: int) -> str:
    """Sorted distinct ints -> ``01-03,07``."""
    parts: list[str] = []
    start = previous = values[0]
    for value in [*values[1:], None]:
        if value is not None and value == previous + 1:
            previous = value
            continue
        low, high = str(start).zfill(width), str(previous).zfill(width)
        parts.append(low if start == previous else f"{low}-{high}")
        if value is not None:
            start = previous = value
    return ",".join(parts)


def fold(names: Iterable[str]) -> str:
    """The shortest comma list of ranges for ``names``: ``hv[01-03,07],lab``.

    Names group by what surrounds their last number and by its padding; a
    number without a leading zero joins a padded group of its own length
    (``hv09``, ``hv10`` -> ``hv[09-10]``).
    """
    plain: list[str] = []
    # (prefix, suffix) -> width -> values; width 0 = no padding
    groups: dict[tuple[str, str], dict[int, set[int]]] = {}
    for name in dict.fromkeys(names):
        match = _TRAILING_NUMBER.match(name)
        # a literal URI stays whole: a spec takes it literally, never as a range
        if match is None or "://" in name or "[" in name or "]" in name or "," in name:
            plain.append(name)
            continue
        prefix, digits, suffix = match.groups()
        width = len(digits) if digits.startswith("0") and len(digits) > 1 else 0
        groups.setdefault((prefix, suffix), {}).setdefault(width, set()).add(int(digits))
    out: list[tuple[str, str]] = [(name, name) for name in plain]
    for (prefix, suffix), widths in groups.items():
        unpadded = widths.pop(0, set())
        for value in sorted(unpadded):
            width = len(str(value))
            if width in widths:
                widths[width].add(value)
            else:
                widths.setdefault(0, set()).add(value)
        for width, values in widths.items():
            ordered = sorted(values)
            if len(ordered) == 1:
                text = f"{prefix}{str(ordered[0]).zfill(width)}{suffix}"
            else:
                text = f"{prefix}[{_runs(ordered, width)}]{suffix}"
            out.append((f"{prefix}\0{suffix}\0{width:09d}", text))
    return ",".join(text for _key, text in sorted(out))
