"""vsh's import rules (README, "Architecture"), checked on the AST of every module.

Every import counts: at module level, inside functions, and in ``if
TYPE_CHECKING:`` blocks, with two exceptions for the latter, which never
run:

* they do not count for the cycle rule: an annotation naming a type one
  layer up or back (``registry`` returning a ``VshCommand``) cannot cause an
  import-order failure;
* they do not count for the third-party rules (libvirt, rich,
  prompt_toolkit), which are about what loads at run time and which layer
  talks to libvirt; ``core`` may still annotate with ``libvirt.libvirtError``.

They do count for the layer and sibling rules: ``core`` may not even name a
type from ``virt``.

The checks are small pure functions over :class:`Import` records, so the
tests at the bottom run them on synthetic trees and show each rule firing.
Each failure names ``file:line``.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# -- the rules ---------------------------------------------------------------------------------

# Which layer a module belongs to: the first matching dotted prefix wins.
LAYER_OF = (
    ("vsh.core", "core"),
    ("vsh.output", "output"),
    ("vsh.snapshots", "snapshots"),
    ("vsh.virt", "virt"),
    ("vsh.completion", "completion"),
    ("vsh.commands", "commands"),
    ("vsh.shell", "shell"),
    ("vsh.fleet", "fleet"),
    ("vsh.devtools", "devtools"),
    ("vsh.cli", "front"),
    ("vsh.__main__", "warm"),  # the same entry point as the `vsh` script
    ("vsh.warm", "warm"),
    ("vsh", "root"),  # vsh/__init__.py: the version, nothing else
)

# The layers each layer may import besides itself (mirrored in README.md, "Architecture").
# Everyone may import "root".
ALLOWED: Mapping[str, frozenset[str]] = {
    # grammar, globalopts, command, registry, runner, session, errors, helptext,
    # selftest, numbers, vshutil, record: the framework, nothing above it
    "core": frozenset(),
    # pure renderers
    "output": frozenset({"core"}),
    # pure snapshot logic (moments draws trees with output.tree)
    "snapshots": frozenset({"core", "output"}),
    # libvirt plumbing; snapshots: virt.snapshotstore is the libvirt side of the
    # pure redefine plan (it implements snapshots.redefine.Target)
    "virt": frozenset({"core", "output", "snapshots"}),
    # providers read libvirt through virt (domxml, xpathdump)
    "completion": frozenset({"core", "virt", "output"}),
    "commands": frozenset({"core", "virt", "snapshots", "output", "completion"}),
    # snapshots: the history file is written with snapshots.atomicfile
    "shell": frozenset({"core", "completion", "output", "virt", "snapshots"}),
    # fleet mode: host sets, the hosts file, merged output; the hosts' work is done
    # by vsh processes, so no virt (libvirt) here
    "fleet": frozenset({"core", "output"}),
    # cli.py (and __main__.py): options, then the runner, the shell, stdin or a fleet
    "front": frozenset({"core", "shell", "virt", "fleet", "front"}),
    # the warm path: the client falls back to the front end; the server preloads
    # the front end, libvirt (through virt), completion and the command table
    "warm": frozenset({"core", "front", "virt", "completion"}),
    # build-time generators: read the command table, the man page's sources...
    "devtools": frozenset(
        {
            "core",
            "output",
            "snapshots",
            "virt",
            "completion",
            "commands",
            "shell",
            "fleet",
            "front",
        }
    ),
    "root": frozenset(),
}

# Single edges a layer may take beyond its row: the registry reads the generated
# command index (data only: names, modules, summaries), nothing else of vsh.commands.
EXTRA_EDGES = frozenset({("vsh.core.registry", "vsh.commands._index")})

# What a command module may import from vsh.commands (no sibling imports): the
# shared layer, which declares no commands (common options and semantics, the
# shapes of every libvirt object type, the snapshot/checkpoint commands' shapes).
COMMANDS_SHARED = frozenset(
    {
        "vsh.commands.common",
        "vsh.commands.objects",
        "vsh.commands.moments_common",
        "vsh.commands._index",
    }
)

# Third-party packages and the only modules (dotted prefixes) that may import them.
# The bulk commands' progress bar is vsh/output/progress.py.
_TERMINAL_UI = ("vsh.shell", "vsh.completion.ptk", "vsh.output.progress")
THIRD_PARTY: Mapping[str, tuple[str, ...]] = {
    "libvirt": ("vsh.virt", "vsh.commands", "vsh.completion.providers"),
    "rich": _TERMINAL_UI,
    "prompt_toolkit": _TERMINAL_UI,
}

# Where a Session's private attributes may be read: the shell, and the session itself.
SESSION_MODULE = "vsh.core.session"
SESSION_PRIVATE_OK = ("vsh.shell", SESSION_MODULE)


# -- reading the tree --------------------------------------------------------------------------


@dataclass(frozen=True)
class Import:
    path: str  # file, relative to the repository, for messages
    line: int
    module: str  # the importing module
    target: str  # the imported module (a vsh module resolved, else as written)
    typing_only: bool  # inside ``if TYPE_CHECKING:``

    def where(self) -> str:
        return f"{self.path}:{self.line}"


def under(name: str, prefix: str) -> bool:
    """``name`` is ``prefix`` or inside it (dotted)."""
    return name == prefix or name.startswith(prefix + ".")


def module_name(relpath: str) -> str:
    """``vsh/core/session.py`` -> ``vsh.core.session``; a package's ``__init__`` is the package."""
    parts = relpath.removesuffix(".py").split("/")
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def read_tree(root: Path) -> dict[str, tuple[str, str]]:
    """Every module under ``root/vsh``: name -> (path relative to root, source)."""
    found = {}
    for file in sorted((root / "vsh").rglob("*.py")):
        rel = file.relative_to(root).as_posix()
        found[module_name(rel)] = (rel, file.read_text(encoding="utf-8"))
    return found


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _import_nodes(tree: ast.AST) -> Iterator[tuple[ast.Import | ast.ImportFrom, bool]]:
    """Every import statement, anywhere, with whether it is under ``if TYPE_CHECKING:``."""
    stack: list[tuple[ast.AST, bool]] = [(tree, False)]
    while stack:
        node, typing_only = stack.pop()
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node, typing_only
            continue
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            stack.extend((child, True) for child in node.body)
            stack.extend((child, typing_only) for child in node.orelse)
            continue
        stack.extend((child, typing_only) for child in ast.iter_child_nodes(node))


