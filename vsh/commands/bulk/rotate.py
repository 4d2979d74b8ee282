"""snapshot-rotate (a vsh command virsh lacks): the nightly snapshot cron job.

Each run creates one snapshot per domain, named for the label and the UTC
time and marked in its description (:data:`MARKER`), then deletes the
marked snapshots of that label that the retention policy no longer keeps.
``--check`` is the matching monitoring check (Nagios/Icinga exit codes).

The pieces: the policy is :mod:`vsh.snapshots.retention` (pure), the
per-domain lock :mod:`vsh.snapshots.domainlock`, the policy file
:mod:`vsh.snapshots.rotateconfig`; this module talks to libvirt and renders.

Domains run in worker threads (``--parallel``) on the session's one
connection: libvirt connections are thread-safe, and every libvirt object a
worker uses (domain, snapshots) is its own.
"""

from __future__ import annotations

import os
import re
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any, TextIO, TypeVar

import libvirt

from vsh.commands import moments_common as mc
from vsh.commands.common import json_text, table_text
from vsh.core.command import command, option
from vsh.core.errors import VshError, libvirt_message
from vsh.core.grammar import OptKind
from vsh.core.jsonshape import BOOL, INT, NULL, STR, array_of, choice, object_of, prop, shape
from vsh.core.numbers import c_int, numeric_message
from vsh.core.record import Record, fresh
from vsh.core.session import Session
from vsh.snapshots import moments, retention
from vsh.snapshots.domainlock import Busy, DomainLock
from vsh.snapshots.rotateconfig import PolicyFileError, find_policy
from vsh.virt import lookup
from vsh.virt.hostkey import host_key
from vsh.virt.snapshotstore import current_name

GROUP = "vsh"  # vsh's own group: `help snapshot` stays as in virsh

# The description line that makes a snapshot the label's (one line of the
# <description>, anywhere in it), and the line that exempts it from deletion.
MARKER = "vsh-rotate: label="
PIN = "vsh-rotate: keep"
LABEL = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+-]*\Z")
NAME_FORMAT = "{label}-%Y%m%dT%H%M%SZ"
MAX_DELETE = 20
MAX_PARALLEL = 64
EX_TEMPFAIL = 75  # sysexits.h: try again later (a lock was busy)
# Nagios plugin statuses
OK, WARNING, CRITICAL, UNKNOWN = 0, 1, 2, 3
_STATUS_WORD = ("OK", "WARNING", "CRITICAL", "UNKNOWN")

# Outcome.result values
DONE = "ok"
FAILED = "failed"
BUSY = "busy"

_KEEPS = ("last", "hourly", "daily", "weekly", "monthly", "yearly")
_CREATE_BOOLS = ("disk_only", "quiesce", "atomic", "live")
RETRY_PAUSE = 1.0  # seconds between tries on "cannot acquire state change lock"


class Config(Record):
    """Everything one run needs, options and policy file merged."""

    label: str
    policy: retention.Policy
    now: int
    prune_only: bool = False
    dry_run: bool = False
    max_delete: int = MAX_DELETE
    wait: int = 0
    name_format: str = NAME_FORMAT
    hook: str | None = None
    description: str | None = None
    flags: int = 0
    memspec: str | None = None
    diskspecs: tuple[str, ...] = ()


class Outcome(Record):
    """One domain's plan and what came of it."""

    domain: str
    uuid: str | None = None
    result: str = DONE
    created: str | None = None
    times: dict[str, int] = fresh(dict)  # name -> creation time of the label's snapshots
    kept: dict[str, list[str]] = fresh(dict)
    planned: list[str] = fresh(list)
    deleted: list[str] = fresh(list)
    deferred: list[str] = fresh(list)
    error: str | None = None
    hook_error: str | None = None

    def to_dict(self, label: str, dry_run: bool) -> dict[str, object]:
        return {
            "domain": self.domain,
            "uuid": self.uuid,
            "label": label,
            "dry_run": dry_run,
            "result": self.result,
            "created": self.created,
            "kept": [
                {"name": n, "creation_time": self.times.get(n), "rules": rules}
                for n, rules in self.kept.items()
            ],
            "planned": self.planned,
            "deleted": self.deleted,
            "deferred": self.deferred,
            "error": self.error,
            "hook_error": self.hook_error,
        }


