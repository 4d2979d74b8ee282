"""The shapes virsh repeats for every libvirt object type (domains, networks,
pools, and the interfaces, node devices, secrets, filters and ports still to
come): define or create from an XML file, call one API and report it, mark
for autostart.  Each helper takes virsh's words for the object as
arguments, since they differ (``Domain 'x'`` but ``Network x``, ``Failed to``
but ``failed to``); the libvirt call stays with the command.

A shared layer of the command modules, as :mod:`vsh.commands.common` is: it
declares no commands.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

import libvirt

from vsh.commands.common import opt_timeout_ms
from vsh.core.errors import VshError
from vsh.core.session import Session
from vsh.core.vshutil import read_file_all
from vsh.virt.domxml import utf8_problem
from vsh.virt.eventwait import EventWait
from vsh.virt.failing import failing


def read_xml(s: Session, file: str) -> tuple[str, str]:
    """The required <file> option (vshCommandOptStringReq) and its text."""
    path = s.text(file, "file")
    assert path is not None
    return path, read_file_all(path)


def act(obj: Any, s: Session, call: Callable[[Any], object], failed: str, done: str) -> bool:
    """One API call on a looked-up object: ``error: <failed>`` plus libvirt's
    message when it fails, else ``<done>`` as a status line (vshPrintExtra)."""
    with failing(failed):
        call(obj)
    s.print_extra(done + "\n")
    return True


def from_file(
    s: Session,
    file: str,
    kind: str,
    verb: str,
    call: Callable[[str], Any],
    *,
    docname: str | None = None,
    quote: bool = False,
) -> Any:
    """virsh's <kind>-create / <kind>-define FILE: read the file, hand its text
    to ``call`` (the libvirt create or define) and report the new object by
    the name libvirt gives it (``Network n created from f``; ``quote``:
    ``Domain 'n' ...``).  ``docname``: libvirt's document name for its
    not-UTF-8 error, for the object types whose XML libvirt parses as such."""
    path, xml = read_xml(s, file)
    failed = f"Failed to {verb} {kind} from {path}"
    if docname is not None:
        refuse_not_utf8(xml, docname, call, failed)
    with failing(failed):
        obj = call(xml)
    name = obj.name()
    shown = f"'{name}'" if quote else name
    s.print_extra(f"{kind.capitalize()} {shown} {verb}d from {path}\n")
    return obj


def refuse_not_utf8(xml: str, docname: str, call: Callable[[str], Any], failed: str) -> None:
    """The error libvirt gives for XML that is not UTF-8 (which the binding
    cannot pass on), as ``error: <failed>`` plus libvirt's parse error.  A
    driver without the call refuses it first, as it does virsh's: an empty
    document, which no driver accepts, asks which of the two applies."""
    problem = utf8_problem(xml, docname)
    if problem is None:
        return
    try:
        call("")
    except libvirt.libvirtError as err:
        if err.get_error_code() == libvirt.VIR_ERR_NO_SUPPORT:
            raise VshError(failed, cause=err) from None
    raise VshError(failed, problem)


def flagged(plain: Callable[[str], Any], with_flags: Callable[[str, int], Any], flags: int) -> Any:
    """libvirt's XxxXML / XxxXMLFlags pair, as virsh calls it: the plain call
    unless a flag is set, so servers older than the Flags API still work."""
    if flags:
        return lambda xml: with_flags(xml, flags)
    return plain


def set_autostart(s: Session, obj: Any, disable: bool, failed: str, done: str) -> bool:
    """*-autostart [--disable]: ``failed`` and ``done`` are templates taking
    ``{verb}``, which is mark/unmark and marked/unmarked."""
    verb = "unmark" if disable else "mark"
    with failing(failed.format(verb=verb)):
        obj.setAutostart(0 if disable else 1)
    s.print_extra(done.format(verb=verb + "ed") + "\n")
    return True


def object_events(
    s: Session,
    *,
    names: Sequence[str],
    event: str | None,
    list_only: bool,
    timeout: str | None,
    loop: bool,
    timestamp: bool,
    find: Callable[[], Any] | None,
    lenient_lookup: bool,
    register: Callable[[Any, int, Callable[..., None]], int],
    deregister: Callable[[int], object],
    callback: Callable[[EventWait, str], Callable[..., None]],
) -> bool:
    """net-event, pool-event, secret-event, nodedev-event: virsh's one shape.

    ``--list`` prints ``names``; otherwise ``--event`` picks one of them and
    the command waits (``--loop``, ``--timeout``, ``--timestamp``) for it on the
    object ``find()`` looks up, or on every object without one.  With
    ``lenient_lookup``, a failed look-up is reported and the command waits for
    every object's events, as virsh does; libvirt's reason is then shown only
    if the command fails.  ``register(obj, index, cb)`` is the connection's
    ``...EventRegisterAny`` and ``callback(events, name)`` the libvirt callback
    that delivers one line.
    """
    if list_only:
        s.print("".join(f"{name}\n" for name in names))
        return True
    name = s.text(event, "event")
    if name is None:
        raise VshError("either --list or --event <type> is required")
    if name not in names:
        raise VshError(f"unknown event type {name}")
    wait_ms = opt_timeout_ms(timeout)
    obj = None
    if find is not None:
        try:
            obj = find()
        except VshError as err:
            if not lenient_lookup:
                raise
            for message in err.messages:
                s.error(message)
            if err.cause is not None:  # some look-ups leave it in s.last_error themselves
                s.last_error = err.cause
    with EventWait(s, loop, timestamp) as events:
        callback_id = register(obj, list(names).index(name), callback(events, name))
        events.registered(partial(deregister, callback_id))
        ok = events.wait(wait_ms)
    if ok:
        s.last_error = None
    return ok


def edit_definition(
    s: Session,
    named: Callable[[str], str],
    current: str,
    get_xml: Callable[[], str],
    define_xml: Callable[[str], Any],
    relax: Callable[[], None] | None = None,
) -> bool:
    """edit, net-edit, pool-edit, iface-edit, nwfilter-edit: virsh's one shape.

    The editor loop of :mod:`vsh.virt.editor` over ``get_xml()`` and
    ``define_xml(text)`` (a libvirt error there is offered for re-editing),
    then virsh's status line, ``named(name)`` being its words for the object
    (``Network x``, ``Domain 'x'``) and ``current`` the name being edited.
    """
    from vsh.virt import editor

    def unchanged_is_done() -> bool:
        s.print_extra(f"{named(current)} XML configuration not changed.\n")
        return True

    def define(_doc: str, edited: str) -> tuple[Any, Any]:
        try:
            return define_xml(edited), None
        except libvirt.libvirtError as err:
            return None, err

    try:
        edited = editor.edit(s, get_xml, define, unchanged_is_done, relax)
    except editor.EditFailed as failed:
        if failed.cause is None:
            return False
        # Without a terminal virsh reports "Failed." and then carries on with
        # no object: it prints "(null)" for the name and succeeds.
        s.print_extra(f"{named('(null)')} XML configuration edited.\n")
        return True
    if edited is not None:
        s.print_extra(f"{named(edited.name())} XML configuration edited.\n")
    return True