def _resolve(name: str, known: Iterable[str]) -> str:
    """The longest known module that ``name`` is or is inside; ``name`` if none."""
    known = set(known)
    probe = name
    while probe:
        if probe in known:
            return probe
        probe = probe.rpartition(".")[0]
    return name


def collect_imports(module: str, path: str, source: str, known: Iterable[str]) -> list[Import]:
    """What ``module`` imports, one record per imported module."""
    known = set(known)
    is_package = path.endswith("__init__.py")
    records = []
    for node, typing_only in _import_nodes(ast.parse(source, filename=path)):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        else:
            base = node.module or ""
            if node.level:
                package = module.split(".") if is_package else module.split(".")[:-1]
                package = package[: len(package) - node.level + 1]
                base = ".".join(package + ([base] if base else []))
            # ``from pkg import mod`` imports the module pkg.mod; ``from mod import name`` mod.
            for alias in node.names:
                full = f"{base}.{alias.name}"
                targets.append(full if full in known else base)
        for target in dict.fromkeys(targets):
            resolved = _resolve(target, known) if under(target, "vsh") else target
            if resolved != module:
                records.append(Import(path, node.lineno, module, resolved, typing_only))
    return sorted(records, key=lambda imp: imp.line)


def all_imports(tree: Mapping[str, tuple[str, str]]) -> list[Import]:
    return [
        record
        for module, (path, source) in tree.items()
        for record in collect_imports(module, path, source, tree)
    ]


def layer_of(module: str) -> str:
    return next(layer for prefix, layer in LAYER_OF if under(module, prefix))


# -- the checks ---------------------------------------------------------------------------------