# ---------------------------------------------------------------------------
# Markers and names
# ---------------------------------------------------------------------------


def marker_line(label: str) -> str:
    return MARKER + label


def description_for(label: str, text: str | None) -> str:
    """The created snapshot's description: the user's text, then the marker line."""
    return marker_line(label) if not text else f"{text}\n{marker_line(label)}"


def _marks(description: str | None, label: str) -> tuple[bool, bool]:
    """(carries the label's marker, pinned) for a description."""
    if not description:
        return False, False
    lines = [line.strip() for line in description.splitlines()]
    return marker_line(label) in lines, PIN in lines


def snapshot_name(fmt: str, label: str, now: int) -> str:
    return time.strftime(fmt.replace("{label}", label), time.gmtime(now))


def parse_now(text: str) -> int | None:
    """Epoch seconds of an ISO 8601 time (UTC when it names no offset), or None."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp())


# ---------------------------------------------------------------------------
# libvirt side
# ---------------------------------------------------------------------------

_T = TypeVar("_T")


def _is_job_busy(err: libvirt.libvirtError) -> bool:
    """qemu's "Timed out during operation: cannot acquire state change lock"."""
    return "cannot acquire state change lock" in (err.get_error_message() or "")


def _retrying(call: Callable[[], _T], deadline: float) -> _T:
    """``call()``, tried again while the domain's job lock is busy, until ``deadline``."""
    while True:
        try:
            return call()
        except libvirt.libvirtError as err:
            if not _is_job_busy(err) or time.monotonic() + RETRY_PAUSE > deadline:
                raise
        time.sleep(RETRY_PAUSE)


def labelled(dom: libvirt.virDomain, label: str) -> tuple[list[retention.Snap], set[str]]:
    """The label's snapshots (name, creationTime) and the pinned ones among them."""
    snaps: list[retention.Snap] = []
    pinned: set[str] = set()
    quick = marker_line(label)
    for snap in dom.listAllSnapshots(0):
        xml = snap.getXMLDesc(0)
        if quick not in xml:  # most snapshots: no need to read the XML
            continue
        facts = moments.scan(xml)
        mine, pin = _marks(facts.description, label)
        seconds = moments.parse_llong(facts.creation or "")
        if not mine or seconds is None:
            continue
        name = facts.name or snap.getName()
        snaps.append(retention.Snap(name, seconds))
        if pin:
            pinned.add(name)
    return snaps, pinned


def _create(dom: libvirt.virDomain, cfg: Config, name: str, deadline: float) -> None:
    xml = moments.snapshot_xml(
        name, description_for(cfg.label, cfg.description), cfg.memspec, cfg.diskspecs
    )
    _retrying(lambda: dom.snapshotCreateXML(xml, cfg.flags), deadline)


def _delete(dom: libvirt.virDomain, name: str, deadline: float) -> None:
    # One at a time, never CHILDREN: libvirt re-parents the children.
    _retrying(lambda: dom.snapshotLookupByName(name, 0).delete(0), deadline)


def rotate_domain(dom: libvirt.virDomain, name: str, cfg: Config) -> Outcome:
    """Lock, create, plan, delete: one domain (runs in a worker thread)."""
    out = Outcome(name)
    # One --wait for everything: the lock, then libvirt's job lock.
    deadline = time.monotonic() + cfg.wait
    try:
        out.uuid = dom.UUIDString()
        lock = DomainLock(out.uuid, cfg.wait, host=host_key(dom.connect()))
        lock.acquire()
    except Busy as busy:
        out.result, out.error = BUSY, f"another snapshot-rotate holds its lock ({busy})"
        return out
    except (OSError, libvirt.libvirtError) as exc:
        out.result, out.error = FAILED, _message(exc)
        return out
    try:
        _rotate_locked(dom, cfg, out, deadline)
    except libvirt.libvirtError as err:
        out.result, out.error = FAILED, libvirt_message(err)
    finally:
        lock.release()
    return out


