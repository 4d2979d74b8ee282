"""``vsh -H SPEC [options] [COMMAND...]``: resolve the hosts, check the command,
ask before changing many hosts, run it everywhere, print, and exit by bits.

The command is parsed here first, against vsh's own table, so a typo fails
once, before anything runs; each host's vsh (a thread, :mod:`vsh.fleet.runner`)
then parses it again and runs it.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TextIO

from vsh.core import grammar
from vsh.core import runner as command_runner
from vsh.core.errors import ExitStatus, VshError
from vsh.core.grammar import ParsedCommand
from vsh.core.session import Session
from vsh.core.statechange import changes_state
from vsh.core.terminal import fleet_refusal
from vsh.fleet import inventory, report
from vsh.fleet.hostspec import Host, select
from vsh.fleet.nodeset import fold
from vsh.fleet.report import HostResult
from vsh.fleet.runner import Limits, OneShot, Runner, Terminated, host_argv

PREFIX, GATHER, DIFF = "prefix", "gather", "diff"
# The virsh global options each host's vsh gets as given (not -c: the host is the URI).
FORWARDED = frozenset("dekKlqrt")


@dataclass
class FleetOptions:
    spec: str = ""
    exclude: str | None = None
    limits: Limits = field(default_factory=Limits)
    output: str = PREFIX
    yes: bool = False
    json: bool = False
    forward: list[str] = field(default_factory=list)
    connect_given: bool = False

    def take(self, key: str, value: str | None) -> bool:
        """Apply a global option found by the scanner; False if it is not a fleet one."""
        if key == "H":
            self.spec = value or ""
        elif key == "x":
            self.exclude = value if self.exclude is None else f"{self.exclude},{value}"
        elif key == "fanout":
            self.limits.fanout = _positive_int("--fanout", value)
        elif key == "connect-timeout":
            self.limits.connect_timeout = _seconds("--connect-timeout", value)
        elif key == "command-timeout":
            self.limits.command_timeout = _seconds("--command-timeout", value)
        elif key in (GATHER, DIFF):
            if self.output not in (PREFIX, key):
                raise VshError("--gather and --diff are mutually exclusive")
            self.output = key
        elif key == "fail-fast":
            self.limits.fail_fast = True
        elif key == "yes":
            self.yes = True
        elif key == "json":
            self.json = True
        else:
            if key == "c":
                self.connect_given = True
            elif key in FORWARDED:
                self.forward += [f"-{key}"] + ([value] if value is not None else [])
            return False
        return True


def _positive_int(name: str, value: str | None) -> int:
    try:
        number = int(value or "")
    except ValueError:
        number = 0
    if number < 1:
        raise VshError(f"option {name} requires a positive integer argument")
    return number


def _seconds(name: str, value: str | None) -> float:
    try:
        number = float(value or "")
    except ValueError:
        number = 0.0
    if not 0 < number < 1e9:
        raise VshError(f"option {name} requires a positive number of seconds")
    return number


# -- the command ------------------------------------------------------------------------------


def with_json(text: str) -> str:
    """``text`` with `` --json`` after the last word of each of its commands."""
    scanner = grammar.Scanner(text, lenient=True)
    ends: list[int] = []
    last: int | None = None
    for kind, _word in scanner:
        if kind == grammar.WORD:
            last = scanner.pos
        elif last is not None:
            ends.append(last)
            last = None
    for end in reversed(ends):
        text = text[:end] + " --json" + text[end:]
    return text


def _parse(
    session: Session, words: Sequence[str], stdin_text: str | None
) -> list[ParsedCommand] | None:
    if stdin_text is not None:
        parsed: list[ParsedCommand] = []
        for line in stdin_text.splitlines():
            if line.strip():
                commands = command_runner.parse_script(session, line)
                if commands is None:
                    return None
                parsed += commands
        return parsed
    if len(words) == 1:
        return command_runner.parse_script(session, words[0])
    return command_runner.parse_argv(session, words)


def _confirm(session: Session, names: list[str], hosts: list[Host], yes: bool) -> bool:
    """State-changing commands on several hosts: --yes, or a yes on the terminal."""
    if yes or len(hosts) < 2 or not names:
        return True
    which = ", ".join(dict.fromkeys(names))
    listing = f"{fold(h.name for h in hosts)} ({len(hosts)})"
    if not (sys.stdin.isatty() and sys.stderr.isatty()):
        session.error(f"{which} changes state on {listing}: add --yes to run it without a terminal")
        return False
    sys.stderr.write(f"vsh: {which} will change state on {len(hosts)} hosts:\n")
    sys.stderr.write("".join(f"  {h.name}  {h.uri}\n" for h in hosts))
    sys.stderr.write("Continue? [y/N] ")
    sys.stderr.flush()
    answer = sys.stdin.readline().strip().lower()
    return answer in ("y", "yes")


# -- running ----------------------------------------------------------------------------------


# The interactive fleet shell, handed in by the front end (vsh.shell is above this
# layer): (session, prompt label, run one line -> False to leave, completion
# candidates for the words typed) -> exit status.
ShellRunner = Callable[[Session, str, Callable[[str], bool], Callable[[list[str]], list[str]]], int]
COMPLETE_TIMEOUT = 5.0  # seconds a host may take to answer a Tab


def union_of_names(
    options: FleetOptions, hosts: list[Host], words: list[str], one_shot: OneShot
) -> list[str]:
    """What every reachable host's ``complete -- WORDS`` offers, merged and sorted."""
    limits = Limits(
        fanout=options.limits.fanout,
        connect_timeout=min(options.limits.connect_timeout, COMPLETE_TIMEOUT),
        command_timeout=COMPLETE_TIMEOUT,
    )
    forward = [*options.forward, "-q"]
    fleet = Runner(
        hosts, lambda host: host_argv(host, forward, ["complete", "--", *words]), limits, one_shot
    )
    found: set[str] = set()
    for result in fleet.run():
        if result.status == report.OK:
            found.update(line for line in result.stdout.splitlines() if line)
    return sorted(found)


