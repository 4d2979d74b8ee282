"""Pure generator of virsh invocations from a command table (no I/O, no libvirt).

``test_generated.py`` turns vsh's command table into :class:`CommandSpec`
values and the test driver's objects into :class:`Pools`; :func:`generate`
then builds case ``index`` of ``seed`` with its own ``random.Random``, so one
case can be re-made alone from its (seed, index).

A case is one command with a random subset of its options.  Each option is
given as ``--opt value``, ``--opt=value`` or, where virsh allows it, as a bare
word: only an option that takes a value, is not named-only, and whose
earlier positional-capable options are all given as bare words too (so every
bare word binds to the option the generator meant, and a file name can never
land in another option).  Values come from pools chosen by the option's
name: real object names, wrong names, the empty string and edge numbers.
A few cases add an unknown option, a stray word or a bool with ``=value``.

Safety: a file option (``file``, ``xmlfile``, ``xml``, ...) only ever gets a
relative name from :attr:`Pools.files` (the test runs each process in its own
scratch directory); absolute values exist only in pools of object names the
test driver keeps in memory (volume paths, disk sources).
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from vsh.core.record import FrozenRecord, Record

# Option kinds, as vsh.core.grammar.OptKind values.
BOOL, STRING, INT, DATA, ARGV, ALIAS = "bool", "string", "number", "data", "argv", "alias"

# The edge numbers, plus two ordinary ones.
NUMBERS = ("-1", "0", "1", "4096", "2147483648", "18446744073709551616", "0x10", "1k", "abc")
WRONG = ("nosuch", "x", "-", "a b", "2", "00000000-0000-0000-0000-000000000000")
EMPTY = ("",)

# Option name -> pool category (a key of Pools.named, or "file", or "number").
CATEGORY: dict[str, str] = {
    "domain": "domain",
    "network": "network",
    "pool": "pool",
    "vol": "vol",
    "backing-vol": "vol",
    "interface": "interface",
    "device": "device",
    "target": "device",
    "snapshotname": "snapshot",
    "from": "snapshot",
    "checkpointname": "checkpoint",
    "nwfilter": "nwfilter",
    "secret": "secret",
    "file": "file",
    "xmlfile": "file",
    "xml": "file",
    "command": "command",
    "name": "newname",
    "new-name": "newname",
}

# Option name -> plausible values, to reach past the first check.
ENUMS: dict[str, tuple[str, ...]] = {
    "mode": ("acpi", "agent", "initctl", "signal", "paravirt", "readonly", "shareable"),
    "type": ("network", "bridge", "dir", "logical", "disk", "test", "kvm", "vnc"),
    "cap": ("pci", "scsi_host", "net", "system", "pci,net"),
    "codeset": ("linux", "xt", "usb", "win32", "qnum"),
    "keycode": ("KEY_A", "30", "0x1e", "KEY_NOSUCH"),
    "algorithm": ("zero", "nnsa", "random", "pfitzner33"),
    "source": ("lease", "agent", "arp", "default", "/guest/diskimage1"),
    "cpulist": ("0", "0-1", "^0", "r", "0,,1"),
    "set": ("cpu_shares=10", "weight=1", "vcpu_quota=-1", "x=y", "="),
    "xpath": ("/domain/name", "//uuid", "count(//*)", "[", "string(/x)"),
    "uri": ("http://example.org/", "x", "http://example.org/a b"),
    "key": ("ex", "a:b", "1"),
    "mac": ("aa:bb:cc:dd:ee:ff", "52:54:00:00:00:01", "zz:zz"),
    "format": ("raw", "qcow2", "x"),
    "capacity": ("1G", "10M", "1024", "1k", "-1", "1x"),
    "allocation": ("0", "1M", "x"),
    "size": ("1G", "1048576", "1k", "-1", "1x"),
    "diskspec": ("vda,snapshot=no", "vda,snapshot=external,file=s.qcow2", "vda", ",", "x"),
    "memspec": ("no", "snapshot=no", "file=m.img", "x"),
    "string": ("hello", "a b", "'", '"', "$x", "<&>", "--x"),
    "new-desc": ("hello", "two words"),
    "description": ("hello", "<b>"),
    "cmd": ("info", '{"execute":"query-status"}'),
    "model": ("virtio", "e1000"),
    "bus": ("virtio", "ide"),
    "targetbus": ("virtio", "ide", "x"),
    "cache": ("none", "writeback", "x"),
    "io": ("native", "threads", "x"),
    "driver": ("qemu", "x"),
    "subdriver": ("raw", "qcow2"),
    "sourcetype": ("file", "block", "x"),
    "address": ("pci:0000.00.1f.0", "scsi:0.0.0", "x"),
    "period": NUMBERS,
}

# Values virsh refuses for an event command's --timeout: it never waits.
BAD_TIMEOUTS = ("0", "-1", "abc", "1k", "0x10", "2147483648", "18446744073709551616", "")


class OptSpec(FrozenRecord):
    name: str
    kind: str  # one of BOOL ... ALIAS
    required: bool = False
    named_only: bool = False
    alias: str = ""  # ALIAS only: "target" or "target=value"

    @property
    def takes_value(self) -> bool:
        return self.kind not in (BOOL, ALIAS) or (self.kind == ALIAS and "=" not in self.alias)

    @property
    def positional(self) -> bool:
        return self.kind not in (BOOL, ALIAS) and not self.named_only


class CommandSpec(FrozenRecord):
    name: str
    options: tuple[OptSpec, ...] = ()
    # Options given on every case with a value from this pool (event --timeout).
    forced: tuple[tuple[str, tuple[str, ...]], ...] = ()


class Pools(Record):
    """Value pools: ``named`` maps a category to real values on the connection."""

    named: dict[str, tuple[str, ...]]
    files: tuple[str, ...]  # relative names only


class Case(FrozenRecord):
    seed: int
    index: int
    words: tuple[str, ...]  # the command and its words, after ``-c URI``

    @property
    def command(self) -> str:
        return self.words[0]

    @property
    def line(self) -> str:
        """The words as one shell-quoted line (for reports and KNOWN_MISMATCHES)."""
        return " ".join(_quote(w) for w in self.words)


def _quote(word: str) -> str:
    safe = word and all(c.isalnum() or c in "-_=./:,+@%^" for c in word)
    return word if safe else "'" + word.replace("'", "'\\''") + "'"


def command_order(seed: int, commands: Sequence[CommandSpec]) -> list[CommandSpec]:
    """The commands shuffled by ``seed``: case i runs order[i % n], so a seed
    with at least n cases covers every command."""
    order = sorted(commands, key=lambda c: c.name)
    random.Random(f"order/{seed}").shuffle(order)
    return order


def generate(seed: int, index: int, commands: Sequence[CommandSpec], pools: Pools) -> Case:
    """Case ``index`` of ``seed``; the same arguments always give the same case."""
    order = command_order(seed, commands)
    spec = order[index % len(order)]
    rng = random.Random(f"case/{seed}/{index}")
    return Case(seed, index, (spec.name, *_words(rng, spec, pools)))


def _words(rng: random.Random, spec: CommandSpec, pools: Pools) -> list[str]:
    forced = dict(spec.forced)
    density = rng.choice((0.1, 0.25, 0.5))
    chosen = [
        o
        for o in spec.options
        if o.name in forced or rng.random() < (0.95 if o.required else density)
    ]
    # Bare words: the leading run of positional-capable options, all chosen, in order.
    bare: list[str] = []
    named: list[list[str]] = []
    chain_open = True
    for opt in spec.options:
        if not opt.positional:
            continue
        if not (chain_open and opt in chosen and rng.random() < 0.6):
            chain_open = False
            continue
        bare.extend(_values(rng, spec, opt, pools, forced))
        chosen.remove(opt)
        if opt.kind == ARGV:  # an argv takes every later bare word
            chain_open = False
    for opt in chosen:
        named.extend(_named(rng, spec, opt, pools, forced))
    if rng.random() < 0.02:
        named.append(["--bogus"])
    bools = [o for o in spec.options if o.kind == BOOL]
    if rng.random() < 0.03 and bools:  # virsh refuses a value after a bool
        named.append([f"--{rng.choice(bools).name}=1"])
    # Named options anywhere among the bare words, never inside another option.
    groups = [[word] for word in bare]
    for group in named:
        groups.insert(rng.randint(0, len(groups)), group)
    if rng.random() < 0.02:
        groups.append(["extra"])
    return [word for group in groups for word in group]


def _named(
    rng: random.Random,
    spec: CommandSpec,
    opt: OptSpec,
    pools: Pools,
    forced: dict[str, tuple[str, ...]],
) -> list[list[str]]:
    if not opt.takes_value:
        return [[f"--{opt.name}"]]
    groups = []
    for value in _values(rng, spec, opt, pools, forced):
        if rng.random() < 0.5:
            groups.append([f"--{opt.name}", value])
        else:
            groups.append([f"--{opt.name}={value}"])
    return groups


def _values(
    rng: random.Random,
    spec: CommandSpec,
    opt: OptSpec,
    pools: Pools,
    forced: dict[str, tuple[str, ...]],
) -> list[str]:
    if opt.name in forced:
        return [rng.choice(forced[opt.name])]
    name = opt.alias.partition("=")[0] if opt.kind == ALIAS else opt.name
    count = rng.choice((1, 1, 2, 3)) if opt.kind == ARGV else 1
    return [value(rng, name, opt.kind, pools) for _ in range(count)]


def value(rng: random.Random, name: str, kind: str, pools: Pools) -> str:
    """One value for option ``name``: mostly plausible (so that a case gets past
    the first look-up), sometimes wrong, empty or an edge number."""
    category = CATEGORY.get(name, "")
    if category == "file":  # relative names only: never a path outside the run dir
        return rng.choice(pools.files) if rng.random() < 0.95 else ""
    real = pools.named.get(category, ()) + ENUMS.get(name, ())
    if kind == INT and not real:
        real = NUMBERS
    roll = rng.random()
    if real and roll < 0.8:
        return rng.choice(real)
    if roll < 0.88:
        return rng.choice(WRONG)
    if roll < 0.93:
        return ""
    return rng.choice(NUMBERS)