def _rotate_locked(dom: libvirt.virDomain, cfg: Config, out: Outcome, deadline: float) -> None:
    snaps, pinned = labelled(dom, cfg.label)
    by_name = {s.name: s for s in snaps}
    makes = False  # this run makes a snapshot (which then becomes the current one)
    if not cfg.prune_only:
        new = snapshot_name(cfg.name_format, cfg.label, cfg.now)
        # Present already: a run at this same instant made it (killed since, say).
        makes = new not in by_name
        if makes and not cfg.dry_run:
            try:
                _create(dom, cfg, new, deadline)
            except libvirt.libvirtError as err:
                out.result = FAILED
                out.error = f"cannot create snapshot '{new}': {libvirt_message(err)}"
                out.times = {s.name: s.time for s in snaps}
                return
        # This run's snapshot counts at --now (its name's time), made now or by
        # an earlier run at the same instant: --dry-run then predicts the run
        # exactly, and a second run at that instant plans the same.  Other
        # runs read its creationTime, as for every other snapshot.
        by_name[new] = retention.Snap(new, cfg.now)
        out.created = new
    if cfg.dry_run and makes:
        current: str | None = out.created  # what the real run will read below
    else:
        current = current_name(dom)
    protected = {n: "pinned" for n in pinned}
    if current is not None:
        protected[current] = "current"
    out.times = {n: s.time for n, s in by_name.items()}
    if not by_name:
        return
    plan = retention.plan(
        list(by_name.values()),
        cfg.policy,
        now=cfg.now,
        protected=protected,
        max_delete=cfg.max_delete,
    )
    out.kept, out.planned, out.deferred = plan.keep, plan.delete, plan.deferred
    for victim in plan.delete:
        if not cfg.dry_run:
            try:
                _delete(dom, victim, deadline)
            except libvirt.libvirtError as err:
                # The others may depend on it (an internal parent of an
                # external child...): stop this domain here, with libvirt's reason.
                out.result = FAILED
                out.error = f"cannot delete snapshot '{victim}': {libvirt_message(err)}"
                return
        out.deleted.append(victim)


def _message(exc: BaseException) -> str:
    if isinstance(exc, libvirt.libvirtError):
        return libvirt_message(exc)
    if isinstance(exc, OSError):
        return f"{exc.filename}: {exc.strerror}" if exc.filename else str(exc.strerror or exc)
    return str(exc)


def run_hook(hook: str, out: Outcome, stderr: TextIO) -> None:
    """``--hook``: a shell command after each domain, told what happened in its environment.

    Its output goes to stderr: stdout is the report (a table or JSON).  That is
    the session's stderr: straight to its descriptor, or, for a fleet host
    (whose stderr is a buffer), collected and written there.
    """
    env = dict(os.environ)
    env.update(
        VSH_ROTATE_DOMAIN=out.domain,
        VSH_ROTATE_CREATED=out.created or "",
        VSH_ROTATE_DELETED="\n".join(out.deleted),
        VSH_ROTATE_STATUS=out.result,
    )
    try:
        fd: int | None = stderr.fileno()
    except (OSError, ValueError, AttributeError):
        fd = None
    try:
        stderr.flush()
        done = subprocess.run(
            ["/bin/sh", "-c", hook],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=fd if fd is not None else subprocess.PIPE,
            stderr=None if fd is not None else subprocess.STDOUT,
            check=False,
        )
    except OSError as exc:
        out.hook_error = f"cannot run the hook: {_message(exc)}"
        return
    if done.stdout:
        stderr.write(done.stdout.decode("utf-8", "surrogateescape"))
    if done.returncode != 0:
        out.hook_error = f"the hook exited with status {done.returncode}"


# ---------------------------------------------------------------------------
# Options
# ---------------------------------------------------------------------------


