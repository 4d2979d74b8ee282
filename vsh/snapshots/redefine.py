"""Bulk snapshot redefinition: plan first, then execute, and undo on failure.

Nothing here talks to libvirt.  The command (``vsh/commands/bulk/redefine.py``)
reads the inputs with :mod:`vsh.snapshots.bundle`, describes the target domain as a
:class:`TargetInfo`, and hands :func:`execute` an object implementing
:class:`Target`; tests use fakes.

Planning (:func:`make_plan`) looks at *everything* before anything changes
and collects every problem at once: unreadable or malformed inputs,
duplicate names, parent cycles, parents that are neither in the input nor
on the domain, names that already exist (unless ``--skip-existing`` and the
existing snapshot has the same parent), an embedded ``<domain>`` whose UUID
is not the target's (unless ``--adopt``), a missing embedded domain, and an
unknown or ambiguous current snapshot.  The order comes from
:func:`vsh.snapshots.graph.plan`: parents first, otherwise input order.

Execution (:func:`execute`) defines the planned snapshots one at a time,
then marks the current one (REDEFINE|CURRENT of its XML) last.  Before
each definition it checks that the name is still free, so a snapshot some
other client defined meanwhile is never overwritten (REDEFINE of an existing
name would silently replace it) nor counted as ours.  (The libvirt target
answers from checks it made while the previous steps were being defined:
``vsh.virt.snapshotstore.Lookahead``.)  On any failure or
Ctrl-C it deletes, metadata only and leaves first, exactly the snapshots
this run defined, one at a time, never anything recursive.  A snapshot that
cannot be deleted (or that meanwhile got a child this run did not define)
keeps its ancestors too, so nothing is ever re-parented.  A snapshot being
defined when Ctrl-C arrived counts as defined if it exists afterwards.
Ctrl-C during the rollback is held until the rollback is done.  When the
connection itself is lost nothing can be undone; the outcome says what was
defined so that a rerun with ``--skip-existing`` completes the job.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

from vsh.core.record import FrozenRecord, Record, fresh
from vsh.core.vshutil import sigint_held
from vsh.snapshots import graph
from vsh.snapshots.bundle import BundleError, Document, SnapshotRecord

__all__ = [
    "Options",
    "Outcome",
    "Plan",
    "Problem",
    "Step",
    "Target",
    "TargetError",
    "TargetInfo",
    "execute",
    "make_plan",
    "map_path",
    "normalise_uuid",
    "parse_map_path",
    "rewrite_xml",
]

DISK_SNAPSHOT = "disk-snapshot"
_SHOW_NAMES = 10  # names quoted in an aggregated problem's message


# ---------------------------------------------------------------------------
# Data
# ---------------------------------------------------------------------------


class Problem(FrozenRecord):
    """A reason to refuse the whole run.

    ``kind``: input, record, domain, duplicate, cycle, missing-parent,
    exists, parent-differs, uuid, no-domain, current, empty, checkpoint.
    """

    kind: str
    message: str
    names: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, object]:
        return {"kind": self.kind, "message": self.message, "names": list(self.names)}


class Options(Record):
    current: str | None = None  # --current NAME
    skip_existing: bool = False
    adopt: bool = False
    map_paths: Sequence[tuple[str, str]] = ()
    no_rollback: bool = False


class TargetInfo(Record):
    """The domain being restored, as the server sees it before the run."""

    name: str
    uuid: str
    existing: Mapping[str, str | None] = fresh(dict)  # name -> parent
    current: str | None = None


class Step(Record):
    name: str
    parent: str | None
    action: str  # "define" or "skip" (exists with the same parent)
    record: SnapshotRecord

    @property
    def disk_only(self) -> bool:
        return self.record.state == DISK_SNAPSHOT


class Plan(Record):
    target: TargetInfo
    options: Options
    steps: list[Step]
    current: str | None
    current_from: str | None  # "option", "bundle" or None (left unchanged)
    problems: list[Problem]

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def to_define(self) -> list[Step]:
        return [s for s in self.steps if s.action == "define"]

    def to_dict(self) -> dict[str, object]:
        return {
            "domain": self.target.name,
            "uuid": self.target.uuid,
            "ok": self.ok,
            "current": self.current,
            "current_from": self.current_from,
            "define": len(self.to_define),
            "skip": len(self.steps) - len(self.to_define),
            "steps": [
                {
                    "name": s.name,
                    "parent": s.parent,
                    "action": s.action,
                    "state": s.record.state,
                    "source": s.record.label,
                }
                for s in self.steps
            ],
            "problems": [p.to_dict() for p in self.problems],
        }


# ---------------------------------------------------------------------------
# Planning
# ---------------------------------------------------------------------------


_UUID_NOISE = str.maketrans("", "", "- \t\n")


def normalise_uuid(text: str | None) -> str | None:
    """UUIDs as libvirt compares them: hex digits only, lower case."""
    if text is None:
        return None
    digits = text.lower().translate(_UUID_NOISE)
    return digits or None


def quoted_names(names: Sequence[str], show: int = _SHOW_NAMES) -> str:
    """``'a', 'b' and 3 more``: the first ``show`` names of a problem's list."""
    shown = ", ".join(f"'{n}'" for n in names[:show])
    more = len(names) - show
    return shown + (f" and {more} more" if more > 0 else "")


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def make_plan(
    documents: Sequence[Document],
    target: TargetInfo,
    options: Options,
    input_errors: Sequence[str] = (),
) -> Plan:
    """Check everything and order it; never touches the target."""
    problems: list[Problem] = [Problem("input", e) for e in input_errors]
    for doc in documents:
        problems += [Problem("record", p) for p in doc.problems]
    target_uuid = normalise_uuid(target.uuid)

    # Bundles made for another domain.
    for doc in documents:
        h = doc.header
        if h.kind != "bundle" or h.uuid is None or options.adopt:
            continue
        if normalise_uuid(h.uuid) != target_uuid:
            problems.append(
                Problem(
                    "domain",
                    f"{doc.label}: bundle of domain '{h.domain}' (UUID {h.uuid}), not of"
                    f" '{target.name}' (UUID {target.uuid}); --adopt restores it onto this"
                    " domain anyway",
                )
            )

    records = [r for doc in documents for r in doc.records]
    pairs = [(r.name or "", r.parent) for r in records]
    if not records and not problems and not any(doc.checkpoints for doc in documents):
        problems.append(Problem("empty", "no snapshots to redefine"))

    check = graph.validate(pairs, target.existing)
    for d in check.duplicates:
        where = ", ".join(records[i].label for i in d.indexes)
        problems.append(
            Problem("duplicate", f"snapshot '{d.name}' appears more than once: {where}", (d.name,))
        )
    for c in check.cycles:
        chain = " -> ".join(f"'{n}'" for n in (*c.names, c.names[0]))
        problems.append(Problem("cycle", f"parent links form a cycle: {chain}", c.names))
    for m in check.missing_parents:
        problems.append(
            Problem(
                "missing-parent",
                f"parent '{m.parent}' of snapshot '{m.name}' is neither in the input nor"
                f" defined on domain '{target.name}'",
                (m.name, m.parent),
            )
        )

    # Names that already exist on the domain.
    first: dict[str, SnapshotRecord] = {}
    for r in records:
        first.setdefault(r.name or "", r)
    exists = [n for n in first if n in target.existing]
    skip: set[str] = set()
    if exists and not options.skip_existing:
        problems.append(
            Problem(
                "exists",
                f"{_plural(len(exists), 'snapshot')} already defined on domain"
                f" '{target.name}': {quoted_names(exists)} (--skip-existing keeps them and"
                " defines the rest)",
                tuple(exists),
            )
        )
    elif exists:
        for name in exists:
            have, want = target.existing[name], first[name].parent
            if have == want:
                skip.add(name)
                continue
            problems.append(
                Problem(
                    "parent-differs",
                    f"snapshot '{name}' already exists with parent"
                    f" {_quoted(have)}, but the input gives it parent {_quoted(want)}",
                    (name,),
                )
            )

    # Embedded domains of the snapshots that will be sent.
    for doc in documents:
        wrong: dict[str, list[str]] = {}
        missing: list[str] = []
        for r in doc.records:
            if r.name in skip:
                continue
            if r.domain_type is None:
                missing.append(r.name or "")
            elif not options.adopt and normalise_uuid(r.domain_uuid) != target_uuid:
                wrong.setdefault(r.domain_uuid or "(none)", []).append(r.name or "")
        for uuid, names in wrong.items():
            problems.append(
                Problem(
                    "uuid",
                    f"{doc.label}: {_plural(len(names), 'snapshot')} embed domain UUID {uuid},"
                    f" not '{target.name}''s {target.uuid}: {quoted_names(names)}"
                    " (--adopt rewrites it)",
                    tuple(names),
                )
            )
        if missing:
            problems.append(
                Problem(
                    "no-domain",
                    f"{doc.label}: {_plural(len(missing), 'snapshot')} without an embedded"
                    f" <domain type=...>, which libvirt needs to redefine a new snapshot:"
                    f" {quoted_names(missing)}",
                    tuple(missing),
                )
            )

    current, current_from = _choose_current(documents, target, options, first, problems)

    result = graph.plan(pairs, target.existing)
    steps = [
        Step(n, first[n].parent, "skip" if n in skip else "define", first[n]) for n in result.order
    ]
    return Plan(target, options, steps, current, current_from, problems)


