"""Small stand-ins for libvirt objects in unit tests.

``Fake(name=value, ...)`` answers every call ``obj.name(*args)`` from its
keyword: an exception is raised, a callable is called with the arguments,
anything else is returned.  Calls are recorded (``calls``, ``called``).
"""

from __future__ import annotations

import io
from typing import Any

import libvirt

from vsh.core import runner
from vsh.core.session import Session, Settings


def lv_error(code: int, message: str = "") -> libvirt.libvirtError:
    """A libvirtError carrying ``code`` and ``message`` as a server would send them."""
    err = libvirt.libvirtError(message or f"error {code}")
    err.err = (code, 0, message, 2, None, None, None, 0, 0)
    return err


class Fake:
    """An object whose methods are given as keyword arguments."""

    def __init__(self, **methods: Any) -> None:
        self.__dict__["_methods"] = dict(methods)
        self.__dict__["calls"] = []

    def __getattr__(self, name: str) -> Any:
        methods = self.__dict__["_methods"]
        if name not in methods:
            raise AttributeError(name)
        value = methods[name]

        def method(*args: Any, **kwargs: Any) -> Any:
            self.calls.append((name, args))
            if isinstance(value, BaseException):
                raise value
            if callable(value) and not isinstance(value, Fake):
                return value(*args, **kwargs)
            return value

        return method

    def has(self, name: str) -> bool:
        return name in self.__dict__["_methods"] or name in self.__dict__

    def called(self, name: str) -> list[tuple[Any, ...]]:
        """The argument tuples of every call of ``name``, in order."""
        return [args for called, args in self.calls if called == name]


def session_with(conn: Any) -> Session:
    """A session with captured output whose connection is ``conn`` (may be None)."""
    s = Session(Settings(), out=io.StringIO(), err=io.StringIO())
    if isinstance(conn, Fake) and not conn.has("isAlive"):
        conn.__dict__["_methods"]["isAlive"] = 1
    s.connection.current = conn
    return s


def run_script(s: Session, text: str) -> bool:
    """Parse and run a command string in ``s``, as one virsh script word."""
    commands = runner.parse_script(s, text)
    return commands is not None and runner.run(s, commands)


def output(s: Session) -> tuple[str, str]:
    """What ``s`` printed: (stdout, stderr)."""
    return s.out.getvalue(), s.err.getvalue()  # type: ignore[attr-defined]