def _count(value: object, name: str, *, least: int = 0) -> int | None:
    """An integer option (command line text or policy file int), checked."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise VshError(numeric_message(value, name))
    number = value if isinstance(value, int) else c_int(str(value))
    if number is None:
        raise VshError(numeric_message(value, name))
    if number < least:
        raise VshError(f"--{name} must be at least {least}")
    return number


def _duration(value: object, name: str) -> int | None:
    if value is None:
        return None
    seconds = retention.parse_duration(str(value))
    if seconds is None:
        raise VshError(
            f"invalid duration '{value}' for --{name} (examples: 36h, 7d, 1w2d, 90m, 3600)"
        )
    return seconds


def _merged(opt: Mapping[str, Any]) -> dict[str, Any]:
    """The options given, over the policy file's values (``--policy``)."""
    merged = dict(opt)
    name = opt.get("policy")
    if name is None:
        return merged
    try:
        _, values = find_policy(name)
    except PolicyFileError as exc:
        raise VshError(str(exc)) from None
    for key, value in values.items():
        py = key.replace("-", "_")
        if py == "diskspec":
            value = (value,) if isinstance(value, str) else tuple(value)  # type: ignore[arg-type]
        given = merged.get(py)
        if given is None or given is False or given == ():
            merged[py] = value
    return merged


def _config(s: Session, opt: Mapping[str, Any]) -> Config:
    label = opt.get("label")
    if label is None or label == "":
        raise VshError("--label is required (or a policy that names one)")
    label = str(label)
    if not LABEL.match(label):
        raise VshError(
            f"invalid label '{label}': letters, digits and . _ + - only, not first . _ + -"
        )
    keeps = {k: _count(opt.get(f"keep_{k}"), f"keep-{k}") or 0 for k in _KEEPS}
    within = _duration(opt.get("keep_within"), "keep-within")
    policy = retention.Policy(**keeps, within=within)
    if policy.empty and not opt.get("check"):
        raise VshError(
            "no retention rule: give at least one of --keep-last, --keep-hourly,"
            " --keep-daily, --keep-weekly, --keep-monthly, --keep-yearly, --keep-within"
        )
    now_text = opt.get("now")
    if now_text is None:
        now = int(time.time())
    else:
        parsed = parse_now(str(now_text))
        if parsed is None:
            raise VshError(f"invalid time '{now_text}' for --now (ISO 8601, UTC by default)")
        now = parsed
    name_format = str(opt.get("name_format") or NAME_FORMAT)
    # Names must change every second (a seconds field), so each run's name is
    # its own: a second run at the same instant finds "its" snapshot made.
    if not re.search(r"%[SsT]", name_format.replace("%%", "")) or "/" in name_format:
        raise VshError(
            f"invalid --name-format '{name_format}': it needs a seconds field (%S, %s or %T)"
            " and no '/'"
        )
    max_delete = _count(opt.get("max_delete"), "max-delete")
    wait = _count(opt.get("wait"), "wait")
    return Config(
        label=label,
        policy=policy,
        now=now,
        prune_only=bool(opt.get("prune_only")),
        dry_run=bool(opt.get("dry_run")),
        max_delete=MAX_DELETE if max_delete is None else max_delete,
        wait=wait or 0,
        name_format=name_format,
        hook=opt.get("hook") or None,
        description=opt.get("description") or None,
        flags=mc.create_flags(**{k: bool(opt.get(k)) for k in _CREATE_BOOLS}),
        memspec=opt.get("memspec") or None,
        diskspecs=tuple(opt.get("diskspec") or ()),
    )


def _domains(
    s: Session, words: Sequence[str], every: bool
) -> list[tuple[str, libvirt.virDomain | None, str | None]]:
    """(name, domain, lookup error) per domain, deduplicated by UUID."""
    if every:
        try:
            doms = s.conn.listAllDomains(0)
        except libvirt.libvirtError as err:
            raise VshError("failed to list domains", cause=err) from None
        named = sorted(((d.name(), d) for d in doms), key=lambda p: p[0])
        return [(n, d, None) for n, d in named]
    found: list[tuple[str, libvirt.virDomain | None, str | None]] = []
    seen: set[str] = set()
    for word in words:
        try:
            dom = lookup.domain(s, word)
        except VshError as exc:
            found.append((word, None, "; ".join(exc.messages)))
            continue
        uuid = dom.UUIDString()
        if uuid not in seen:
            seen.add(uuid)
            found.append((dom.name(), dom, None))
    return found


# ---------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------