def _quoted(name: str | None) -> str:
    return "(none)" if name is None else f"'{name}'"


def _choose_current(
    documents: Sequence[Document],
    target: TargetInfo,
    options: Options,
    known: Mapping[str, SnapshotRecord],
    problems: list[Problem],
) -> tuple[str | None, str | None]:
    def usable(name: str) -> bool:
        return name in known or name in target.existing

    if options.current is not None:
        if not usable(options.current):
            problems.append(
                Problem(
                    "current",
                    f"--current '{options.current}' is neither in the input nor defined on"
                    f" domain '{target.name}'",
                    (options.current,),
                )
            )
        return options.current, "option"
    claims: dict[str, list[str]] = {}
    for doc in documents:
        if doc.header.current is not None:
            claims.setdefault(doc.header.current, []).append(doc.label)
    if not claims:
        return None, None
    if len(claims) > 1:
        said = "; ".join(f"'{n}' ({', '.join(labels)})" for n, labels in claims.items())
        problems.append(
            Problem(
                "current",
                f"the bundles name different current snapshots: {said}; choose one with --current",
                tuple(claims),
            )
        )
        return None, None
    (name,) = claims
    if not usable(name):
        problems.append(
            Problem(
                "current",
                f"current snapshot '{name}' named by {', '.join(claims[name])} is neither in"
                " the input nor defined on the domain",
                (name,),
            )
        )
    return name, "bundle"


