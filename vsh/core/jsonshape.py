"""Declared shapes of the ``--json`` documents (a vsh extension).

Each command taking ``--json`` declares, next to its ``@command``, the
document it prints: ``@command(..., json=DOMINFO_JSON)`` with
``DOMINFO_JSON = shape(object_of(prop("id", INT, NULL, doc=...), ...), doc=...)``
declared right above it.
One declaration feeds the man page's JSON OUTPUT section
(:mod:`vsh.devtools.manpage`) and the test that runs each command and checks
its document (:func:`problems`), so the two cannot drift apart.

A type is a JSON scalar (:class:`Scalar`), a string among known words
(:func:`choice`), an object with declared keys (:func:`object_of`, its keys
declared with :func:`prop`), an array (:func:`array_of`) or an object whose
keys are data (:func:`map_of`).  Where several types are given, the value
may be any of them.

Plain slotted classes, not dataclasses: command modules build these at import,
on the one-shot start-up path.
"""

from __future__ import annotations

from typing import TypeAlias


class Scalar:
    """A JSON scalar type (an Enum would cost start-up time for nothing)."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name


STR = Scalar("string")
INT = Scalar("integer")
NUM = Scalar("number")  # any JSON number, integers included
BOOL = Scalar("boolean")
NULL = Scalar("null")


class Choice:
    """A string among ``words``; with ``more``, other strings may occur too."""

    __slots__ = ("more", "words")

    def __init__(self, words: tuple[str, ...], more: bool) -> None:
        self.words = words
        self.more = more


class Field:
    """One key of an object: its name, type(s) and meaning."""

    __slots__ = ("doc", "name", "optional", "types")

    def __init__(self, name: str, types: tuple[JsonType, ...], doc: str, optional: bool) -> None:
        self.name = name
        self.types = types
        self.doc = doc
        self.optional = optional  # absent in some documents (say when, in doc)


class Obj:
    """An object with exactly these keys (optional ones may be absent)."""

    __slots__ = ("fields", "when")

    def __init__(self, fields: tuple[Field, ...], when: str) -> None:
        self.fields = fields
        self.when = when  # for one of several documents: when it is printed


class Arr:
    """An array whose every element is one of ``items``."""

    __slots__ = ("items", "when")

    def __init__(self, items: tuple[JsonType, ...], when: str) -> None:
        self.items = items
        self.when = when


class Map:
    """An object whose keys are data (``key`` says what they are)."""

    __slots__ = ("key", "values")

    def __init__(self, values: tuple[JsonType, ...], key: str) -> None:
        self.values = values
        self.key = key


JsonType: TypeAlias = Scalar | Choice | Obj | Arr | Map


class JsonShape:
    """A command's whole ``--json`` document: one of ``types``, and prose."""

    __slots__ = ("doc", "types")

    def __init__(self, types: tuple[JsonType, ...], doc: str) -> None:
        self.types = types
        self.doc = doc


# -- declaring ---------------------------------------------------------------


def shape(*types: JsonType, doc: str = "") -> JsonShape:
    return JsonShape(types, " ".join(doc.split()))


def prop(name: str, *types: JsonType, doc: str = "", optional: bool = False) -> Field:
    return Field(name, types, " ".join(doc.split()), optional)


def object_of(*fields: Field, when: str = "") -> Obj:
    return Obj(fields, when)


def array_of(*items: JsonType, when: str = "") -> Arr:
    return Arr(items, when)


def map_of(*values: JsonType, key: str = "name") -> Map:
    return Map(values, key)


def choice(*words: str, more: bool = False) -> Choice:
    return Choice(words, more)


# -- describing --------------------------------------------------------------


def type_text(types: tuple[JsonType, ...]) -> str:
    """``integer | null``, ``"up" | "down"``, ``array of objects``, ..."""
    return " | ".join(_one_text(t) for t in types)


def _one_text(t: JsonType) -> str:
    if isinstance(t, Scalar):
        return t.name
    if isinstance(t, Choice):
        return " | ".join([*(f'"{w}"' for w in t.words), *(["..."] if t.more else [])])
    if isinstance(t, Obj):
        return "object"
    if isinstance(t, Arr):
        if len(t.items) == 1 and isinstance(t.items[0], Scalar | Obj):
            return f"array of {_one_text(t.items[0])}s"
        return f"array of ({type_text(t.items)})"
    return f"object mapping {t.key} to {type_text(t.values)}"


# -- checking ----------------------------------------------------------------


def problems(declared: JsonShape, document: object) -> list[str]:
    """What is wrong with ``document`` for ``declared`` (empty: it conforms)."""
    return _check(declared.types, document, "$")


def _check(types: tuple[JsonType, ...], value: object, path: str) -> list[str]:
    found: list[str] = []
    for t in types:
        found = _check_one(t, value, path)
        if not found:
            return []
    if len(types) > 1:
        return [f"{path}: {_short(value)} is none of: {type_text(types)}"]
    return found


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _check_one(t: JsonType, value: object, path: str) -> list[str]:
    if isinstance(t, Scalar):
        return [] if _is_scalar(t, value) else [f"{path}: {_short(value)} is not {t.name}"]
    if isinstance(t, Choice):
        if isinstance(value, str) and (t.more or value in t.words):
            return []
        return [f"{path}: {_short(value)} is not {_one_text(t)}"]
    if isinstance(t, Arr):
        if not isinstance(value, list):
            return [f"{path}: {_short(value)} is not an array"]
        out: list[str] = []
        for i, item in enumerate(value):
            out += _check(t.items, item, f"{path}[{i}]")
        return out
    if not isinstance(value, dict):
        return [f"{path}: {_short(value)} is not an object"]
    if isinstance(t, Map):
        out = []
        for key, item in value.items():
            out += _check(t.values, item, f"{path}.{key}")
        return out
    return _check_object(t, value, path)


def _check_object(t: Obj, value: dict[str, object], path: str) -> list[str]:
    declared = {f.name: f for f in t.fields}
    out = [f"{path}: undeclared key {k!r}" for k in value if k not in declared]
    for f in t.fields:
        if f.name in value:
            out += _check(f.types, value[f.name], f"{path}.{f.name}")
        elif not f.optional:
            out.append(f"{path}: missing key {f.name!r}")
    return out


def _is_scalar(t: Scalar, value: object) -> bool:
    # bool is an int in Python, but true/false are no JSON numbers
    if t is STR:
        return isinstance(value, str)
    if t is BOOL:
        return isinstance(value, bool)
    if t is NULL:
        return value is None
    if isinstance(value, bool):
        return False
    if t is INT:
        return isinstance(value, int)
    return isinstance(value, int | float)