def _print_outcomes(s: Session, cfg: Config, outcomes: Sequence[Outcome], json: bool) -> None:
    if json:
        s.print(json_text([o.to_dict(cfg.label, cfg.dry_run) for o in outcomes]))
    else:
        rows = []
        for o in outcomes:
            deleted = str(len(o.deleted))
            if o.deferred:
                deleted += f" (+{len(o.deferred)} next run)"
            rows.append([o.domain, o.created or "-", str(len(o.kept)), deleted, o.result])
        s.print(table_text(s, ["Domain", "Created", "Kept", "Deleted", "Result"], rows))
    for o in outcomes:
        if o.error:
            s.error(f"domain '{o.domain}': {o.error}")
        if o.hook_error:
            s.error(f"domain '{o.domain}': {o.hook_error}")


def _finish(s: Session, outcomes: Sequence[Outcome]) -> bool:
    """0 all done; 1 a failure (the others still ran); 75 a busy lock and nothing worse."""
    if any(o.result == FAILED or o.hook_error for o in outcomes):
        return False
    if any(o.result == BUSY for o in outcomes):
        s.exit_status = EX_TEMPFAIL
        return False
    return True


# ---------------------------------------------------------------------------
# --check
# ---------------------------------------------------------------------------


def _perf_label(name: str) -> str:
    return "'" + name.replace("'", "''") + "'"


def check_line(
    label: str,
    ages: Mapping[str, int | None],
    warn: int,
    crit: int,
) -> tuple[int, str]:
    """The plugin status and output line for each domain's newest snapshot age."""
    fmt = retention.format_duration
    crits, warns = [], []
    for name, age in ages.items():
        if age is None:
            crits.append(f"{name} has no '{label}' snapshot")
        elif age > crit:
            crits.append(
                f"{name} newest '{label}' snapshot is {retention.format_age(age)} old"
                f" (crit {fmt(crit)})"
            )
        elif age > warn:
            warns.append(
                f"{name} newest '{label}' snapshot is {retention.format_age(age)} old"
                f" (warn {fmt(warn)})"
            )
    perf = " ".join(
        f"{_perf_label(n)}={'U' if a is None else f'{a}s'};{warn};{crit};0" for n, a in ages.items()
    )
    if crits:
        status, text = CRITICAL, ", ".join(crits + warns)
    elif warns:
        status, text = WARNING, ", ".join(warns)
    else:
        status = OK
        count = f"{len(ages)} domain{'s' if len(ages) != 1 else ''}"
        if ages:
            oldest = max(a for a in ages.values() if a is not None)
            text = f"{count}, newest '{label}' snapshot {retention.format_age(oldest)} ago"
        else:
            text = f"{count}, nothing to check"
    line = f"{_STATUS_WORD[status]}: {text}"
    return status, f"{line} | {perf}" if perf else line


def _check(s: Session, cfg: Config, words: Sequence[str], every: bool, opt: Any) -> bool:
    warn = _duration(opt.get("warn"), "warn")
    crit = _duration(opt.get("crit"), "crit")
    if warn is None or crit is None:
        raise VshError("--check needs --warn and --crit")
    if warn > crit:
        raise VshError("--warn must not be longer than --crit")
    try:
        targets = _domains(s, words, every)
        ages: dict[str, int | None] = {}
        for name, dom, error in targets:
            if dom is None:
                s.print(f"{_STATUS_WORD[UNKNOWN]}: {error}\n")
                s.exit_status = UNKNOWN
                return False
            snaps, _ = labelled(dom, cfg.label)
            newest = max((x.time for x in snaps), default=None)
            ages[name] = None if newest is None else cfg.now - newest
    except (libvirt.libvirtError, VshError) as exc:
        why = "; ".join(exc.messages) if isinstance(exc, VshError) else libvirt_message(exc)
        if isinstance(exc, VshError) and exc.cause is not None:
            why += ": " + libvirt_message(exc.cause)
        s.print(f"{_STATUS_WORD[UNKNOWN]}: {why}\n")
        s.exit_status = UNKNOWN
        return False
    status, line = check_line(cfg.label, ages, warn, crit)
    s.print(line + "\n")
    if status != OK:
        s.exit_status = status
    return status == OK


