"""Generate ``man/vsh.1`` from the command table (``make man``).

Every command, option and group comes from the declarations, so the manual
cannot drift from the code; ``tests/test_manpage.py`` fails while the
committed page is stale.
"""

from __future__ import annotations

import sys
from pathlib import Path

from vsh import __version__
from vsh.core import registry as table
from vsh.core.command import VshCommand
from vsh.core.grammar import OptKind
from vsh.core.helptext import visible_groups
from vsh.core.jsonshape import Arr, Field, JsonShape, JsonType, Map, Obj, type_text

MAN_PATH = Path(__file__).resolve().parents[2] / "man" / "vsh.1"


def roff(text: str) -> str:
    """Escape text for roff: backslashes, dashes, and control characters at line starts."""
    text = text.replace("\\", "\\e").replace("-", "\\-")
    lines = []
    for line in text.split("\n"):
        stripped = line.lstrip()
        if stripped.startswith((".", "'")):
            line = "\\&" + stripped
        lines.append(line)
    return "\n".join(lines)


def _option_label(kind: OptKind, name: str) -> str:
    if kind is OptKind.BOOL:
        return f"\\fB\\-\\-{roff(name)}\\fR"
    if kind is OptKind.INT:
        return f"\\fB\\-\\-{roff(name)}\\fR \\fInumber\\fR"
    if kind in (OptKind.DATA, OptKind.ARGV):
        return f"[\\fB\\-\\-{roff(name)}\\fR] \\fI{roff(name)}\\fR"
    return f"\\fB\\-\\-{roff(name)}\\fR \\fIstring\\fR"


def _synopsis(cmd: VshCommand) -> str:
    parts = [f"\\fB{roff(cmd.name or '')}\\fR"]
    for opt in cmd.vsh_options:
        d = opt.vsh
        if d.kind is OptKind.ALIAS:
            continue
        name = roff(d.name)
        if d.kind is OptKind.BOOL:
            item = f"[\\fB\\-\\-{name}\\fR]"
        elif d.kind is OptKind.ARGV:
            item = f"[\\fB\\-\\-{name}\\fR] \\fI{name}\\fR..."
            item = item if d.required else f"[{item}]"
        elif d.kind is OptKind.DATA and not d.named_only:
            item = f"\\fI{name}\\fR" if d.required else f"[\\fI{name}\\fR]"
        else:
            value = "number" if d.kind is OptKind.INT else "string"
            item = f"\\fB\\-\\-{name}\\fR \\fI{value}\\fR"
            item = item if d.required else f"[{item}]"
        parts.append(item)
    return " ".join(parts)


def command_section(cmd: VshCommand) -> list[str]:
    out = [f".SS {roff(cmd.name or '')}", roff(cmd.summary), ".PP", ".nf", _synopsis(cmd), ".fi"]
    if cmd.description and cmd.description != cmd.summary:
        out += [".PP", roff(" ".join(cmd.description.split()))]
    for opt in cmd.vsh_options:
        d = opt.vsh
        if d.kind is OptKind.ALIAS:
            continue
        out += [".TP", _option_label(d.kind, d.name)]
        text = opt.help or ""
        if opt.extension:
            text += " (vsh extension)"
        out.append(roff(text))
    return out


