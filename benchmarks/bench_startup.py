"""Startup: a one-shot ``vsh -c test:///default list`` as a whole process.

Reference: ``python -c 'import libvirt, click'`` in the same venv, the floor any
Python libvirt CLI pays (target: vsh at most 1.25x that).  virsh running the same
command is timed alongside for information.  ``python -X importtime`` then shows
which modules that path imports: rich and prompt_toolkit must not be among them.
"""

from __future__ import annotations

from benchmarks.framework import Context, Result, Unavailable, spawn

URI = "test:///default"
TARGET = 1.25
# The command to time, with fallbacks while `list` is not implemented yet.
CANDIDATES: tuple[tuple[str, ...], ...] = (("list",), ("uri",), ("echo", "startup"))
FORBIDDEN = ("rich", "prompt_toolkit")
IMPORT_REFERENCE = "import libvirt, click"


def pick_command(ctx: Context) -> tuple[str, ...] | None:
    """The first candidate vsh knows (``vsh help NAME`` succeeds)."""
    for words in CANDIDATES:
        probe = spawn([ctx.vsh, "help", words[0]], env=ctx.env(), timeout=60)
        if probe.status == 0:
            return words
    return None


def imported_modules(importtime_stderr: str) -> list[str]:
    """Module names from ``python -X importtime`` output, in import order."""
    names = []
    for line in importtime_stderr.splitlines():
        if not line.startswith("import time:"):
            continue
        name = line.rsplit("|", 1)[-1].strip()
        if name and name != "imported package":
            names.append(name)
    return names


def forbidden_imports(modules: list[str], forbidden: tuple[str, ...] = FORBIDDEN) -> list[str]:
    return [m for m in modules if m.split(".", 1)[0] in forbidden]


def run(ctx: Context) -> list[Result]:
    words = pick_command(ctx)
    if words is None:
        reason = "vsh knows none of: " + ", ".join(w[0] for w in CANDIDATES)
        return [Result.missing("vsh list", reason, reference=IMPORT_REFERENCE, target=TARGET)]
    shown = " ".join(words)
    if words[0] != "list":
        ctx.note(
            f"vsh has no 'list' command yet: timed '{shown}' instead (vsh and virsh alike); "
            "the target is for 'list'"
        )
    vsh = ctx.command("vsh", [ctx.vsh, "-c", URI, *words])
    python = ctx.command("python", [ctx.python, "-c", IMPORT_REFERENCE])
    virsh = ctx.command("virsh", [ctx.virsh, "-c", URI, *words])
    try:
        cmp = ctx.compare([vsh, python, virsh])
    except Unavailable as exc:
        return [Result.missing(f"vsh {shown}", str(exc), reference=IMPORT_REFERENCE, target=TARGET)]
    same = cmp.same_output("vsh", "virsh")
    results = [
        Result.time(f"vsh {shown} / {IMPORT_REFERENCE}", cmp, "vsh", "python", target=TARGET),
        Result.time(
            f"vsh {shown} / virsh {shown}",
            cmp,
            "vsh",
            "virsh",
            note="" if same else "vsh's output differs from virsh's",
        ),
        Result.memory(f"peak RSS vsh {shown} / {IMPORT_REFERENCE}", cmp, "vsh", "python"),
    ]

    trace = spawn(
        [ctx.python, "-X", "importtime", ctx.vsh, "-c", URI, *words],
        env=ctx.env(),
        capture=True,
        timeout=60,
    )
    if trace.status != 0:
        results.append(Result.missing("no rich/prompt_toolkit at startup", f"exit {trace.status}"))
        return results
    modules = imported_modules(trace.stderr.decode(errors="replace"))
    bad = forbidden_imports(modules)
    detail = f"{len(modules)} modules imported"
    detail += f"; forbidden: {', '.join(bad)}" if bad else f"; none of {', '.join(FORBIDDEN)}"
    results.append(
        Result.check(f"no {'/'.join(FORBIDDEN)} imported by vsh {shown}", not bad, detail)
    )
    return results