def _unreachable(s: Session, values: Mapping[str, Any]) -> int | None:
    """``--check`` on a host that cannot be reached: the monitor's UNKNOWN."""
    if not values.get("check"):
        return None
    uri = s.settings.uri or "the default URI"
    s.print(f"UNKNOWN: cannot connect to {uri}\n")
    return UNKNOWN


# ---------------------------------------------------------------------------
# The command
# ---------------------------------------------------------------------------

SNAPSHOT_ROTATE_JSON = shape(
    array_of(
        object_of(
            prop("domain", STR),
            prop("uuid", STR, NULL, doc="null when the domain could not be looked up"),
            prop("label", STR),
            prop("dry_run", BOOL),
            prop("result", choice(DONE, FAILED, BUSY), doc="busy: another run holds the lock"),
            prop("created", STR, NULL, doc="the snapshot made (or, with --dry-run, to make)"),
            prop(
                "kept",
                array_of(
                    object_of(
                        prop("name", STR),
                        prop("creation_time", INT, doc="seconds since the epoch"),
                        prop(
                            "rules",
                            array_of(STR),
                            doc='what keeps it: "last 2", "daily 1", "weekly 3", "within 36h",'
                            ' "newest", "current", "pinned"',
                        ),
                    )
                ),
                doc="newest first",
            ),
            prop("planned", array_of(STR), doc="the deletions planned for this run, oldest first"),
            prop("deleted", array_of(STR), doc="the deletions done (with --dry-run: planned)"),
            prop("deferred", array_of(STR), doc="left for the next run by --max-delete"),
            prop("error", STR, NULL),
            prop("hook_error", STR, NULL),
        )
    ),
    doc="One object per domain, in the order of the table.",
)


@command(
    "snapshot-rotate",
    summary="create the nightly snapshot and prune old ones by a retention policy",
    description="Create one snapshot per domain, named <label>-<UTC time> and marked by\n"
    "    a line 'vsh-rotate: label=<label>' in its description, then delete the\n"
    "    label's snapshots that no --keep-* rule keeps (restic/borg buckets in UTC).\n"
    "    Only snapshots with the label's line are ever deleted; never the current\n"
    "    one, the newest, or one with a line 'vsh-rotate: keep'. Deletions go oldest\n"
    "    first, at most --max-delete per domain. A flock per domain UUID stops\n"
    "    overlapping runs (--wait). --now runs as if at that time; --hook runs after\n"
    "    each domain with VSH_ROTATE_DOMAIN, _CREATED, _DELETED and _STATUS set.\n"
    "    --policy reads [policy.NAME] from $XDG_CONFIG_HOME/vsh/rotate.toml or\n"
    "    /etc/vsh/rotate.toml. Exit status: 0 done, 1 a failure, 75 a domain was\n"
    "    busy. With --check: a monitoring check of the newest snapshot's age\n"
    "    (0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN), with performance data.",
    group=GROUP,
    exclusive=(("check", "dry-run"), ("check", "prune-only"), ("check", "json")),
    mutates=("snapshots",),
    json=SNAPSHOT_ROTATE_JSON,
    unreachable=_unreachable,
)
@option(
    "domain",
    OptKind.ARGV,
    "domains to rotate",
    completer=lookup.complete_domain_names,
)
@option("all", OptKind.BOOL, "every domain")
@option("label", OptKind.STRING, "the label: names, marks and selects the snapshots",
        named_only=True, value_kind="empty")  # fmt: skip
@option("keep-last", OptKind.INT, "keep the N newest", named_only=True)
@option("keep-hourly", OptKind.INT, "keep the newest of each of the last N hours",
        named_only=True)  # fmt: skip
@option("keep-daily", OptKind.INT, "keep the newest of each of the last N days", named_only=True)
@option("keep-weekly", OptKind.INT, "keep the newest of each of the last N ISO weeks",
        named_only=True)  # fmt: skip
@option("keep-monthly", OptKind.INT, "keep the newest of each of the last N months",
        named_only=True)  # fmt: skip
@option("keep-yearly", OptKind.INT, "keep the newest of each of the last N years",
        named_only=True)  # fmt: skip
@option("keep-within", OptKind.STRING, "keep everything newer than this (36h, 7d, 1w2d)",
        named_only=True, value_kind="empty")  # fmt: skip