STATIC_TOP = r""".TH VSH 1 "" "vsh @VERSION@" "User Commands"
.SH NAME
vsh \- a virsh\-compatible shell for libvirt, with bulk snapshot tools
.SH SYNOPSIS
.B vsh
[\fIOPTION\fR]... [\fICOMMAND_STRING\fR]
.br
.B vsh
[\fIOPTION\fR]... \fICOMMAND\fR [\fIARG\fR]...
.SH DESCRIPTION
.B vsh
manages libvirt domains, snapshots and checkpoints.
Every command it shares with
.BR virsh (1)
behaves like virsh 9.0: the same output, errors and exit status.
.PP
With no command and a terminal, vsh starts an interactive shell.
With no command and a pipe on standard input, it runs the lines it reads.
One argument after the options is a command string: commands separated by
\fB;\fR or newlines, with single and double quotes, backslash escapes and
\fB#\fR comments; the whole string is parsed before any command runs.
Several arguments are one command, in which \fB;\fR is plain data.
.PP
Command options may be given as \fB\-\-name value\fR or \fB\-\-name=value\fR,
and options that take a value may also be given positionally, in the order
the command declares them.
.SH OPTIONS
.TP
\fB\-c\fR, \fB\-\-connect\fR=\fIURI\fR
Hypervisor connection URI; connects before the first command runs.
.TP
\fB\-d\fR, \fB\-\-debug\fR=\fINUM\fR
Debug level 0 (most verbose) to 4 (default).
At 0, unexpected internal errors also print a Python traceback.
.TP
\fB\-e\fR, \fB\-\-escape\fR \fICHAR\fR
Escape sequence for the console (default \fB^]\fR).
.TP
\fB\-h\fR, \fB\-\-help\fR
Print usage and the command list.
.TP
\fB\-k\fR, \fB\-\-keepalive\-interval\fR=\fINUM\fR
Keepalive interval in seconds, 0 to disable (default 5).
.TP
\fB\-K\fR, \fB\-\-keepalive\-count\fR=\fINUM\fR
Number of missed keepalive messages before the connection is closed (default 6).
.TP
\fB\-l\fR, \fB\-\-log\fR=\fIFILE\fR
Append log lines to \fIFILE\fR.
.TP
\fB\-q\fR, \fB\-\-quiet\fR
Quiet mode: no status messages, table headers or blank lines between commands.
.TP
\fB\-r\fR, \fB\-\-readonly\fR
Open the connection read\-only; every mutating command is refused.
.TP
\fB\-t\fR, \fB\-\-timing\fR
Print the time each command took.
.TP
\fB\-v\fR, \fB\-\-version\fR[=\fBshort\fR|\fBlong\fR]
Print the libvirt version vsh emulates (\fB\-V\fR: long form).
.SS Fleet mode (vsh extension)
These options exist only when \fB\-H\fR is given (see \fBMANY HOSTS\fR);
without it, vsh's options and their errors are virsh's.
.TP
\fB\-H\fR, \fB\-\-hosts\fR=\fISPEC\fR
Run the command on every host of \fISPEC\fR: a comma list of host names,
ranges (\fBhv[01\-08,10]\fR), \fB@\fR\fIgroup\fR, \fB@all\fR (every host
of the hosts file not disabled), literal URIs and libvirt's
\fBuri_aliases\fR.
.TP
\fB\-x\fR, \fB\-\-exclude\fR=\fISPEC\fR
Leave these hosts out (may be repeated).
.TP
\fB\-\-fanout\fR=\fIN\fR
At most \fIN\fR hosts at a time (default 16).
.TP
\fB\-\-connect\-timeout\fR=\fIS\fR
Seconds a host may take to open its connection (default 15); then it is
unreachable.
.TP
\fB\-\-command\-timeout\fR=\fIS\fR
Seconds a host's command may run once connected (default: no limit).
.TP
\fB\-\-gather\fR
At the end, one block per distinct output and exit status, headed by the
hosts that printed it (\fBhv[01\-03,07] (4)\fR).
.TP
\fB\-\-diff\fR
Each distinct output as a unified diff against the most common one.
.TP
\fB\-\-fail\-fast\fR
Start no more hosts after the first that failed or was unreachable.
.TP
\fB\-\-yes\fR
Run a state\-changing command on several hosts without asking (needed when
there is no terminal to ask on).
.TP
\fB\-\-json\fR
Add \fB\-\-json\fR to each command and print one document merging the
hosts' own documents (see \fBMANY HOSTS\fR).
"""

JSON_INTRO = r""".SH JSON OUTPUT
Listing and information commands accept \fB\-\-json\fR and then print one
JSON document on standard output instead of the virsh text.
Keys are stable and in snake_case; \fBnull\fR stands where virsh prints
\fB\-\fR, \fBN/A\fR or nothing.
Errors still go to standard error as \fBerror:\fR lines, and nothing is
printed on standard output for a failed command.
The documents, command by command:"""

