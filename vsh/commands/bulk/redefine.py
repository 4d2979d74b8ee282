"""snapshot-redefine (a vsh command virsh lacks): redefine snapshot metadata
from snapshot-export bundles and/or snapshot-dumpxml files.

It plans first (:mod:`vsh.snapshots.redefine`), refuses with every problem
at once, defines parents first, marks the current snapshot last and rolls
back what it defined if anything fails; ``--all DIR`` does that for every
bundle in a directory and prints a summary.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import libvirt

from vsh.commands.common import exclusive, os_error_text
from vsh.completion.providers import snapshot_names
from vsh.core.command import command, option
from vsh.core.errors import VshError, libvirt_message
from vsh.core.grammar import OptKind
from vsh.core.jsonshape import BOOL, INT, NULL, STR, array_of, choice, object_of, prop, shape
from vsh.core.record import Record
from vsh.core.session import Session
from vsh.output.jsonout import render_json
from vsh.output.progress import Progress
from vsh.output.table import render_table
from vsh.snapshots import bundle, checkpointredefine, pathsafe, redefine
from vsh.virt import checkpointstore, lookup
from vsh.virt.snapshotstore import LibvirtTarget, read_only, target_info

GROUP = "vsh"  # vsh's own group: `help snapshot` stays as in virsh


def _read_inputs(
    sources: Sequence[bundle.Source],
) -> tuple[list[bundle.Document], list[str]]:
    docs: list[bundle.Document] = []
    errors: list[str] = []
    for source in sources:
        try:
            docs.append(bundle.scan(source))
        except bundle.BundleError as exc:
            errors.append(str(exc))
    return docs, errors


def _make_sources(s: Session, files: Sequence[str]) -> list[bundle.Source]:
    if list(files).count("-") > 1:
        raise VshError("standard input ('-') can be read only once")
    sources: list[bundle.Source] = []
    for path in files:
        if path == "-":
            stdin = getattr(s.stdin, "buffer", None)
            if stdin is None:
                raise VshError("standard input is not available")
            sources.append(bundle.StreamSource(stdin))
        else:
            s.text(path, "file")
            sources.append(bundle.FileSource(path))
    return sources


def _print_problems(s: Session, plan: redefine.Plan, listed: bool = False) -> None:
    """One context line, then every problem (unless the plan on stdout lists them)."""
    n = len(plan.problems)
    s.error(
        f"cannot redefine the snapshots of domain '{plan.target.name}':"
        f" {n} problem{'s' if n != 1 else ''}, nothing was changed"
    )
    if not listed:
        for problem in plan.problems:
            s.error(problem.message)


def _print_plan(s: Session, plan: redefine.Plan) -> None:
    define = len(plan.to_define)
    skip = len(plan.steps) - define
    if plan.current is None:
        current = "leave the current snapshot unchanged"
    else:
        origin = "--current" if plan.current_from == "option" else "from the bundle"
        current = f"mark '{plan.current}' current ({origin})"
    s.print(f"Plan for domain '{plan.target.name}': define {define}, skip {skip}, then {current}\n")
    rows = [
        [str(i), step.name, step.parent or "-", step.action] for i, step in enumerate(plan.steps, 1)
    ]
    s.print(render_table(["#", "Name", "Parent", "Action"], rows))
    if plan.problems:
        s.print(f"Problems: {len(plan.problems)}\n")
        for problem in plan.problems:
            s.print(f"  {problem.message}\n")
    else:
        s.print("Problems: none\n")


def _report_outcome(
    s: Session, plan: redefine.Plan, out: redefine.Outcome, quiet: bool = False
) -> None:
    """Success as a status line (unless ``quiet``); failures as error lines."""
    name = plan.target.name
    total = len(plan.to_define)
    if out.ok:
        if quiet:
            return
        current = f"; current snapshot: {out.current_set}" if out.current_set else ""
        checkpoints = f"; {out.checkpoints} checkpoints" if out.checkpoints else ""
        s.print_extra(
            f"Redefined {len(out.defined)} snapshots of domain '{name}'"
            f" ({len(out.skipped)} skipped){current}{checkpoints}\n"
        )
        return
    if out.failed_at and out.failed_at.startswith("current:"):
        s.error(f"failed to mark snapshot '{out.failed_at[8:]}' current on domain '{name}'")
    elif out.failed_at and not out.interrupted:
        s.error(f"failed to redefine snapshot '{out.failed_at}' of domain '{name}'")
    if out.error:
        s.error(out.error)
    if out.fatal:
        s.error(
            f"connection lost after defining {len(out.defined)} of {total} snapshots;"
            " nothing could be rolled back"
        )
    if out.in_doubt:
        s.error(f"snapshot '{out.in_doubt}' may or may not have been defined")
    if out.rolled_back:
        s.error(
            f"rolled back the {len(out.rolled_back)} snapshots this run had defined"
            + ("; nothing was changed" if not out.kept else "")
        )
    for snap, message in out.rollback_errors:
        s.error(f"could not roll back snapshot '{snap}': {message}")
    kept = out.kept
    if kept:
        why = "--no-rollback kept" if not out.rollback_attempted and not out.fatal else "left"
        shown = ", ".join(f"'{n}'" for n in kept[:10]) + (" ..." if len(kept) > 10 else "")
        s.error(f"{why} {len(kept)} snapshots defined by this run: {shown}")
        s.error("rerun snapshot-redefine with --skip-existing to complete the job")
    elif out.fatal or out.in_doubt:
        s.error("rerun snapshot-redefine with --skip-existing to complete the job")


def _redefine_domain(
    s: Session,
    dom: libvirt.virDomain,
    sources: Sequence[bundle.Source],
    options: redefine.Options,
    dry_run: bool,
    json: bool,
    summary_only: bool = False,
) -> tuple[redefine.Plan, redefine.Outcome | None]:
    """Plan, then (unless dry-run or problems) execute and report one domain.

    ``summary_only`` (for --all): no plan, JSON or success line here, the
    caller prints a summary; problems and failures are still reported.
    Raises KeyboardInterrupt after reporting when the run was interrupted.
    """
    if not dry_run and read_only(s, dom):
        raise VshError(
            "snapshot-redefine needs a read-write connection (this one is read-only);"
            " nothing was changed"
        )
    docs, errors = _read_inputs(sources)
    try:
        info = target_info(dom)
    except libvirt.libvirtError as err:
        raise VshError(
            f"failed to list the snapshots of domain '{dom.name()}'", cause=err
        ) from None
    plan = redefine.make_plan(docs, info, options, errors)
    checkpoints = _checkpoint_plan(dom, docs, info, options)
    plan.problems += [redefine.Problem("checkpoint", p) for p in checkpoints.problems]
    if dry_run or not plan.ok:
        listed = False
        if summary_only:
            pass
        elif json:
            s.print(render_json({"plan": plan.to_dict(), "result": None}))
        elif dry_run:
            _print_plan(s, plan)
            listed = True
        if not plan.ok:
            _print_problems(s, plan, listed=listed)
        return plan, None
    target = LibvirtTarget(s.conn, dom, [step.name for step in plan.to_define])
    total = len(plan.to_define) + (1 if plan.current else 0)
    try:
        with Progress(s.err, total, f"redefining {info.name}", quiet=s.settings.quiet) as bar:
            out = redefine.execute(plan, target, bar.update)
        if out.ok and checkpoints.define:
            _redefine_checkpoints(s, dom, checkpoints, plan, out, target)
    finally:
        target.close()
    if json and not summary_only:
        s.print(render_json({"plan": plan.to_dict(), "result": out.to_dict()}))
    _report_outcome(s, plan, out, quiet=summary_only or json)
    if out.interrupted:
        raise KeyboardInterrupt
    return plan, out


def _checkpoint_plan(
    dom: libvirt.virDomain,
    docs: Sequence[bundle.Document],
    info: redefine.TargetInfo,
    options: redefine.Options,
) -> checkpointredefine.Plan:
    """The plan for the checkpoints the inputs carry (journals of ``migrate
    --with-checkpoints``); empty when they carry none."""
    if not any(doc.checkpoints for doc in docs):
        return checkpointredefine.Plan()
    try:
        there = checkpointstore.existing(dom)
    except libvirt.libvirtError as err:
        problem = f"cannot list the checkpoints: {libvirt_message(err)}"
        return checkpointredefine.Plan(problems=[problem])
    return checkpointredefine.make_plan(
        docs,
        there,
        info.uuid,
        skip_existing=options.skip_existing,
        adopt=(info.name, info.uuid) if options.adopt else None,
    )


def _redefine_checkpoints(
    s: Session,
    dom: libvirt.virDomain,
    plan: checkpointredefine.Plan,
    snapshots: redefine.Plan,
    out: redefine.Outcome,
    target: LibvirtTarget,
) -> None:
    """The checkpoints, after the snapshots; if one fails, the checkpoints
    and the snapshots this run defined are removed again (unless
    --no-rollback), and ``out`` says it failed."""
    done = checkpointredefine.execute(plan, checkpointstore.CheckpointTarget(s.conn, dom))
    out.checkpoints = len(done.defined)
    if done.ok:
        return
    s.error(f"failed to redefine checkpoint '{done.failed_at}' of domain '{dom.name()}'")
    for name, message in done.rollback_errors:
        s.error(f"could not roll back checkpoint '{name}': {message}")
    out.error = done.error
    out.failed_at = None
    if not snapshots.options.no_rollback and out.defined:
        redefine.roll_back(out, target, snapshots)


class _BundleRun(Record):
    """One bundle's line in ``snapshot-redefine --all``'s summary."""

    file: str
    domain: str | None = None
    matched_by: str | None = None  # "uuid" or "name"
    result: str = "not run"
    error: str | None = None
    planned: int | None = None  # --dry-run: what the plan would define
    defined: int | None = None  # what this run defined
    skipped: int | None = None
    current: str | None = None
    reported: bool = False  # its problems are on stderr already

    def fail(self, error: str, result: str = "failed") -> None:
        self.result = result
        self.error = error

    def to_dict(self) -> dict[str, object]:
        """The JSON object: counts once known, the error only when there is one."""
        out: dict[str, object] = {
            "file": self.file,
            "domain": self.domain,
            "matched_by": self.matched_by,
            "result": self.result,
        }
        if self.planned is not None:
            out.update(planned=self.planned, skipped=self.skipped, current=self.current)
        elif self.defined is not None:
            out.update(defined=self.defined, skipped=self.skipped, current=self.current)
        if self.error is not None:
            out["error"] = self.error
        return out

    def cells(self) -> list[str]:
        count = self.defined if self.defined is not None else self.planned
        return [
            self.file,
            self.domain or "-",
            self.matched_by or "-",
            "-" if count is None else str(count),
            "-" if self.skipped is None else str(self.skipped),
            self.current or "-",
            self.result,
        ]


def _redefine_all(
    s: Session, directory: str, options: redefine.Options, dry_run: bool, json: bool
) -> bool:
    try:
        names = sorted(n for n in os.listdir(directory) if n.endswith(pathsafe.BUNDLE_SUFFIX))
    except OSError as exc:
        raise VshError(f"cannot read directory '{directory}': {os_error_text(exc)}") from None
    if not names:
        raise VshError(f"no *{pathsafe.BUNDLE_SUFFIX} bundles in '{directory}'")
    conn = s.conn
    runs: list[_BundleRun] = []
    matched: dict[str, list[tuple[_BundleRun, libvirt.virDomain, str]]] = {}
    for filename in names:
        path = os.path.join(directory, filename)
        run = _BundleRun(filename)
        runs.append(run)
        try:
            header = bundle.peek_header(bundle.FileSource(path))
        except bundle.BundleError as exc:
            run.fail(str(exc))
            continue
        if header.kind != "bundle":
            run.fail(f"{path}: not a bundle (root <domainsnapshot>)")
            continue
        dom, how = _match_domain(conn, header)
        if dom is None:
            run.domain = header.domain
            run.fail(f"{path}: no domain with UUID {header.uuid} or name '{header.domain}'")
            continue
        run.domain, run.matched_by = dom.name(), how
        matched.setdefault(dom.UUIDString(), []).append((run, dom, path))
    try:
        for entries in matched.values():
            if len(entries) > 1:
                files = ", ".join(run.file for run, _, _ in entries)
                for run, dom, _ in entries:
                    run.fail(f"several bundles for domain '{dom.name()}': {files}")
                continue
            run, dom, path = entries[0]
            _redefine_one(s, run, dom, path, options, dry_run, json)
    finally:
        _print_all_summary(s, runs, json)
    for run in runs:
        if run.result == "failed" and not run.reported:
            s.error(str(run.error))
    return all(run.result in ("redefined", "planned") for run in runs)


def _redefine_one(
    s: Session,
    run: _BundleRun,
    dom: libvirt.virDomain,
    path: str,
    options: redefine.Options,
    dry_run: bool,
    json: bool,
) -> None:
    """One bundle of ``--all``, its outcome recorded in ``run``."""
    source = bundle.FileSource(path)
    try:
        plan, out = _redefine_domain(s, dom, [source], options, dry_run, json, summary_only=True)
    except VshError as exc:
        for message in exc.messages:
            s.error(message)
        if exc.cause is not None:
            s.error(libvirt_message(exc.cause))
        run.fail("; ".join(exc.messages))
        run.reported = True
        return
    except KeyboardInterrupt:
        run.result = "interrupted"
        raise
    finally:
        source.close()
    run.reported = True  # _redefine_domain printed any problem
    if not plan.ok:
        run.fail(f"{len(plan.problems)} problems", result="refused")
    elif out is None:
        run.result = "planned"
        run.planned = len(plan.to_define)
        run.skipped = len(plan.steps) - len(plan.to_define)
        run.current = plan.current
    else:
        run.result = "redefined" if out.ok else "failed"
        run.defined = len(out.defined)
        run.skipped = len(out.skipped)
        run.current = out.current_set
        if not out.ok:
            run.error = out.error or "interrupted"


def _match_domain(
    conn: libvirt.virConnect, header: bundle.Header
) -> tuple[libvirt.virDomain | None, str | None]:
    """A bundle's domain: by UUID first, then by name."""
    if header.uuid:
        try:
            return conn.lookupByUUIDString(header.uuid), "uuid"
        except libvirt.libvirtError:
            pass
    if header.domain:
        try:
            return conn.lookupByName(header.domain), "name"
        except libvirt.libvirtError:
            pass
    return None, None


