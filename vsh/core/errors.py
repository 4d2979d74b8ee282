"""Errors, their virsh wording, and the exit statuses vsh documents.

virsh prints every error as ``error: <text>`` on stderr.  A command may print
context lines of its own (``error: Failed to delete snapshot a``) before the
libvirt message that caused the failure; :class:`VshError` carries both.
"""

from __future__ import annotations

# Lean on purpose: the warm client (vsh.warm.client) imports this through
# globalopts before it knows whether it needs the rest of vsh; typing and enum
# would cost more than the client's whole budget.
TYPE_CHECKING = False
if TYPE_CHECKING:
    import libvirt


class ExitStatus:
    """Process exit statuses (documented in the man page, EXIT STATUS)."""

    OK: int = 0
    FAILED: int = 1  # a command failed, or the command line could not be parsed
    INTERRUPTED: int = 130  # Ctrl-C (128 + SIGINT)
    BROKEN_PIPE: int = 141  # stdout closed early, as `vsh list | head -1` (128 + SIGPIPE)


class VshError(Exception):
    """A command failure: context lines, then the libvirt error that caused it."""

    def __init__(self, *messages: str, cause: libvirt.libvirtError | None = None) -> None:
        super().__init__(*messages)
        self.messages = list(messages)
        self.cause = cause


def libvirt_message(err: libvirt.libvirtError) -> str:
    """The text virsh prints for a libvirt error (``virError.message``)."""
    msg = err.get_error_message()
    return msg if msg else str(err)
