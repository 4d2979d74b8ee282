"""Host CPU maps as virsh reads and writes them: virBitmapParse/virBitmapFormat,
the node's CPU count (virshNodeGetCPUCount) and virshParseCPUList."""

from __future__ import annotations

import re

import libvirt

from vsh.core.errors import VshError
from vsh.core.session import Session


def node_cpu_count(s: Session) -> int:
    """virshNodeGetCPUCount: the node's CPU map size, else nodeinfo's CPU total."""
    try:
        return int(s.conn.getCPUMap(0)[0])
    except libvirt.libvirtError:
        s.last_error = None
    info = s.conn.getInfo()
    return int(info[4] * info[5] * info[6] * info[7])


def format_bitmap(bits: list[bool] | tuple[bool, ...]) -> str:
    """virBitmapFormat: ``0-3,6`` style ranges ("" when no bit is set)."""
    parts: list[str] = []
    i, n = 0, len(bits)
    while i < n:
        if not bits[i]:
            i += 1
            continue
        j = i
        while j + 1 < n and bits[j + 1]:
            j += 1
        parts.append(str(i) if i == j else f"{i}-{j}")
        i = j + 1
    return ",".join(parts)


_SPACES = " \t\n\v\f\r"


def _strtol(text: str, pos: int) -> tuple[int, int] | None:
    """virStrToLong_i with an end pointer: (value, end) or None."""
    match = re.compile(r"[ \t\n\v\f\r]*[+-]?[0-9]+").match(text, pos)
    if match is None:
        return None
    value = int(match.group().strip(_SPACES))
    if not -(2**31) <= value <= 2**31 - 1:
        return None
    return value, match.end()


def parse_bitmap(text: str, size: int) -> list[bool] | None:
    """virBitmapParse(str, &map, size): the bits, or None (libvirt's parse error)."""
    bits = [False] * size
    cur = 0
    n = len(text)

    def skip(pos: int) -> int:
        while pos < n and text[pos] in _SPACES:
            pos += 1
        return pos

    cur = skip(cur)
    if cur >= n:
        return None
    while cur < n:
        neg = False
        if text[cur] == "^":
            cur += 1
            neg = True
        if cur >= n or not ("0" <= text[cur] <= "9"):
            return None
        got = _strtol(text, cur)
        if got is None:
            return None
        start, cur = got
        cur = skip(cur)
        if cur >= n or text[cur] == ",":
            if start >= size:
                return None
            bits[start] = not neg
        elif text[cur] == "-":
            if neg:
                return None
            cur = skip(cur + 1)
            got = _strtol(text, cur)
            if got is None:
                return None
            last, cur = got
            if last < start:
                return None
            for i in range(start, last + 1):
                if i >= size:
                    return None
                bits[i] = True
            cur = skip(cur)
        if cur < n and text[cur] == ",":
            cur = skip(cur + 1)
        elif cur >= n:
            break
        else:
            return None
    return bits


def parse_cpulist(cpulist: str, maxcpu: int) -> tuple[bool, ...]:
    """virshParseCPUList: ``r`` for every host CPU, else a bitmap no wider than
    the host; the map as the binding's pin calls take it (``maxcpu`` bits)."""
    if cpulist[:1] == "r":
        return (True,) * maxcpu
    parsed = parse_bitmap(cpulist, 1024)
    if parsed is None:
        raise VshError(
            f"Invalid cpulist '{cpulist}'",
            f"invalid argument: Failed to parse bitmap '{cpulist}'",
        )
    if not any(parsed):
        raise VshError(f"Invalid cpulist '{cpulist}'")
    last = max(i for i, bit in enumerate(parsed) if bit)
    if last >= maxcpu:
        raise VshError(f"CPU {last} in cpulist '{cpulist}' exceed the maxcpu {maxcpu}")
    return tuple(parsed[i] for i in range(maxcpu))