# ---------------------------------------------------------------------------
# Rewriting (--adopt, --map-path)
# ---------------------------------------------------------------------------


def parse_map_path(text: str) -> tuple[str, str]:
    """``OLD=NEW`` (split at the first '='), both absolute; ValueError otherwise."""
    old, eq, new = text.partition("=")
    if not eq or not old or not new:
        raise ValueError(f"invalid --map-path '{text}': expected OLD=NEW")
    if not old.startswith("/") or not new.startswith("/"):
        raise ValueError(f"invalid --map-path '{text}': both paths must be absolute")
    return old, new


def _components(path: str) -> list[str]:
    """An absolute path's components, as PurePosixPath parts without the root."""
    return [c for c in path.split("/") if c and c != "."]


def map_path(path: str, maps: Sequence[tuple[str, str]]) -> str:
    """Rewrite ``path`` by the longest ``OLD`` that is a whole-component prefix.

    ``/var/lib/images=/srv`` maps ``/var/lib/images/a.qcow2`` to
    ``/srv/a.qcow2`` but leaves ``/var/lib/images2/a.qcow2`` alone.
    """
    if not path.startswith("/"):
        return path
    parts = _components(path)
    best: tuple[int, str] | None = None
    for old, new in maps:
        old_parts = _components(old)
        if parts[: len(old_parts)] == old_parts and (best is None or len(old_parts) > best[0]):
            best = (len(old_parts), new)
    if best is None:
        return path
    return "/" + "/".join(_components(best[1]) + parts[best[0] :])


_PATH_ATTRS = ("file", "dev", "dir")


def _children(node: object, tag: str) -> list[Any]:
    return [c for c in node.childNodes if getattr(c, "tagName", None) == tag]  # type: ignore[attr-defined]


def _domains(root: object) -> list[Any]:
    """The embedded ``<domain>`` and, for a running guest's snapshot, the
    ``<inactiveDomain>`` (its persistent definition, which a revert restores)."""
    return _children(root, "domain") + _children(root, "inactiveDomain")


def _set_text(doc: object, element: object, text: str) -> bool:
    old = "".join(c.data for c in element.childNodes if c.nodeType == c.TEXT_NODE)  # type: ignore[attr-defined]
    if old == text:
        return False
    for c in list(element.childNodes):  # type: ignore[attr-defined]
        element.removeChild(c)  # type: ignore[attr-defined]
    element.appendChild(doc.createTextNode(text))  # type: ignore[attr-defined]
    return True