def _print_all_summary(s: Session, runs: Sequence[_BundleRun], json: bool) -> None:
    if json:
        s.print(render_json([run.to_dict() for run in runs]))
        return
    header = ["File", "Domain", "Matched", "Defined", "Skipped", "Current", "Result"]
    s.print(render_table(header, [run.cells() for run in runs]))


_REDEFINE_PLAN = object_of(
    prop("domain", STR),
    prop("uuid", STR),
    prop("ok", BOOL, doc="no problems: the plan can run"),
    prop("current", STR, NULL, doc="the snapshot to mark current"),
    prop("current_from", choice("option", "bundle"), NULL, doc="null: left unchanged"),
    prop("define", INT, doc="snapshots to define"),
    prop("skip", INT, doc="snapshots that exist with the same parent"),
    prop(
        "steps",
        array_of(
            object_of(
                prop("name", STR),
                prop("parent", STR, NULL),
                prop("action", choice("define", "skip")),
                prop("state", STR, NULL),
                prop("source", STR, doc="the input it comes from"),
            )
        ),
        doc="parents first",
    ),
    prop(
        "problems",
        array_of(object_of(prop("kind", STR), prop("message", STR), prop("names", array_of(STR)))),
        doc="""reasons to refuse the whole run; kind is input, record, domain,
        duplicate, cycle, missing-parent, exists, parent-differs, uuid, no-domain,
        current or empty""",
    ),
)
_REDEFINE_RESULT = object_of(
    prop("ok", BOOL),
    prop("defined", array_of(STR)),
    prop("skipped", array_of(STR)),
    prop("current_set", STR, NULL),
    prop("failed_at", STR, NULL, doc='a snapshot name, or "current:NAME"'),
    prop("error", STR, NULL),
    prop("connection_lost", BOOL, doc="nothing could be undone"),
    prop("interrupted", BOOL),
    prop("in_doubt", STR, NULL, doc="sent when the connection died: fate unknown"),
    prop("rolled_back", array_of(STR)),
    prop("rollback_errors", array_of(object_of(prop("name", STR), prop("error", STR)))),
    prop("kept", array_of(STR), doc="snapshots this run defined that are still there"),
)
SNAPSHOT_REDEFINE_JSON = shape(
    object_of(
        prop("plan", _REDEFINE_PLAN),
        prop("result", _REDEFINE_RESULT, NULL, doc="null for --dry-run or a refused plan"),
    ),
    array_of(
        object_of(
            prop("file", STR),
            prop("domain", STR, NULL),
            prop("matched_by", choice("uuid", "name"), NULL),
            prop(
                "result",
                choice("redefined", "planned", "refused", "failed", "interrupted", "not run"),
            ),
            prop("error", STR, doc="when it failed or was refused", optional=True),
            prop("planned", INT, doc="with --dry-run", optional=True),
            prop("defined", INT, doc="when it ran", optional=True),
            prop("skipped", INT, doc="when it ran or was planned", optional=True),
            prop("current", STR, NULL, doc="when it ran or was planned", optional=True),
        ),
        when="with --all",
    ),
    doc="""The plan and the outcome; with --all DIR an array, one object per
    bundle.""",
)