STATIC_BOTTOM = r""".SH EXIT STATUS
.TP
.B 0
The last command succeeded.
.TP
.B 1
The last command failed, or the command line could not be parsed (nothing
ran).
With commands on a pipe, any failed command.
.TP
.B 2\fR, \fB3
\fBsnapshot\-rotate \-\-check\fR: CRITICAL, UNKNOWN (Nagios plugin statuses;
1 is WARNING there).
.TP
.B 75
\fBsnapshot\-rotate\fR: another run held a domain's lock (EX_TEMPFAIL);
nothing was changed on that domain and nothing failed.
.TP
.B 130
Interrupted by Ctrl\-C.
.PP
With \fB\-H\fR, by bits: 0 every host succeeded, 1 a command failed on
some host, 2 some host was unreachable or timed out, 3 both; 130 on Ctrl\-C.
When the command string ends with \fBsnapshot\-rotate \-\-check\fR, the
worst of the hosts' Nagios statuses instead (CRITICAL, then WARNING, then
UNKNOWN, which is also what an unreachable host counts as).
.TP
.B 141
Standard output was closed early; nothing more is printed.
.SH ENVIRONMENT
.TP
.B VSH_DEFAULT_CONNECT_URI
Connection URI when \fB\-c\fR is not given; it wins over
\fBVIRSH_DEFAULT_CONNECT_URI\fR, which wins over \fBLIBVIRT_DEFAULT_URI\fR.
.TP
.B VSH_DEBUG\fR, \fBVIRSH_DEBUG
Debug level when \fB\-d\fR is not given.
.TP
.B VSH_LOG_FILE\fR, \fBVIRSH_LOG_FILE
Log file when \fB\-l\fR is not given.
.TP
.B VSH_HISTSIZE
Number of shell history entries kept (default 500, at most 500000).
.TP
.B VISUAL\fR, \fBEDITOR
Editor for the *\-edit commands (default \fBsensible\-editor\fR, as Debian's virsh).
.TP
.B NO_COLOR
Disables colour and progress bars.
.TP
.B TZ
Time zone for snapshot creation times.
.TP
.B VSH_WARM
\fB0\fR runs every command in the \fBvsh\fR process itself, without the warm
server (see \fBWARM START\fR); \fBforce\fR (for tests) makes a warm path that
cannot be used an error instead of a silent fallback.
.TP
.B VSH_WARM_IDLE
Seconds the warm server waits for a command before it exits (default 600).
.SH WARM START
A one-shot \fBvsh\fR hands its command line to a per-user server that has
already loaded libvirt and vsh, and that forks one worker per command: every
command starts from the same pristine state, and writes straight to the
caller's terminal, pipe or file (the descriptors travel with the request).
The exit status, \fB\-t\fR timing lines, \fB\-l\fR logs, Ctrl\-C (forwarded
to the worker) and a closed standard output behave as without it.
The first command starts the server in the background and runs in-process.
.PP
The interactive shell, consoles, the *\-edit commands,
\fB\-\-interactive\fR secrets and remote URIs that may ask for a password on
a terminal always run in-process: a worker has no controlling terminal.
Commands read from standard input do too: one start-up serves them all.
So does everything when anything about the server is wrong; \fB\-d\fR says
why.
.PP
The server accepts only its own user (SO_PEERCRED), listens on a unix socket
only, refuses a directory or socket with the wrong owner or mode, exits after
\fBVSH_WARM_IDLE\fR seconds without a command, and gives way to a new one when
vsh is upgraded or its files change.
The cost is one resident process per user.
.TP
.B vsh \-\-warm\-status
Whether the server runs, its PID, version and uptime (exit 1 when it does
not).
.TP
.B vsh \-\-warm\-stop
Stop it; the next command starts a new one.
.SH MANY HOSTS
\fBvsh \-H\fR \fISPEC\fR runs one command string on many hosts at once, each
over its own libvirt connection (one one\-shot vsh per host, each a thread
of one process: a host that hangs past its timeout is given up, reported,
and its late output dropped).
Each host's standard output lines are printed prefixed with its name
(\fBhv01: \fR\fIline\fR), each host's block together, as hosts finish;
its standard error the same way on standard error; then a summary line on standard error
(\fB4 ok, 1 failed (hv03), 1 unreachable (hv07)\fR; not with \fB\-q\fR).
An unreachable host (its connection failed, timed out, or broke during the
command) is told apart from a failed command, and never stops the others.
.PP
With \fB\-\-json\fR the document is
\fB{"hosts": {"\fR\fIname\fR\fB": {"status": "ok"|"failed"|"unreachable"|"timeout",
"exit": \fR\fIN\fR\fB, "result": \fR\fIdocument\fR\fB, "stderr": "..."}},
"summary": {...}}\fR;
\fBresults\fR (a list) replaces \fBresult\fR when a command string printed
several documents; \fBskipped\fR (\fB\-\-fail\-fast\fR) and
\fBinterrupted\fR (Ctrl\-C) are statuses too.
.PP
Commands that change state (all but the read\-only ones, which vsh lists) on
more than one host ask for confirmation on a terminal, listing the hosts;
without a terminal they need \fB\-\-yes\fR, or vsh exits 1 having run
nothing.
\fB\-r\fR makes every host's connection read\-only.
With no command, on a terminal, the fleet shell runs each line on every host
(prompt \fBvsh @prod # \fR), and Tab completes from the union of the hosts'
names; from a pipe, the lines read are each host's commands.
An unknown host or group, a malformed hosts file, a command that does not
parse, or one that needs a terminal (\fBconsole\fR, the \fB*\-edit\fR family,
\fB\-\-interactive\fR) or a process of its own (\fBlxc\-enter\-namespace\fR) is
an error before anything runs.
Hosts reached over ssh get libvirt's \fBno_tty=1\fR: ssh never prompts.
.SH FILES
.TP
.I $XDG_CONFIG_HOME/vsh/hosts.toml\fR, \fI/etc/vsh/hosts.toml
The hosts and groups of \fB\-H\fR (the first file that exists):
.RS
.nf
[hosts]
hv01 = "qemu+ssh://root@hv01/system"
lab = { uri = "qemu+tls://lab/system", disabled = true }
[groups]
prod = ["hv[01\-08]", "@edge"]
.fi
.RE
.TP
.I $XDG_CACHE_HOME/vsh/history
Interactive shell history (default \fI~/.cache/vsh/history\fR).
.TP
.I $XDG_CONFIG_HOME/vsh/rotate.toml\fR, \fI/etc/vsh/rotate.toml
\fBsnapshot\-rotate \-\-policy\fR \fINAME\fR reads the table
\fB[policy.\fR\fINAME\fR\fB]\fR of the first of these files that has it:
keys are the command's long options (\fBlabel\fR, \fBkeep\-daily\fR,
\fBdisk\-only\fR, \fBdiskspec\fR as a list, ...); options given on the
command line win.
.TP
.I $XDG_RUNTIME_DIR/vsh/rotate\-UUID.lock
\fBsnapshot\-rotate\fR's per\-domain \fBflock\fR(2) lock (\fI/run/vsh/\fR
for root without \fBXDG_RUNTIME_DIR\fR); the kernel releases it when vsh
exits, however it exits.
.TP
.I $XDG_CONFIG_HOME/libvirt/libvirt.conf
libvirt's client configuration, read as by virsh: \fBuri_default\fR (the
connection URI when neither \fB\-c\fR nor an environment variable gives one)
and \fBuri_aliases\fR.
The root user reads \fI/etc/libvirt/libvirt.conf\fR instead.
.TP
.I $XDG_CONFIG_HOME/libvirt/auth.conf
Credentials for connections that ask for them (or the file named by
\fBLIBVIRT_AUTH_FILE\fR; \fI/etc/libvirt/auth.conf\fR when the user has
none).
.TP
.I $XDG_CONFIG_HOME/vsh/config.toml
\fBwarm = false\fR turns the warm server off; \fBwarm_idle = SECONDS\fR sets
its idle time.
.TP
.I $XDG_RUNTIME_DIR/vsh/warm.sock
The warm server's socket, in a 0700 directory (\fI/tmp/vsh\-UID\fR when
\fBXDG_RUNTIME_DIR\fR is unset), with its lock \fIwarm.lock\fR and log
\fIwarm.log\fR.
.SH EXAMPLES
List every domain of the local system hypervisor:
.PP
.nf
.RS
vsh \-c qemu:///system list \-\-all
.RE
.fi
.PP
Run several commands in one process, stopping nothing on failure:
.PP
.nf
.RS
vsh \-c qemu:///system 'snapshot\-create\-as web nightly; snapshot\-list web \-\-tree'
.RE
.fi
.PP
A script reading JSON instead of virsh's tables (here with \fBjq\fR):
.PP
.nf
.RS
vsh \-c qemu:///system list \-\-all \-\-json | jq \-r '.[] | select(.state == "running") | .name'
.RE
.fi
.PP
A cron job that notices failures (the exit status is that of the last
command, and 1 if any line from a pipe failed):
.PP
.nf
.RS
0 3 * * * vsh \-q \-c qemu:///system snapshot\-restore base \-\-all || alert
.RE
.fi
.PP
Nightly snapshots by the policy \fBnightly\fR of \fIrotate.toml\fR (see FILES),
and the monitoring check:
.PP
.nf
.RS
15 2 * * * vsh \-q \-c qemu:///system snapshot\-rotate \-\-all \-\-policy nightly
vsh \-q \-c qemu:///system snapshot\-rotate \-\-check \-\-all \-\-policy nightly
.RE
.fi
.PP
The same nightly snapshots on every production host, and a fleet\-wide listing
grouped by identical output:
.PP
.nf
.RS
15 2 * * * vsh \-q \-H @prod \-\-yes snapshot\-rotate \-\-all \-\-policy nightly
vsh \-H @prod \-x hv07 \-\-gather list \-\-all
.RE
.fi
.SH DIFFERENCES FROM VIRSH
.IP \(bu 2
Commands read from a pipe run without banner or prompt echo, and the exit
status is 1 when any of them failed (virsh always exits 0).
.IP \(bu 2
Authentication prompts appear only when standard input is a terminal.
.IP \(bu 2
vsh additions such as \fB\-\-json\fR are not shown by \fBhelp\fR \fICOMMAND\fR,
so that its output stays identical to virsh's.
.SH SEE ALSO
.BR virsh (1),
.BR libvirtd (8)
"""