def rewrite_xml(
    xml: str,
    *,
    adopt: tuple[str, str] | None = None,
    map_paths: Sequence[tuple[str, str]] = (),
) -> str:
    """Apply ``--adopt (name, uuid)`` and ``--map-path`` to one snapshot's XML.

    Paths: ``file``/``dev``/``dir`` of every ``<source>`` below the
    snapshot's ``<disks><disk>`` and the embedded domain's
    ``<devices><disk>`` (backing chains included), and the ``file`` of
    ``<memory>``.  Adopt: the embedded domain's ``<name>`` and ``<uuid>``.
    The ``<inactiveDomain>`` of a running guest's snapshot is the embedded
    domain's twin and is rewritten the same way.
    The input is returned unchanged when nothing needs rewriting.
    """
    if adopt is None and not map_paths:
        return xml
    from defusedxml.minidom import parseString

    # expat reads bytes (the declared encoding applies); the stub only says str
    doc = parseString(xml.encode("utf-8"), forbid_dtd=True)  # type: ignore[arg-type]
    root = doc.documentElement
    assert root is not None  # a parsed document always has its root element
    changed = False

    def fix(element: object) -> None:
        nonlocal changed
        for attr in _PATH_ATTRS:
            if element.hasAttribute(attr):  # type: ignore[attr-defined]
                old = element.getAttribute(attr)  # type: ignore[attr-defined]
                new = map_path(old, map_paths)
                if new != old:
                    element.setAttribute(attr, new)  # type: ignore[attr-defined]
                    changed = True

    if map_paths:
        for memory in _children(root, "memory"):
            fix(memory)
        for disks in _children(root, "disks"):
            for disk in _children(disks, "disk"):
                for source in disk.getElementsByTagName("source"):
                    fix(source)
        for dom in _domains(root):
            for devices in _children(dom, "devices"):
                for disk in _children(devices, "disk"):
                    for source in disk.getElementsByTagName("source"):
                        fix(source)
    if adopt is not None:
        name, uuid = adopt
        for dom in _domains(root):
            names = _children(dom, "name")
            if names:
                changed |= _set_text(doc, names[0], name)
            uuids = _children(dom, "uuid")
            if uuids:
                changed |= _set_text(doc, uuids[0], uuid)
            else:
                element = doc.createElement("uuid")
                element.appendChild(doc.createTextNode(uuid))
                after = names[0].nextSibling if names else dom.firstChild
                dom.insertBefore(element, after)
                changed = True
    if not changed:
        return xml
    return root.toxml() + "\n"


# ---------------------------------------------------------------------------
# Execution
# ---------------------------------------------------------------------------