def run(
    session: Session,
    options: FleetOptions,
    words: list[str],
    one_shot: OneShot,
    shell: ShellRunner | None = None,
) -> int:
    """``vsh -H``: ``one_shot`` is a host's one-shot vsh (the front end's), run in its thread."""
    if options.connect_given:
        raise VshError("-c and -H cannot be used together: name the URI in the host spec")
    if options.json and options.output != PREFIX:
        raise VshError(f"--json and --{options.output} are mutually exclusive")
    hosts = select(options.spec, options.exclude, inventory.load())
    if words:
        return run_command(session, options, hosts, words, None, one_shot)
    if sys.stdin.isatty() and sys.stdout.isatty() and shell is not None:

        def execute(line: str) -> bool:
            commands = command_runner.parse_script(session, line)
            if commands is None:
                return True
            if any(p.cmd.name in ("quit", "exit") for p in commands):
                return False
            try:
                run_command(session, options, hosts, [line], None, one_shot)
            except VshError as exc:  # this line's error; the shell goes on
                for message in exc.messages:
                    session.error(message)
            return True

        return shell(
            session,
            options.spec,
            execute,
            lambda words: union_of_names(options, hosts, words, one_shot),
        )
    return run_command(session, options, hosts, [], sys.stdin.read(), one_shot)


def run_command(
    session: Session,
    options: FleetOptions,
    hosts: list[Host],
    words: list[str],
    stdin_text: str | None,
    one_shot: OneShot,
) -> int:
    """One command string (``words``, or the lines of ``stdin_text``) on every host."""
    commands = _parse(session, words, stdin_text)
    if commands is None:
        return ExitStatus.FAILED
    refusals = [fleet_refusal(p.cmd.name or "", p.values) for p in commands]
    if any(refusals):
        raise VshError(*dict.fromkeys(r for r in refusals if r))
    if options.json:
        lacking = [
            p.cmd.name
            for p in commands
            if p.cmd.name != "help" and not any(o.name == "json" for o in p.cmd.optdefs)
        ]
        if lacking:
            raise VshError(f"--json: '{lacking[0]}' has no --json output")
        if stdin_text is not None:
            stdin_text = with_json(stdin_text)
        elif len(words) == 1:
            words = [with_json(words[0])]
        else:
            words = [*words, "--json"]
    changing = [p.cmd.name or "" for p in commands if changes_state(p.cmd.name or "", p.values)]
    if not _confirm(session, changing, hosts, options.yes):
        return ExitStatus.FAILED
    # A command string's status is its last command's: when that is a monitoring
    # check, the fleet's status is the worst check (Nagios), not the fleet's bits.
    last = commands[-1] if commands else None
    monitoring = (
        stdin_text is None
        and last is not None
        and last.cmd.name == "snapshot-rotate"
        and bool(last.values.get("check"))
    )
    return _run_hosts(session, options, hosts, words, stdin_text, one_shot, monitoring=monitoring)


def _run_hosts(
    session: Session,
    options: FleetOptions,
    hosts: list[Host],
    words: list[str],
    stdin_text: str | None,
    one_shot: OneShot,
    *,
    monitoring: bool = False,
) -> int:
    def done(result: HostResult) -> None:
        if options.json:
            return
        if options.output == PREFIX:
            _write(sys.stdout, report.prefixed(result.name, result.stdout))
        _write(sys.stderr, report.prefixed(result.name, result.stderr))

    fleet = Runner(
        hosts,
        lambda host: host_argv(host, options.forward, words),
        options.limits,
        one_shot,
        stdin_text=stdin_text or "",
        on_done=done,
    )
    interrupted: int | None = None
    try:
        results = fleet.run()
    except (KeyboardInterrupt, Terminated) as stop:
        interrupted = 128 + stop.signum if isinstance(stop, Terminated) else 130
        results = fleet.ordered()
        for result in results:
            if result.name not in fleet.reported and result.status != report.SKIPPED:
                done(result)
    if options.json:
        _write(sys.stdout, json.dumps(report.merged_json(results), indent=2) + "\n")
    elif options.output == GATHER:
        _write(sys.stdout, report.gathered(results))
    elif options.output == DIFF:
        _write(sys.stdout, report.diffed(results))
    if not session.settings.quiet:
        _write(sys.stderr, report.summary_line(results) + "\n")
    if interrupted is not None:
        return interrupted
    if monitoring:
        return report.monitoring_status(results)
    return report.exit_status(results)


def _write(stream: TextIO, text: str) -> None:
    if text:
        stream.write(text)
        stream.flush()