def _kind_text(t: JsonType, first: bool = True) -> str:
    """``An object``, ``an array of objects``, ..."""
    text = type_text((t,))
    article = "an" if text[0] in "aeiou" else "a"
    when = f" ({t.when})" if isinstance(t, Obj | Arr) and t.when else ""
    return f"{article.capitalize() if first else article} {text}{when}"


def _field_lines(fields: tuple[Field, ...], nested: bool) -> list[str]:
    out = [".RS"]
    for i, f in enumerate(fields):
        if i or nested:
            out.append(".PD 0")  # one key a line (a nested list ends with .PD)
        tag = f"\\fB{roff(f.name)}\\fR: {roff(type_text(f.types))}"
        out += [".TP", tag + (" (may be absent)" if f.optional else "")]
        if f.doc:
            out.append(roff(f.doc))
        for t in f.types:
            out += _structure(t, nested=True)
    return [*out, ".PD", ".RE"]


def _structure(t: JsonType, nested: bool = False) -> list[str]:
    """The keys of the objects in ``t`` (itself, its elements or its values)."""
    while (
        isinstance(t, Arr | Map)
        and len(inner := (t.items if isinstance(t, Arr) else t.values)) == 1
    ):
        t = inner[0]
    return _field_lines(t.fields, nested) if isinstance(t, Obj) else []


