"""Tests for vsh.output.table against tables captured from virsh 9.0.0.

LIST_GOLDENS was captured by defining, on ``virsh -c test:///default``, one
domain per name (``<name>`` given with XML character references, a fixed
UUID, then ``list --all`` and ``undefine <uuid>``), all in one virsh script,
once with ``LANG=C.UTF-8`` and once with ``LANG=C``.  Each entry is
``(name, table under C.UTF-8, table under C)``; the rows are the built-in
running domain ``test`` (Id 1) and the new shut-off domain.  Names libvirt
refused (``../up``: "cannot contain '/'", a newline: "invalid char in name",
U+FFFF: not an XML char) are absent.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vsh.output.table import render_kv, render_table
from vsh.output.text import display_width, encode_cell

LIST_HEADER = ["Id", "Name", "State"]

LIST_GOLDENS = [
    (  # tab
        "a\tb",
        (
            " Id   Name     State\n"
            "-------------------------\n"
            " 1    test     running\n"
            " -    a\\x09b   shut off\n"
        ),
        (
            " Id   Name     State\n"
            "-------------------------\n"
            " 1    test     running\n"
            " -    a\\x09b   shut off\n"
        ),
    ),
    (  # space
        "a b",
        (
            " Id   Name   State\n"
            "-----------------------\n"
            " 1    test   running\n"
            " -    a b    shut off\n"
        ),
        (
            " Id   Name   State\n"
            "-----------------------\n"
            " 1    test   running\n"
            " -    a b    shut off\n"
        ),
    ),
    (  # semi
        "x;y",
        (
            " Id   Name   State\n"
            "-----------------------\n"
            " 1    test   running\n"
            " -    x;y    shut off\n"
        ),
        (
            " Id   Name   State\n"
            "-----------------------\n"
            " 1    test   running\n"
            " -    x;y    shut off\n"
        ),
    ),
    (  # quote
        "q'\"",
        (
            " Id   Name   State\n"
            "-----------------------\n"
            " 1    test   running\n"
            " -    q'\"    shut off\n"
        ),
        (
            " Id   Name   State\n"
            "-----------------------\n"
            " 1    test   running\n"
            " -    q'\"    shut off\n"
        ),
    ),
    (  # cjk
        "日本語",
        (
            " Id   Name     State\n"
            "-------------------------\n"
            " 1    test     running\n"
            " -    日本語   shut off\n"
        ),
        (
            " Id   Name                                   State\n"
            "-------------------------------------------------------\n"
            " 1    test                                   running\n"
            " -    \\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff   shut off\n"
        ),
    ),
    (  # comb
        "e\u0301x",
        (
            " Id   Name   State\n"
            "-----------------------\n"
            " 1    test   running\n"
            " -    e\u0301x     shut off\n"
        ),
        (
            " Id   Name         State\n"
            "-----------------------------\n"
            " 1    test         running\n"
            " -    e\\xff\\xffx   shut off\n"
        ),
    ),
    (  # emoji
        "😀",
        (
            " Id   Name   State\n"
            "-----------------------\n"
            " 1    test   running\n"
            " -    😀     shut off\n"
        ),
        (
            " Id   Name               State\n"
            "-----------------------------------\n"
            " 1    test               running\n"
            " -    \\xff\\xff\\xff\\xff   shut off\n"
        ),
    ),
    (  # nel
        "\x85",
        (
            " Id   Name       State\n"
            "---------------------------\n"
            " 1    test       running\n"
            " -    \\xff\\xff   shut off\n"
        ),
        (
            " Id   Name       State\n"
            "---------------------------\n"
            " 1    test       running\n"
            " -    \\xff\\xff   shut off\n"
        ),
    ),
    (  # shy
        "a\xadb",
        (
            " Id   Name   State\n"
            "-----------------------\n"
            " 1    test   running\n"
            " -    a\xadb    shut off\n"
        ),
        (
            " Id   Name         State\n"
            "-----------------------------\n"
            " 1    test         running\n"
            " -    a\\xff\\xffb   shut off\n"
        ),
    ),
    (  # zwsp
        "a\u200bb",
        (
            " Id   Name   State\n"
            "-----------------------\n"
            " 1    test   running\n"
            " -    a\u200bb     shut off\n"
        ),
        (
            " Id   Name             State\n"
            "---------------------------------\n"
            " 1    test             running\n"
            " -    a\\xff\\xff\\xffb   shut off\n"
        ),
    ),
    (  # bsx
        "a\\xb",
        (
            " Id   Name      State\n"
            "--------------------------\n"
            " 1    test      running\n"
            " -    a\\x5cxb   shut off\n"
        ),
        (
            " Id   Name      State\n"
            "--------------------------\n"
            " 1    test      running\n"
            " -    a\\x5cxb   shut off\n"
        ),
    ),
    (  # bs
        "a\\b",
        (
            " Id   Name   State\n"
            "-----------------------\n"
            " 1    test   running\n"
            " -    a\\b    shut off\n"
        ),
        (
            " Id   Name   State\n"
            "-----------------------\n"
            " 1    test   running\n"
            " -    a\\b    shut off\n"
        ),
    ),
    (  # bom
        "a\ufeffb",
        (
            " Id   Name   State\n"
            "-----------------------\n"
            " 1    test   running\n"
            " -    a\ufeffb     shut off\n"
        ),
        (
            " Id   Name             State\n"
            "---------------------------------\n"
            " 1    test             running\n"
            " -    a\\xff\\xff\\xffb   shut off\n"
        ),
    ),
    (  # unassigned
        "a\u0378b",
        (
            " Id   Name         State\n"
            "-----------------------------\n"
            " 1    test         running\n"
            " -    a\\xff\\xffb   shut off\n"
        ),
        (
            " Id   Name         State\n"
            "-----------------------------\n"
            " 1    test         running\n"
            " -    a\\xff\\xffb   shut off\n"
        ),
    ),
    (  # pua
        "a\ue000b",
        (
            " Id   Name   State\n"
            "-----------------------\n"
            " 1    test   running\n"
            " -    a\ue000b    shut off\n"
        ),
        (
            " Id   Name             State\n"
            "---------------------------------\n"
            " 1    test             running\n"
            " -    a\\xff\\xff\\xffb   shut off\n"
        ),
    ),
    (  # tag
        "a\U000e0001b",
        (
            " Id   Name   State\n"
            "-----------------------\n"
            " 1    test   running\n"
            " -    a\U000e0001b     shut off\n"
        ),
        (
            " Id   Name                 State\n"
            "-------------------------------------\n"
            " 1    test                 running\n"
            " -    a\\xff\\xff\\xff\\xffb   shut off\n"
        ),
    ),
    (  # heart
        "❤\ufe0f",
        (
            " Id   Name   State\n"
            "-----------------------\n"
            " 1    test   running\n"
            " -    ❤\ufe0f      shut off\n"
        ),
        (
            " Id   Name                       State\n"
            "-------------------------------------------\n"
            " 1    test                       running\n"
            " -    \\xff\\xff\\xff\\xff\\xff\\xff   shut off\n"
        ),
    ),
    (  # jamo
        "a\u1160b",
        (
            " Id   Name   State\n"
            "-----------------------\n"
            " 1    test   running\n"
            " -    a\u1160b     shut off\n"
        ),
        (
            " Id   Name             State\n"
            "---------------------------------\n"
            " 1    test             running\n"
            " -    a\\xff\\xff\\xffb   shut off\n"
        ),
    ),
    (  # mc
        "aःb",
        (
            " Id   Name   State\n"
            "-----------------------\n"
            " 1    test   running\n"
            " -    aःb    shut off\n"
        ),
        (
            " Id   Name             State\n"
            "---------------------------------\n"
            " 1    test             running\n"
            " -    a\\xff\\xff\\xffb   shut off\n"
        ),
    ),
    (  # amb
        "a±b",
        (
            " Id   Name   State\n"
            "-----------------------\n"
            " 1    test   running\n"
            " -    a±b    shut off\n"
        ),
        (
            " Id   Name         State\n"
            "-----------------------------\n"
            " 1    test         running\n"
            " -    a\\xff\\xffb   shut off\n"
        ),
    ),
    (  # fw
        "Ａ",
        (
            " Id   Name   State\n"
            "-----------------------\n"
            " 1    test   running\n"
            " -    Ａ     shut off\n"
        ),
        (
            " Id   Name           State\n"
            "-------------------------------\n"
            " 1    test           running\n"
            " -    \\xff\\xff\\xff   shut off\n"
        ),
    ),
    (  # hw
        "ｱ",
        (
            " Id   Name   State\n"
            "-----------------------\n"
            " 1    test   running\n"
            " -    ｱ      shut off\n"
        ),
        (
            " Id   Name           State\n"
            "-------------------------------\n"
            " 1    test           running\n"
            " -    \\xff\\xff\\xff   shut off\n"
        ),
    ),
    (  # idsp
        "a\u3000b",
        (
            " Id   Name   State\n"
            "-----------------------\n"
            " 1    test   running\n"
            " -    a\u3000b   shut off\n"
        ),
        (
            " Id   Name             State\n"
            "---------------------------------\n"
            " 1    test             running\n"
            " -    a\\xff\\xff\\xffb   shut off\n"
        ),
    ),
    (  # lsep
        "a\u2028b",
        (
            " Id   Name             State\n"
            "---------------------------------\n"
            " 1    test             running\n"
            " -    a\\xff\\xff\\xffb   shut off\n"
        ),
        (
            " Id   Name             State\n"
            "---------------------------------\n"
            " 1    test             running\n"
            " -    a\\xff\\xff\\xffb   shut off\n"
        ),
    ),
    (  # cr
        "a\rb",
        (
            " Id   Name     State\n"
            "-------------------------\n"
            " 1    test     running\n"
            " -    a\\x0db   shut off\n"
        ),
        (
            " Id   Name     State\n"
            "-------------------------\n"
            " 1    test     running\n"
            " -    a\\x0db   shut off\n"
        ),
    ),
    (  # del
        "a\x7fb",
        (
            " Id   Name     State\n"
            "-------------------------\n"
            " 1    test     running\n"
            " -    a\\x7fb   shut off\n"
        ),
        (
            " Id   Name     State\n"
            "-------------------------\n"
            " 1    test     running\n"
            " -    a\\x7fb   shut off\n"
        ),
    ),
    (  # c1
        "a\x80b",
        (
            " Id   Name         State\n"
            "-----------------------------\n"
            " 1    test         running\n"
            " -    a\\xff\\xffb   shut off\n"
        ),
        (
            " Id   Name         State\n"
            "-----------------------------\n"
            " 1    test         running\n"
            " -    a\\xff\\xffb   shut off\n"
        ),
    ),
    (  # nbsp
        "a\xa0b",
        (
            " Id   Name   State\n"
            "-----------------------\n"
            " 1    test   running\n"
            " -    a\xa0b    shut off\n"
        ),
        (
            " Id   Name         State\n"
            "-----------------------------\n"
            " 1    test         running\n"
            " -    a\\xff\\xffb   shut off\n"
        ),
    ),
    (  # lrm
        "a\u200eb",
        (
            " Id   Name   State\n"
            "-----------------------\n"
            " 1    test   running\n"
            " -    a\u200eb     shut off\n"
        ),
        (
            " Id   Name             State\n"
            "---------------------------------\n"
            " 1    test             running\n"
            " -    a\\xff\\xff\\xffb   shut off\n"
        ),
    ),
    (  # vs16
        "a\ufe0fb",
        (
            " Id   Name   State\n"
            "-----------------------\n"
            " 1    test   running\n"
            " -    a\ufe0fb     shut off\n"
        ),
        (
            " Id   Name             State\n"
            "---------------------------------\n"
            " 1    test             running\n"
            " -    a\\xff\\xff\\xffb   shut off\n"
        ),
    ),
    (  # zwj
        "a\u200db",
        (
            " Id   Name   State\n"
            "-----------------------\n"
            " 1    test   running\n"
            " -    a\u200db     shut off\n"
        ),
        (
            " Id   Name             State\n"
            "---------------------------------\n"
            " 1    test             running\n"
            " -    a\\xff\\xff\\xffb   shut off\n"
        ),
    ),
    (  # rtl
        "a\u202eb",
        (
            " Id   Name   State\n"
            "-----------------------\n"
            " 1    test   running\n"
            " -    a\u202eb     shut off\n"
        ),
        (
            " Id   Name             State\n"
            "---------------------------------\n"
            " 1    test             running\n"
            " -    a\\xff\\xff\\xffb   shut off\n"
        ),
    ),
    (  # enclose
        "a\u20ddb",
        (
            " Id   Name   State\n"
            "-----------------------\n"
            " 1    test   running\n"
            " -    a\u20ddb     shut off\n"
        ),
        (
            " Id   Name             State\n"
            "---------------------------------\n"
            " 1    test             running\n"
            " -    a\\xff\\xff\\xffb   shut off\n"
        ),
    ),
    (  # hangul
        "한",
        (
            " Id   Name   State\n"
            "-----------------------\n"
            " 1    test   running\n"
            " -    한     shut off\n"
        ),
        (
            " Id   Name           State\n"
            "-------------------------------\n"
            " 1    test           running\n"
            " -    \\xff\\xff\\xff   shut off\n"
        ),
    ),
    (  # flag
        "🇯🇵",
        (
            " Id   Name   State\n"
            "-----------------------\n"
            " 1    test   running\n"
            " -    🇯🇵     shut off\n"
        ),
        (
            " Id   Name                               State\n"
            "---------------------------------------------------\n"
            " 1    test                               running\n"
            " -    \\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff   shut off\n"
        ),
    ),
    (  # cjkextb
        "𠀀",
        (
            " Id   Name   State\n"
            "-----------------------\n"
            " 1    test   running\n"
            " -    𠀀     shut off\n"
        ),
        (
            " Id   Name               State\n"
            "-----------------------------------\n"
            " 1    test               running\n"
            " -    \\xff\\xff\\xff\\xff   shut off\n"
        ),
    ),
    (  # noncharacter
        "a\ufdd0b",
        (
            " Id   Name             State\n"
            "---------------------------------\n"
            " 1    test             running\n"
            " -    a\\xff\\xff\\xffb   shut off\n"
        ),
        (
            " Id   Name             State\n"
            "---------------------------------\n"
            " 1    test             running\n"
            " -    a\\xff\\xff\\xffb   shut off\n"
        ),
    ),
    (  # grin_skin
        "👍🏽",
        (
            " Id   Name   State\n"
            "-----------------------\n"
            " 1    test   running\n"
            " -    👍🏽   shut off\n"
        ),
        (
            " Id   Name                               State\n"
            "---------------------------------------------------\n"
            " 1    test                               running\n"
            " -    \\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff   shut off\n"
        ),
    ),
]


@pytest.mark.parametrize(("name", "utf8_table", "c_table"), LIST_GOLDENS)
def test_list_goldens(name: str, utf8_table: str, c_table: str) -> None:
    rows = [["1", "test", "running"], ["-", name, "shut off"]]
    assert render_table(LIST_HEADER, rows, utf8=True) == utf8_table
    assert render_table(LIST_HEADER, rows, utf8=False) == c_table


def test_plain_list() -> None:
    # `virsh -c test:///default list`
    expected = " Id   Name   State\n----------------------\n 1    test   running\n"
    assert render_table(LIST_HEADER, [["1", "test", "running"]]) == expected


def test_quiet_list_does_not_measure_header() -> None:
    # `virsh -q -c test:///default list`: "Name"/"State" no longer widen columns.
    rows = [["1", "test", "running"]]
    assert render_table(LIST_HEADER, rows, header_shown=False) == " 1   test   running\n"


def test_empty_table() -> None:
    # `snapshot-list test` with no snapshots; with -q virsh prints nothing at all.
    header = ["Name", "Creation Time", "State"]
    assert render_table(header, []) == (
        " Name   Creation Time   State\n-------------------------------\n"
    )
    assert render_table(header, [], header_shown=False) == ""


# `snapshot-create-as test 'a<TAB>b'; snapshot-create-as test '日本\x';
#  snapshot-list test --parent` under LANG=C.UTF-8 and LANG=C.  The empty
# Parent cell of the root leaves the padding of "running" as trailing spaces.
SNAP_HEADER = ["Name", "Creation Time", "State", "Parent"]
SNAP_ROWS = [
    ["a\tb", "2026-11-26 11:52:47 +0000", "running", ""],
    ["日本\\x", "2026-11-26 11:52:47 +0000", "running", "a\tb"],
]
SNAP_UTF8 = (
    " Name        Creation Time               State     Parent\n"
    "-----------------------------------------------------------\n"
    " a\\x09b      2026-11-26 11:52:47 +0000   running   \n"
    " 日本\\x5cx   2026-11-26 11:52:47 +0000   running   a\\x09b\n"
)
SNAP_C = (
    " Name                            Creation Time               State     Parent\n"
    "-------------------------------------------------------------------------------\n"
    " a\\x09b                          2026-11-26 11:52:47 +0000   running   \n"
    " \\xff\\xff\\xff\\xff\\xff\\xff\\x5cx   2026-11-26 11:52:47 +0000   running   a\\x09b\n"
)


def test_snapshot_list_parent_utf8() -> None:
    assert render_table(SNAP_HEADER, SNAP_ROWS, utf8=True) == SNAP_UTF8


def test_snapshot_list_parent_c_locale() -> None:
    assert render_table(SNAP_HEADER, SNAP_ROWS, utf8=False) == SNAP_C


def test_header_cells_are_escaped_too() -> None:
    # First principles: vshTableGetColumnsWidths encodes the header row as well.
    assert render_table(["a\tb"], [["x"]]) == " a\\x09b\n---------\n x\n"


def test_row_length_mismatch() -> None:
    with pytest.raises(ValueError):
        render_table(LIST_HEADER, [["1", "test"]])
    with pytest.raises(ValueError):
        render_table([], [])


def test_rows_may_be_a_generator() -> None:
    rows = (["1", n, "running"] for n in ("a", "bb"))
    assert render_table(LIST_HEADER, rows, header_shown=False) == (
        " 1   a    running\n 1   bb   running\n"
    )


# Odd but printable names, both locales: spaces, ';', quotes, '../', CJK,
# combining accent, emoji; widths come from the captured goldens above.
_cell_text = st.text(
    alphabet=st.sampled_from([*"ab ;'\"./\\x\t\x01", "日", "\u0301", "😀", "\x85", "Ａ", "é"]),
    max_size=8,
)
_tables = st.integers(min_value=1, max_value=4).flatmap(
    lambda n: st.tuples(
        st.lists(_cell_text, min_size=n, max_size=n),
        st.lists(st.lists(_cell_text, min_size=n, max_size=n), max_size=5),
    )
)


@given(_tables, st.booleans(), st.booleans())
def test_layout_property(table: tuple, header_shown: bool, utf8: bool) -> None:
    header, rows = table
    measured = ([header] if header_shown else []) + rows
    widths = [
        max((display_width(r[i], utf8) for r in measured), default=0) for i in range(len(header))
    ]
    lines = render_table(header, rows, header_shown=header_shown, utf8=utf8).split("\n")
    assert lines.pop() == ""  # output ends with a newline
    printed = [header] if header_shown else []
    printed += rows
    if header_shown:
        assert lines.pop(1) == "-" * sum(w + 3 for w in widths)
    assert len(lines) == len(printed)
    for line, row in zip(lines, printed, strict=True):
        # Every cell starts at the same column: 1 + sum(previous widths + 3).
        expected = (
            "".join(
                " " + encode_cell(c, utf8)[0] + " " * (widths[i] - display_width(c, utf8) + 2)
                for i, c in enumerate(row[:-1])
            )
            + " "
            + encode_cell(row[-1], utf8)[0]
        )
        assert line == expected
        screen = sum(widths[:-1]) + 3 * (len(row) - 1) + 1 + display_width(row[-1], utf8)
        assert _screen_width(line, utf8) == screen


def _screen_width(line: str, utf8: bool) -> int:
    """Width of an already-escaped line: only printable text, so sum char widths."""
    return sum(display_width(ch, utf8) if ch != "\\" else 1 for ch in line)


def test_kv_dominfo() -> None:
    # `dominfo` of a domain named 'a<TAB>b' (LANG=C): values are NOT escaped,
    # and an empty value leaves the label padding as trailing spaces.
    pairs = [
        ("Id:", "-"),
        ("Name:", "a\tb"),
        ("UUID:", "00000000-0000-0000-0000-000000000001"),
        ("OS Type:", "linux"),
        ("State:", "shut off"),
        ("CPU(s):", "1"),
        ("CPU time:", "1795693967.5s"),
        ("Max memory:", "1024 KiB"),
        ("Used memory:", "1024 KiB"),
        ("Persistent:", "yes"),
        ("Autostart:", "disable"),
        ("Managed save:", "no"),
        ("Security model:", "testSecurity"),
        ("Security DOI:", ""),
    ]
    assert render_kv(pairs) == (
        "Id:             -\n"
        "Name:           a\tb\n"
        "UUID:           00000000-0000-0000-0000-000000000001\n"
        "OS Type:        linux\n"
        "State:          shut off\n"
        "CPU(s):         1\n"
        "CPU time:       1795693967.5s\n"
        "Max memory:     1024 KiB\n"
        "Used memory:    1024 KiB\n"
        "Persistent:     yes\n"
        "Autostart:      disable\n"
        "Managed save:   no\n"
        "Security model: testSecurity\n"
        "Security DOI:   \n"
    )


def test_kv_snapshot_info_raw_utf8() -> None:
    # `snapshot-info test --current` for snapshot '日本\x' (both locales alike).
    pairs = [("Name:", "日本\\x"), ("Domain:", "test"), ("Parent:", "a\tb")]
    assert render_kv(pairs) == (
        "Name:           日本\\x\nDomain:         test\nParent:         a\tb\n"
    )


def test_kv_nodeinfo_width_20() -> None:
    # `virsh -c test:///default nodeinfo` (first lines).
    pairs = [("CPU model:", "i686"), ("CPU(s):", "16"), ("Core(s) per socket:", "2")]
    assert render_kv(pairs, width=20) == (
        "CPU model:           i686\nCPU(s):              16\nCore(s) per socket:  2\n"
    )


def test_kv_pads_by_bytes_and_never_truncates() -> None:
    # printf("%-15s") semantics: byte count, and a longer label is kept whole
    # (checked with coreutils: LANG=C.UTF-8 /usr/bin/printf "%-15s %s\n" "Näme:" x).
    assert render_kv([("Näme:", "x")]) == "Näme:          x\n"  # 6 bytes + 9 pad
    assert render_kv([("A-very-long-label:", "x")]) == "A-very-long-label: x\n"