def check_layers(imports: Iterable[Import]) -> list[str]:
    """Each import of a vsh module goes in an allowed direction (TYPE_CHECKING too)."""
    problems = []
    for imp in imports:
        if not under(imp.target, "vsh") or (imp.module, imp.target) in EXTRA_EDGES:
            continue
        source, target = layer_of(imp.module), layer_of(imp.target)
        if target in (source, "root") or target in ALLOWED[source]:
            continue
        may = ", ".join(sorted(ALLOWED[source] | {source})) or "nothing"
        problems.append(
            f"{imp.where()}: {imp.module} ({source}) imports {imp.target} ({target});"
            f" {source} may import {may}"
        )
    return problems


def check_siblings(imports: Iterable[Import]) -> list[str]:
    """A command module takes from vsh.commands only the shared modules."""
    return [
        f"{imp.where()}: {imp.module} imports its sibling {imp.target};"
        " move what they share to vsh/virt/ or vsh/commands/common.py"
        for imp in imports
        if under(imp.module, "vsh.commands")
        and under(imp.target, "vsh.commands")
        and imp.target not in COMMANDS_SHARED
    ]


def check_third_party(imports: Iterable[Import]) -> list[str]:
    """libvirt, rich and prompt_toolkit load only where they belong (run-time imports)."""
    problems = []
    for imp in imports:
        package = imp.target.split(".")[0]
        allowed = THIRD_PARTY.get(package)
        if allowed is None or imp.typing_only:
            continue
        if not any(under(imp.module, prefix) for prefix in allowed):
            problems.append(
                f"{imp.where()}: {imp.module} imports {imp.target};"
                f" {package} is allowed only in {', '.join(allowed)}"
            )
    return problems


def _parents(module: str) -> Iterator[str]:
    while "." in module:
        module = module.rpartition(".")[0]
        yield module


def import_graph(imports: Iterable[Import]) -> dict[str, dict[str, Import]]:
    """module -> {imported vsh module: the first import making that edge}, run-time only.

    Importing ``a.b.c`` also runs ``a/__init__`` and ``a/b/__init__``: those count,
    except a module's own enclosing packages (Python has run them before it).
    """
    graph: dict[str, dict[str, Import]] = {}
    for imp in imports:
        graph.setdefault(imp.module, {})
        if imp.typing_only or not under(imp.target, "vsh"):
            continue
        own = set(_parents(imp.module))
        for target in (imp.target, *_parents(imp.target)):
            if target not in own and target != imp.module:
                graph[imp.module].setdefault(target, imp)
    return graph


