"""Warm start: one-shot commands handed to the warm server (vsh.warm).

Each figure is measured side by side with its reference, interleaved:

* ``vsh -c test:///default list`` with the server running, against virsh
  running the same command (target 1.5x);
* bash's Tab round trip, ``vsh -q -c URI complete -- dominfo t``, warm,
  against virsh's own ``complete`` (target 1.5x);
* cold: no server yet (this run finds none, starts one in the background and
  runs in-process), against today's in-process start-up, ``VSH_WARM=0``
  (target 1.1x); the server is stopped, untimed, before every run;
* 200 one-shot ``list`` commands in a shell loop, warm, against the same loop
  through virsh (target 1.5x);
* the server's resident memory (reported, no target).
"""

from __future__ import annotations

from pathlib import Path

from benchmarks.bench_bulk import compare_with_reset
from benchmarks.framework import Context, Result, Unavailable, spawn

URI = "test:///default"
LIST = ("-c", URI, "list")
TAB = ("-q", "-c", URI, "complete", "--", "dominfo", "t")
LOOP_COUNT = 200
TARGET_WARM = 1.5
TARGET_COLD = 1.1


def loop_script(program: str, count: int = LOOP_COUNT) -> str:
    """A shell loop running ``program -c URI list`` ``count`` times."""
    return (
        f'i=0; while [ $i -lt {count} ]; do "{program}" -c {URI} list >/dev/null; i=$((i+1)); done'
    )


def server_rss_kib(ctx: Context) -> int | None:
    """VmRSS of this run's warm server, from /proc."""
    status = spawn([ctx.vsh, "--warm-status"], env=ctx.env(), capture=True, timeout=30)
    text = status.stdout.decode(errors="replace")
    if "pid=" not in text:
        return None
    pid = text.split("pid=", 1)[1].split()[0]
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def start_server(ctx: Context) -> None:
    """Run one warm command so that the server is up (VSH_WARM=force waits for it)."""
    probe = spawn([ctx.vsh, *LIST], env=ctx.warm_env(), capture=True, timeout=60)
    if probe.status != 0:
        raise Unavailable(f"warm vsh failed: {probe.stderr.decode(errors='replace').strip()}")


def run(ctx: Context) -> list[Result]:
    results: list[Result] = []
    try:
        start_server(ctx)
        results += warm_figures(ctx)
        rss = server_rss_kib(ctx)
        results.append(
            Result.check(
                "warm server resident memory",
                rss is not None,
                f"{rss / 1024:.1f} MiB" if rss is not None else "server not found",
            )
        )
        results += cold_figure(ctx)
    except Unavailable as exc:
        results.append(Result.missing("warm start", str(exc), target=TARGET_WARM))
    finally:
        ctx.stop_warm_server()
    return results


def warm_figures(ctx: Context) -> list[Result]:
    warm = ctx.warm_env()
    contenders = [
        ctx.command("vsh warm", [ctx.vsh, *LIST], env=warm),
        ctx.command("virsh", [ctx.virsh, *LIST]),
        ctx.command("vsh warm tab", [ctx.vsh, *TAB], env=warm),
        ctx.command("virsh tab", [ctx.virsh, *TAB]),
    ]
    cmp = ctx.compare(contenders, memory=False)
    same = cmp.same_output("vsh warm", "virsh")
    results = [
        Result.time(
            "vsh list, warm / virsh list",
            cmp,
            "vsh warm",
            "virsh",
            target=TARGET_WARM,
            note="" if same else "vsh's output differs from virsh's",
        ),
        Result.time(
            "bash Tab round trip (complete -- dominfo t), warm / virsh's",
            cmp,
            "vsh warm tab",
            "virsh tab",
            target=TARGET_WARM,
        ),
    ]
    loops = [
        ctx.command("vsh loop", ["sh", "-c", loop_script(str(ctx.vsh))], env=warm),
        ctx.command("virsh loop", ["sh", "-c", loop_script(str(ctx.virsh))]),
    ]
    loop = ctx.compare(loops, memory=False)
    results.append(
        Result.time(
            f"{LOOP_COUNT} one-shot list commands in a shell loop, warm / virsh",
            loop,
            "vsh loop",
            "virsh loop",
            target=TARGET_WARM,
        )
    )
    return results


def cold_figure(ctx: Context) -> list[Result]:
    """No server at the start of each run (stopped, untimed, before it)."""
    cold = ctx.command("vsh cold", [ctx.vsh, *LIST], env=ctx.env(VSH_WARM=""))
    inproc = ctx.command("vsh in-process", [ctx.vsh, *LIST], env=ctx.env(VSH_WARM="0"))
    cmp = compare_with_reset(ctx, [cold, inproc], ctx.stop_warm_server, lambda label: None)
    return [
        Result.time(
            "vsh list, cold (starts the server) / in-process (VSH_WARM=0)",
            cmp,
            "vsh cold",
            "vsh in-process",
            target=TARGET_COLD,
        )
    ]