def json_entry(declared: JsonShape) -> list[str]:
    """The man page paragraphs for one ``--json`` document."""
    kinds = ", or ".join(_kind_text(t, first=i == 0) for i, t in enumerate(declared.types))
    out = [roff(f"{kinds}. {declared.doc}".rstrip())]
    several = len(declared.types) > 1
    for t in declared.types:
        lines = _structure(t)
        if lines and several:
            out += [".IP", roff(_kind_text(t)) + ":"]
        out += lines
    return out


def json_section() -> list[str]:
    out = [JSON_INTRO]
    for name in sorted(json_commands()):
        cmd = table.get_command(name)
        assert cmd is not None and cmd.json_shape is not None, name
        out += [".TP", f"\\fB{roff(name)} \\-\\-json\\fR", *json_entry(cmd.json_shape)]
    return out


def json_commands() -> list[str]:
    """Every visible command taking ``--json``."""
    names = []
    for name, entry in table.entries().items():
        if entry.hidden:
            continue
        cmd = table.get_command(name)
        if cmd is not None and any(o.vsh.name == "json" for o in cmd.vsh_options):
            names.append(name)
    return names


def render() -> str:
    out = [STATIC_TOP.replace("@VERSION@", __version__).rstrip("\n")]
    for title, keyword in visible_groups():
        out.append(f".SH {roff(title.upper())} COMMANDS")
        out.append(f"Help keyword: \\fB{roff(keyword)}\\fR.")
        for name, _summary in table.commands_in_group(keyword):
            cmd = table.get_command(name)
            assert cmd is not None
            out += command_section(cmd)
    out += json_section()
    out.append(STATIC_BOTTOM.rstrip("\n"))
    return "\n".join(out) + "\n"


def main() -> int:
    text = render()
    MAN_PATH.parent.mkdir(exist_ok=True)
    if not MAN_PATH.exists() or MAN_PATH.read_text(encoding="utf-8") != text:
        MAN_PATH.write_text(text, encoding="utf-8")
        print(f"updated {MAN_PATH}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