def strongly_connected(graph: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """Tarjan's components of more than one module (iterative: no recursion limit)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph.get(start, ()))))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def _cycle_in(graph: Mapping[str, Mapping[str, Import]], component: list[str]) -> list[Import]:
    """One cycle through the component's first module, as the imports that make it (BFS)."""
    members, start = set(component), component[0]
    came_from: dict[str, Import] = {}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for target, imp in sorted(graph.get(node, {}).items()):
            if target not in members or target in came_from:
                continue
            came_from[target] = imp
            if target == start:
                queue.clear()
                break
            queue.append(target)
    path, node = [], start
    while True:
        imp = came_from[node]
        path.append(imp)
        node = imp.module
        if node == start:
            return path[::-1]


def check_cycles(imports: Iterable[Import]) -> list[str]:
    """No import cycles, counting imports inside functions (not TYPE_CHECKING ones)."""
    graph = import_graph(imports)
    problems = []
    for component in strongly_connected(graph):
        chain = " -> ".join([imp.module for imp in _cycle_in(graph, component)] + [component[0]])
        steps = "; ".join(
            f"{imp.where()} imports {imp.target}" for imp in _cycle_in(graph, component)
        )
        problems.append(f"import cycle {chain} ({steps})")
    return problems


def session_private_names(source: str) -> set[str]:
    """The private attributes (``self._x`` and ``_x`` methods) of class Session."""
    names = set()
    for node in ast.walk(ast.parse(source)):
        if not (isinstance(node, ast.ClassDef) and node.name == "Session"):
            continue
        for inner in ast.walk(node):
            if isinstance(inner, ast.FunctionDef) and _private(inner.name):
                names.add(inner.name)
            if (
                isinstance(inner, ast.Attribute)
                and isinstance(inner.value, ast.Name)
                and inner.value.id == "self"
                and _private(inner.attr)
            ):
                names.add(inner.attr)
    return names


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def check_session_privates(tree: Mapping[str, tuple[str, str]], private: set[str]) -> list[str]:
    """``<anything>._x`` where ``_x`` is private to Session, outside the shell and the session.

    ``self._x`` and ``cls._x`` are a class's own attributes and do not count.
    """
    problems = []
    for module, (path, source) in tree.items():
        if any(under(module, prefix) for prefix in SESSION_PRIVATE_OK):
            continue
        for node in ast.walk(ast.parse(source, filename=path)):
            if (
                isinstance(node, ast.Attribute)
                and node.attr in private
                and not (isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"))
            ):
                problems.append(
                    f"{path}:{node.lineno}: reads the session's private {node.attr};"
                    " give Session a public read-only API for it"
                )
    return problems


def check_tree(tree: Mapping[str, tuple[str, str]]) -> dict[str, list[str]]:
    """Every rule's problems for a tree (name -> (path, source))."""
    imports = all_imports(tree)
    session = tree.get(SESSION_MODULE)
    private = session_private_names(session[1]) if session else set()
    return {
        "layers": check_layers(imports),
        "siblings": check_siblings(imports),
        "cycles": check_cycles(imports),
        "third_party": check_third_party(imports),
        "session_privates": check_session_privates(tree, private),
    }


# -- vsh itself ---------------------------------------------------------------------------------

_VSH = check_tree(read_tree(ROOT))


@pytest.mark.parametrize("rule", sorted(_VSH))
def test_vsh_obeys_the_import_rules(rule: str) -> None:
    assert _VSH[rule] == [], "\n" + "\n".join(_VSH[rule])


def test_every_module_has_a_layer_and_the_table_is_closed() -> None:
    tree = read_tree(ROOT)
    assert {layer_of(module) for module in tree} <= set(ALLOWED)
    assert all(allowed <= set(ALLOWED) for allowed in ALLOWED.values())
    assert len(tree) > 50  # the walk found the package


def test_session_private_names_are_collected_from_the_session() -> None:
    _path, source = read_tree(ROOT)[SESSION_MODULE]
    assert {"_connection", "_log"} <= session_private_names(source)


# -- each rule fires (synthetic trees) ---------------------------------------------------------

# A small tree that obeys every rule; each test adds one file breaking one.
CLEAN = {
    "vsh/__init__.py": '__version__ = "0"\n',
    "vsh/cli.py": "from vsh.core import session\n\ndef shell():\n    from vsh.shell import repl\n",
    "vsh/core/__init__.py": "",
    "vsh/core/session.py": (
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    import libvirt\n"
        "class Session:\n"
        "    def __init__(self):\n        self._connection = None\n        self.settings = 1\n"
        "    def _helper(self):\n        return self._connection\n"
    ),
    "vsh/core/registry.py": "from vsh.commands._index import COMMANDS\n",
    "vsh/core/command.py": "def help():\n    from vsh.core import registry\n",
    "vsh/commands/__init__.py": "",
    "vsh/commands/_index.py": "COMMANDS = {}\n",
    "vsh/commands/common.py": "import libvirt\nfrom vsh.virt import lookup\n",
    "vsh/commands/domain/__init__.py": "",
    "vsh/commands/domain/state.py": (
        "import libvirt\nfrom vsh.commands import common\nfrom vsh.commands.common import x\n"
        "from vsh.snapshots import graph\nfrom vsh.completion import providers\n"
    ),
    "vsh/commands/domain/lifecycle.py": "from vsh.virt.lookup import domain\n",
    "vsh/commands/bulk/__init__.py": "",
    "vsh/commands/bulk/restore.py": "def bar():\n    from vsh.output import progress\n",
    "vsh/virt/__init__.py": "from vsh.core.session import Session\n",
    "vsh/virt/lookup.py": "import libvirt\nfrom vsh.core import session\n",
    "vsh/virt/conn.py": "import libvirt\nfrom vsh.core.session import Session\n",
    "vsh/virt/snapshotstore.py": "import libvirt\nfrom vsh.snapshots import graph\n",
    "vsh/snapshots/__init__.py": "",
    "vsh/snapshots/graph.py": "from vsh.output import tree\n",
    "vsh/output/__init__.py": "",
    "vsh/output/tree.py": "from vsh.core import session\n",
    "vsh/output/progress.py": "import rich\n",
    "vsh/completion/__init__.py": "",
    "vsh/completion/providers.py": "import libvirt\nfrom vsh.virt import lookup\n",
    "vsh/completion/ptk.py": "import prompt_toolkit\nfrom vsh.completion import providers\n",
    "vsh/shell/__init__.py": "",
    "vsh/shell/repl.py": (
        "import prompt_toolkit\nfrom vsh.completion import ptk\n"
        "def prompt(session):\n    return session._connection\n"
    ),
    "vsh/devtools/__init__.py": "",
    "vsh/devtools/tablegen.py": "from vsh.commands.domain import state\nimport vsh.cli\n",
}


def synthetic(tmp_path: Path, **changes: str) -> dict[str, list[str]]:
    """Problems of CLEAN with ``changes`` (path with "__" for "/" -> source) applied."""
    files = dict(CLEAN)
    for key, source in changes.items():
        files[key.replace("__", "/") + ".py"] = source
    for rel, source in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(source)
    return {rule: found for rule, found in check_tree(read_tree(tmp_path)).items() if found}


def test_the_clean_tree_is_clean(tmp_path: Path) -> None:
    assert synthetic(tmp_path) == {}


def test_a_sibling_command_import_fires(tmp_path: Path) -> None:
    found = synthetic(
        tmp_path,
        vsh__commands__domain__state="import os\n\ndef f():\n    from vsh.commands.domain"
        " import lifecycle\n",
    )
    assert found == {
        "siblings": [
            "vsh/commands/domain/state.py:4: vsh.commands.domain.state imports its sibling"
            " vsh.commands.domain.lifecycle; move what they share to vsh/virt/ or"
            " vsh/commands/common.py"
        ]
    }


def test_importing_a_command_group_module_from_another_fires(tmp_path: Path) -> None:
    found = synthetic(
        tmp_path, vsh__commands__bulk__restore="from vsh.commands.domain.state import x\n"
    )
    assert [p.split(":")[:2] for p in found["siblings"]] == [["vsh/commands/bulk/restore.py", "1"]]


def test_a_cycle_through_a_function_import_fires(tmp_path: Path) -> None:
    # today's cli -> shell.repl -> completion.ptk -> completion.engine -> cli, in small
    found = synthetic(
        tmp_path,
        vsh__completion__ptk="from vsh.completion import engine\n",
        vsh__completion__engine="def names():\n    from vsh.cli import _LONG_OPTIONS\n",
    )
    assert found["cycles"] == [
        "import cycle vsh.cli -> vsh.shell.repl -> vsh.completion.ptk -> vsh.completion.engine"
        " -> vsh.cli (vsh/cli.py:4 imports vsh.shell.repl; vsh/shell/repl.py:2 imports"
        " vsh.completion.ptk; vsh/completion/ptk.py:1 imports vsh.completion.engine;"
        " vsh/completion/engine.py:2 imports vsh.cli)"
    ]
    # and completion may not import the front end either
    assert found["layers"] == [
        "vsh/completion/engine.py:2: vsh.completion.engine (completion) imports vsh.cli (front);"
        " completion may import completion, core, output, virt"
    ]


def test_a_cycle_inside_one_layer_fires(tmp_path: Path) -> None:
    found = synthetic(tmp_path, vsh__core__registry="from vsh.core import command\n")
    assert found == {
        "cycles": [
            "import cycle vsh.core.command -> vsh.core.registry -> vsh.core.command"
            " (vsh/core/command.py:2 imports vsh.core.registry;"
            " vsh/core/registry.py:1 imports vsh.core.command)"
        ]
    }


def test_a_type_checking_import_makes_no_cycle_but_obeys_the_layers(tmp_path: Path) -> None:
    back = "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from vsh.core import command\n"
    assert synthetic(tmp_path, vsh__core__registry=back) == {}
    # session <-> conn, as it was: conn imports the session, the session conn (lazily)
    session = (
        CLEAN["vsh/core/session.py"] + "    def conn(self):\n        from vsh.virt import conn\n"
    )
    found = synthetic(tmp_path, vsh__core__session=session)
    assert len(found["cycles"]) == 1
    assert found["cycles"][0].startswith("import cycle vsh.core.session -> vsh.virt")
    assert found["layers"] == [
        "vsh/core/session.py:11: vsh.core.session (core) imports vsh.virt.conn (virt);"
        " core may import core"
    ]
    typing_only = CLEAN["vsh/core/session.py"].replace(
        "import libvirt\n", "import libvirt\n    from vsh.virt.conn import Connection\n"
    )
    found = synthetic(tmp_path, vsh__core__session=typing_only)
    assert list(found) == ["layers"]
    assert found["layers"][0].startswith("vsh/core/session.py:4: vsh.core.session (core)")


def test_libvirt_in_core_fires(tmp_path: Path) -> None:
    errors = "def is_disconnect(err):\n    import libvirt\n    return libvirt.VIR_ERR_RPC\n"
    assert synthetic(tmp_path, vsh__core__errors=errors) == {
        "third_party": [
            "vsh/core/errors.py:2: vsh.core.errors imports libvirt; libvirt is allowed only in"
            " vsh.virt, vsh.commands, vsh.completion.providers"
        ]
    }


def test_libvirt_in_a_completion_module_other_than_providers_fires(tmp_path: Path) -> None:
    found = synthetic(tmp_path, vsh__completion__engine="import libvirt\n")
    assert [p.split(":")[0] for p in found["third_party"]] == ["vsh/completion/engine.py"]


@pytest.mark.parametrize("package", ["rich", "rich.console", "prompt_toolkit.shortcuts"])
def test_terminal_ui_on_the_one_shot_path_fires(tmp_path: Path, package: str) -> None:
    runner = f"def run():\n    import {package}\n"
    found = synthetic(tmp_path, vsh__core__runner=runner)
    assert found == {
        "third_party": [
            f"vsh/core/runner.py:2: vsh.core.runner imports {package};"
            f" {package.split('.')[0]} is allowed only in vsh.shell, vsh.completion.ptk,"
            " vsh.output.progress"
        ]
    }


def test_a_session_private_read_outside_the_shell_fires(tmp_path: Path) -> None:
    found = synthetic(
        tmp_path,
        vsh__virt__lookup="def conn(s):\n    return s._connection.current\n",
        vsh__commands__bulk__restore="def f(s):\n    s.session._helper()\n",
        vsh__output__tree="class T:\n    def f(self):\n        return self._connection\n",
    )
    assert found == {
        "session_privates": [
            "vsh/commands/bulk/restore.py:2: reads the session's private _helper;"
            " give Session a public read-only API for it",
            "vsh/virt/lookup.py:2: reads the session's private _connection;"
            " give Session a public read-only API for it",
        ]
    }


def test_a_layer_going_up_fires(tmp_path: Path) -> None:
    found = synthetic(
        tmp_path,
        vsh__output__tree="from vsh.virt import lookup\n",
        vsh__snapshots__graph="def f():\n    from vsh.commands import common\n",
        vsh__core__command="from vsh.commands._index import COMMANDS\n",
    )
    assert found == {
        "layers": [
            "vsh/core/command.py:1: vsh.core.command (core) imports vsh.commands._index"
            " (commands); core may import core",
            "vsh/output/tree.py:1: vsh.output.tree (output) imports vsh.virt.lookup (virt);"
            " output may import core, output",
            "vsh/snapshots/graph.py:2: vsh.snapshots.graph (snapshots) imports"
            " vsh.commands.common (commands); snapshots may import core, output, snapshots",
        ]
    }


def test_relative_imports_are_resolved(tmp_path: Path) -> None:
    found = synthetic(tmp_path, vsh__output__tree="from ..virt import lookup\nfrom . import x\n")
    assert found["layers"] == [
        "vsh/output/tree.py:1: vsh.output.tree (output) imports vsh.virt.lookup (virt);"
        " output may import core, output"
    ]
