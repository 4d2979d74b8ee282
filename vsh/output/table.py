"""virsh-style tables (tools/vsh-table.c) and ``%-Ns %s`` key/value blocks.

Layout, per row: every cell is written as ``" " + text``; after every cell
but the last come ``colwidth - cellwidth + 2`` spaces (so an empty last cell
leaves trailing spaces from the previous padding, and nothing is ever
right-aligned).  With the header shown, the header row is followed by
``sum(colwidth + 3)`` dashes.  Column widths are the maximum escaped display
width over the rows *and the header only when it is shown* (``virsh -q``
neither prints nor measures it).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from vsh.output.text import encode_cell, to_c_bytes

__all__ = ["render_kv", "render_table"]

_Encoded = list[tuple[str, int]]


def _encode_row(row: Sequence[str], ncols: int, utf8: bool) -> _Encoded:
    """Escape every cell of a row, checking its length like virsh does."""
    if len(row) != ncols:
        raise ValueError(f"table row has {len(row)} cells, header has {ncols}")
    return [encode_cell(cell, utf8) for cell in row]


def _format_row(cells: _Encoded, widths: Sequence[int]) -> str:
    """One output line, newline included."""
    parts: list[str] = []
    last = len(cells) - 1
    for i, (text, width) in enumerate(cells):
        parts.append(" " + text)
        if i < last:
            parts.append(" " * (widths[i] - width + 2))
    parts.append("\n")
    return "".join(parts)


def _column_widths(rows: Iterable[_Encoded], ncols: int) -> list[int]:
    """Maximum cell width per column over already-encoded rows."""
    widths = [0] * ncols
    for row in rows:
        for i, (_, width) in enumerate(row):
            if width > widths[i]:
                widths[i] = width
    return widths


def render_table(
    header: Sequence[str],
    rows: Iterable[Sequence[str]],
    *,
    header_shown: bool = True,
    utf8: bool = True,
) -> str:
    """Render a table exactly as virsh's ``vshTablePrintToStdout`` would.

    Returns the whole text, ending with the last row's newline; an empty
    table is the header plus the dash line, or ``""`` when the header is
    hidden.  ``utf8`` selects the locale's escaping (see ``vsh.output.text``).
    """
    ncols = len(header)
    if ncols == 0:
        raise ValueError("table header cannot be empty")
    body = [_encode_row(row, ncols, utf8) for row in rows]
    head = _encode_row(header, ncols, utf8) if header_shown else None
    widths = _column_widths(body if head is None else [head, *body], ncols)

    out: list[str] = []
    if head is not None:
        out.append(_format_row(head, widths))
        out.append("-" * sum(w + 3 for w in widths) + "\n")
    out.extend(_format_row(row, widths) for row in body)
    return "".join(out)


def render_kv(pairs: Iterable[tuple[str, str]], width: int = 15) -> str:
    """Lines of ``printf("%-<width>s %s\\n", label, value)``.

    printf pads by *bytes*, not display columns, so a non-ASCII label gets
    less padding than its on-screen width suggests; values are printed raw
    (no escaping), exactly as virsh does in dominfo, snapshot-info, etc.
    """
    lines: list[str] = []
    for label, value in pairs:
        pad = width - len(to_c_bytes(label))
        lines.append(f"{label}{' ' * pad} {value}\n")
    return "".join(lines)
