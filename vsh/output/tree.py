"""virsh's ``--tree`` layout (tools/vsh.c, ``vshTreePrint``), iteratively.

Per node, in the order virsh does it::

    print(indent + ("" if root else "+- ") + name)
    if not root: indent += ("  " if last sibling else "| ")
    if it has children: print(indent + "  |")
    indent += "  "; children...; indent -= "  "
    if no children and last sibling (a root is its own last sibling): print(indent)
    if not root: indent -= 2 characters

Names are written raw: unlike tables, virsh does not escape tree output.
An explicit stack replaces the recursion so that arbitrarily deep chains
work; total work is proportional to the amount of text written.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

__all__ = ["render_tree"]

ChildrenFn = Callable[[str], Sequence[str]]
WriteFn = Callable[[str], None]


def render_tree(roots: Sequence[str], children: ChildrenFn, write: WriteFn) -> None:
    """Write one tree per root, in order, one ``write`` call per line."""
    for root in roots:
        _render_one(root, children, write)


def _render_one(root: str, children: ChildrenFn, write: WriteFn) -> None:
    """Write the tree below ``root`` (root line included)."""
    write(root + "\n")
    kids = children(root)
    if not kids:
        write("\n")  # childless root: it is its own last sibling
        return
    write("  |\n")
    indent = "  "
    # Each frame: (siblings being walked, index of the next one to print).
    stack: list[tuple[Sequence[str], int]] = [(kids, 0)]
    while stack:
        siblings, i = stack[-1]
        if i == len(siblings):
            stack.pop()
            # Leaving a parent: drop its children's "  " and its own 2 chars.
            indent = indent[:-4]
            continue
        stack[-1] = (siblings, i + 1)
        indent = _visit(siblings[i], i == len(siblings) - 1, indent, children, write, stack)


def _visit(
    name: str,
    last: bool,
    indent: str,
    children: ChildrenFn,
    write: WriteFn,
    stack: list[tuple[Sequence[str], int]],
) -> str:
    """Print a non-root node; push its children; return the new indent."""
    write(indent + "+- " + name + "\n")
    indent += "  " if last else "| "
    kids = children(name)
    if kids:
        write(indent + "  |\n")
        stack.append((kids, 0))
        return indent + "  "
    if last:
        write(indent + "\n")  # the trailing-spaces line after a last leaf
    return indent[:-2]