@option("policy", OptKind.STRING, "read [policy.NAME] from rotate.toml", named_only=True,
        value_kind="empty")  # fmt: skip
@option("prune-only", OptKind.BOOL, "create nothing, only delete")
@option("max-delete", OptKind.INT, f"delete at most N per domain (default {MAX_DELETE})",
        named_only=True)  # fmt: skip
@option("wait", OptKind.INT, "seconds to wait for a busy domain (default 0)", named_only=True)
@option("parallel", OptKind.INT, "domains at once (default 1)", named_only=True)
@option("dry-run", OptKind.BOOL, "show what would be done and change nothing")
@option("now", OptKind.STRING, "act as if it were this time (ISO 8601, UTC by default)",
        named_only=True, value_kind="empty")  # fmt: skip
@option("name-format", OptKind.STRING, f"strftime format of the names (default {NAME_FORMAT})",
        named_only=True, value_kind="empty")  # fmt: skip
@option("hook", OptKind.STRING, "shell command run after each domain", named_only=True,
        value_kind="empty")  # fmt: skip
@option("check", OptKind.BOOL, "monitoring check of the newest snapshot's age")
@option("warn", OptKind.STRING, "with --check: WARNING when older than this",
        named_only=True, value_kind="empty")  # fmt: skip
@option("crit", OptKind.STRING, "with --check: CRITICAL when older than this",
        named_only=True, value_kind="empty")  # fmt: skip
@option("description", OptKind.STRING, "description of the snapshots (the marker is added)",
        named_only=True, value_kind="empty")  # fmt: skip
@option("disk-only", OptKind.BOOL, "capture disk state but not vm state")
@option("quiesce", OptKind.BOOL, "quiesce guest's file systems")
@option("atomic", OptKind.BOOL, "require atomic operation")
@option("live", OptKind.BOOL, "take a live snapshot")
@option("memspec", OptKind.STRING, "memory attributes: [file=]name[,snapshot=type]",
        named_only=True, value_kind="memspec")  # fmt: skip
@option("diskspec", OptKind.ARGV,
        "--diskspec SPEC, repeatable: disk[,snapshot=type][,driver=type][,stype=type][,file=name]",
        named_only=True, value_kind="diskspec")  # fmt: skip
@option("json", OptKind.BOOL, "print the plan and outcome as JSON", extension=True)
def snapshot_rotate(s: Session, domain: tuple[str, ...], all: bool, **opt: Any) -> bool:
    opt = _merged(opt)
    words = list(domain)
    if all and words:
        raise VshError("--all and a list of domains are mutually exclusive")
    if not all and not words:
        raise VshError("give the domains to rotate, or --all")
    cfg = _config(s, opt)
    if opt.get("check"):
        return _check(s, cfg, words, all, opt)
    parallel = _count(opt.get("parallel"), "parallel", least=1) or 1
    if parallel > MAX_PARALLEL:
        raise VshError(f"--parallel must be between 1 and {MAX_PARALLEL}")
    if not cfg.dry_run and s.connection.readonly:
        raise VshError("snapshot-rotate needs a read-write connection (this one is read-only)")
    targets = _domains(s, words, all)

    def work(target: tuple[str, libvirt.virDomain | None, str | None]) -> Outcome:
        name, dom, error = target
        if dom is None:
            return Outcome(name, result=FAILED, error=error)
        out = rotate_domain(dom, name, cfg)
        if cfg.hook and not cfg.dry_run:
            run_hook(cfg.hook, out, s.err)
        return out

    if parallel == 1 or len(targets) < 2:
        outcomes = [work(t) for t in targets]
    else:
        pool = ThreadPoolExecutor(parallel, thread_name_prefix="rotate")
        try:
            outcomes = list(pool.map(work, targets))
        except KeyboardInterrupt:
            # Start no other domain; those inside libvirt finish (their locks
            # are released as they do), then Ctrl-C's 130.
            pool.shutdown(wait=True, cancel_futures=True)
            raise
        pool.shutdown()
    _print_outcomes(s, cfg, outcomes, bool(opt.get("json")))
    return _finish(s, outcomes)
