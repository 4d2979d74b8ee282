"""vsh.commands.monitor.stats: domstats' request bits and its record layout.

The layout is virsh's (virshDomainStatsPrintRecord: ``Domain: 'NAME'`` then
``  field=value`` lines, a blank line after each record, as
``virsh -c test:///default domstats --state`` prints); differential tests
against /usr/bin/virsh are in tests/conformance/test_domstats_conformance.py.
"""

from __future__ import annotations

import json
from typing import Any

import libvirt

from tests.commands.fakes import Fake, output, run_script, session_with
from vsh.commands.monitor.stats import render_domstats


def _session(calls: list[tuple[int, int]], records: list[Any]) -> Any:
    def get_all(stats: int, flags: int) -> list[Any]:
        calls.append((stats, flags))
        return records

    return session_with(Fake(getAllDomainStats=get_all))


def test_options_ask_for_libvirts_bits() -> None:
    calls: list[tuple[int, int]] = []
    s = _session(calls, [])
    assert run_script(s, "domstats --state --block --list-active --enforce")
    assert calls == [
        (
            libvirt.VIR_DOMAIN_STATS_STATE | libvirt.VIR_DOMAIN_STATS_BLOCK,
            libvirt.VIR_CONNECT_GET_ALL_DOMAINS_STATS_ACTIVE
            | libvirt.VIR_CONNECT_GET_ALL_DOMAINS_STATS_ENFORCE_STATS,
        )
    ]
    calls.clear()
    s = _session(calls, [])
    assert run_script(s, "domstats --raw")  # accepted, no bit
    assert calls == [(0, 0)]


def test_records_text_and_json() -> None:
    records = [
        (Fake(name="a"), {"state.state": 1, "state.reason": 0}),
        (Fake(name="b c"), {"balloon.current": 1024}),
    ]
    s = _session([], records)
    assert run_script(s, "domstats")
    assert output(s) == (
        "Domain: 'a'\n  state.state=1\n  state.reason=0\n\n"
        "Domain: 'b c'\n  balloon.current=1024\n\n",
        "",
    )
    s = _session([], records)
    assert run_script(s, "domstats --json")
    assert json.loads(output(s)[0]) == [
        {"domain": "a", "stats": {"state.state": 1, "state.reason": 0}},
        {"domain": "b c", "stats": {"balloon.current": 1024}},
    ]


def test_render_separates_records_by_a_blank_line() -> None:
    items = [{"domain": "x", "stats": {"f": 1}}, {"domain": "y", "stats": {}}]
    assert render_domstats(items) == "Domain: 'x'\n  f=1\n\nDomain: 'y'\n"
    assert render_domstats([]) == ""