@command(
    "snapshot-redefine",
    summary="redefine snapshot metadata from bundles or snapshot XML files",
    description="Redefine snapshots from snapshot-export bundles and/or snapshot-dumpxml\n"
    "    files, in any order or mix ('-' reads standard input). Everything is checked\n"
    "    first and all problems are reported at once; then parents are defined before\n"
    "    children and the current snapshot is marked last. If anything fails, the\n"
    "    snapshots this run defined are removed again (metadata only).",
    group=GROUP,
    json=SNAPSHOT_REDEFINE_JSON,
)
@option("domain", OptKind.DATA, "domain name, id or uuid", completer=lookup.complete_domain_names)
@option(
    "file",
    OptKind.ARGV,
    "bundle or snapshot XML files, '-' for standard input",
    value_kind="file",
)
@option(
    "current", OptKind.STRING, "snapshot to mark current (default: the bundle's)",
    named_only=True, completer=snapshot_names,
)  # fmt: skip
@option("dry-run", OptKind.BOOL, "print the plan and change nothing")
@option("skip-existing", OptKind.BOOL, "keep snapshots already defined with the same parent")
@option("no-rollback", OptKind.BOOL, "keep what was defined when a later step fails")
@option("adopt", OptKind.BOOL, "rewrite the embedded domain's name and UUID to this domain's")
@option(
    "map-path", OptKind.ARGV, "OLD=NEW: rewrite disk source paths under OLD (repeatable)",
    named_only=True,
)  # fmt: skip
@option(
    "all", OptKind.STRING, "redefine every *.snapshots.xml bundle in this directory",
    named_only=True, value_kind="file",
)  # fmt: skip
@option("json", OptKind.BOOL, "print the plan and result as JSON", extension=True)
def snapshot_redefine(
    s: Session,
    domain: str | None,
    file: tuple[str, ...],
    current: str | None,
    dry_run: bool,
    skip_existing: bool,
    no_rollback: bool,
    adopt: bool,
    map_path: tuple[str, ...],
    all: str | None,
    json: bool,
) -> bool:
    try:
        maps = [redefine.parse_map_path(m) for m in map_path]
    except ValueError as exc:
        raise VshError(str(exc)) from None
    options = redefine.Options(
        current=s.text(current, "current"),
        skip_existing=skip_existing,
        adopt=adopt,
        map_paths=maps,
        no_rollback=no_rollback,
    )
    if all is not None:
        directory = s.text(all, "all")
        assert directory is not None
        if domain is not None or file:
            raise VshError("--all takes a directory instead of <domain> and <file>")
        exclusive(all=True, current=current is not None)
        if not dry_run and s.connection.readonly:
            raise VshError(
                "snapshot-redefine needs a read-write connection (this one is read-only)"
            )
        return _redefine_all(s, directory, options, dry_run, json)
    if domain is None:
        raise VshError("command 'snapshot-redefine' requires <domain> option")
    if not file:
        raise VshError("command 'snapshot-redefine' requires <file> option")
    dom = lookup.domain(s, domain)
    sources = _make_sources(s, file)
    try:
        plan, out = _redefine_domain(s, dom, sources, options, dry_run, json)
    finally:
        for source in sources:
            source.close()
    return plan.ok and (out is None or out.ok)