class TargetError(Exception):
    """A failed operation on the target; ``fatal`` when the connection is gone."""

    def __init__(self, message: str, *, fatal: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.fatal = fatal


class Target(Protocol):
    """What :func:`execute` needs from a domain (errors raise TargetError)."""

    def exists(self, name: str) -> bool: ...

    def define(self, xml: str, *, disk_only: bool, current: bool) -> None: ...

    def has_children(self, name: str) -> bool: ...

    def remove(self, name: str) -> None:
        """Delete one snapshot's metadata only; never its children."""

    def server_xml(self, name: str) -> str:
        """The server's current XML of an existing snapshot (with secrets)."""


Progress = Callable[[int, int, str], None]


class Outcome(Record):
    defined: list[str] = fresh(list)
    skipped: list[str] = fresh(list)
    current_set: str | None = None
    failed_at: str | None = None  # snapshot name, or "current:NAME"
    error: str | None = None
    fatal: bool = False  # the connection was lost: nothing could be undone
    interrupted: bool = False
    in_doubt: str | None = None  # sent when the connection died: fate unknown
    rolled_back: list[str] = fresh(list)
    rollback_errors: list[tuple[str, str]] = fresh(list)
    rollback_attempted: bool = False
    checkpoints: int = 0  # checkpoints defined after the snapshots (journals)

    @property
    def ok(self) -> bool:
        return self.error is None and not self.interrupted

    @property
    def kept(self) -> list[str]:
        """Snapshots this run defined that are still there."""
        gone = set(self.rolled_back)
        return [n for n in self.defined if n not in gone]

    def to_dict(self) -> dict[str, object]:
        return {
            "ok": self.ok,
            "defined": self.defined,
            "skipped": self.skipped,
            "current_set": self.current_set,
            "failed_at": self.failed_at,
            "error": self.error,
            "connection_lost": self.fatal,
            "interrupted": self.interrupted,
            "in_doubt": self.in_doubt,
            "rolled_back": self.rolled_back,
            "rollback_errors": [{"name": n, "error": e} for n, e in self.rollback_errors],
            "kept": self.kept,
        }


def load_step_xml(step: Step, target: TargetInfo, options: Options) -> str:
    """The XML to send for a step: the input's bytes, rewritten if asked."""
    xml = step.record.load()
    adopt = (target.name, target.uuid) if options.adopt else None
    return rewrite_xml(xml, adopt=adopt, map_paths=options.map_paths)


def execute(plan: Plan, target: Target, progress: Progress | None = None) -> Outcome:
    """Carry out a plan that has no problems; see the module docstring."""
    if not plan.ok:
        raise ValueError("refusing to execute a plan with problems")
    out = Outcome()
    total = len(plan.to_define) + (1 if plan.current else 0)
    done = 0
    in_flight: str | None = None
    defined_steps: dict[str, Step] = {}
    try:
        for step in plan.steps:
            if step.action == "skip":
                out.skipped.append(step.name)
                continue
            out.failed_at = step.name
            xml = load_step_xml(step, plan.target, plan.options)
            if target.exists(step.name):
                raise TargetError(
                    f"snapshot '{step.name}' appeared on the domain during the run"
                    " (another client?)"
                )
            in_flight = step.name
            target.define(xml, disk_only=step.disk_only, current=False)
            out.defined.append(step.name)
            defined_steps[step.name] = step
            in_flight = None
            done += 1
            if progress:
                progress(done, total, step.name)
        if plan.current:
            name = plan.current
            out.failed_at = f"current:{name}"
            defined = defined_steps.get(name)
            if defined is not None:
                xml = load_step_xml(defined, plan.target, plan.options)
                disk_only = defined.disk_only
            else:
                xml = target.server_xml(name)
                disk_only = f"<state>{DISK_SNAPSHOT}</state>" in xml
            target.define(xml, disk_only=disk_only, current=True)
            out.current_set = name
            done += 1
            if progress:
                progress(done, total, name)
        out.failed_at = None
    except KeyboardInterrupt:
        out.interrupted = True
    except TargetError as exc:
        out.error, out.fatal = exc.message, exc.fatal
    except BundleError as exc:
        out.error = str(exc)
    if out.ok:
        return out

    # Hold Ctrl-C while undoing: a half-done rollback helps nobody; the
    # command reports it afterwards (and exits 130).
    with sigint_held() as held:
        if in_flight is not None:
            _settle_in_flight(out, target, in_flight)
        if not out.fatal and not plan.options.no_rollback and out.defined:
            _rollback(out, target, {s.name: s.parent for s in plan.steps})
    if held:
        out.interrupted = True
    return out


def roll_back(out: Outcome, target: Target, plan: Plan) -> None:
    """Undo what a successful :func:`execute` defined, when a later step of
    the same job (its checkpoints) failed."""
    _rollback(out, target, {s.name: s.parent for s in plan.steps})


def _settle_in_flight(out: Outcome, target: Target, name: str) -> None:
    """Was the snapshot being defined when things stopped defined after all?

    It did not exist before the call (checked), so if it exists now, this run
    defined it and must undo it like the others.
    """
    if out.fatal:
        out.in_doubt = name
        return
    try:
        if target.exists(name):
            out.defined.append(name)
    except TargetError as exc:
        out.in_doubt = name
        if exc.fatal:
            out.fatal = True
            out.error = out.error or exc.message


def _rollback(out: Outcome, target: Target, parent_of: Mapping[str, str | None]) -> None:
    """Metadata-only deletes of what this run defined, newest (leaves) first."""
    out.rollback_attempted = True
    keep: set[str] = set()
    for name in reversed(out.defined):
        if name in keep:
            continue
        try:
            if target.has_children(name):
                # Someone else hung a snapshot below ours meanwhile; deleting
                # ours would re-parent theirs.
                raise TargetError("it now has child snapshots this run did not define")
            target.remove(name)
        except TargetError as exc:
            out.rollback_errors.append((name, exc.message))
            # Deleting an ancestor now would re-parent this one: keep them all.
            keep.update(graph.ancestors(name, parent_of))
            if exc.fatal:
                out.fatal = True
                return
            continue
        out.rolled_back.append(name)
