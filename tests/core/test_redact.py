"""vsh.core.redact: secret values hidden from whole command lines."""

from __future__ import annotations

import pytest

from vsh.core.grammar import REDACTED
from vsh.core.runner import redacted

H = REDACTED


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("secret-set-value u c2VjcmV0", f"secret-set-value u {H}"),
        ("secret-set-value u --base64 c2VjcmV0", f"secret-set-value u --base64 {H}"),
        ("secret-set-value u --base64=c2VjcmV0", f"secret-set-value u --base64={H}"),
        ("secret-set-value --plain u -- c2VjcmV0", f"secret-set-value --plain u -- {H}"),
        ("secret-set-value u 'c2Vj'\"cmV0\"", f"secret-set-value u {H}"),
        ('secret-set-value u "c2Vj', f"secret-set-value u {H}"),
        ("echo a; secret-set-value u c2VjcmV0; echo b", f"echo a; secret-set-value u {H}; echo b"),
        ("secret-set-value u c2VjcmV0 # note", f"secret-set-value u {H} # note"),
        # nothing secret: unchanged
        ("secret-set-value u --file f --plain", "secret-set-value u --file f --plain"),
        ("echo secret-set-value u c2VjcmV0", "echo secret-set-value u c2VjcmV0"),
        ("# secret-set-value u c2VjcmV0", "# secret-set-value u c2VjcmV0"),
        ("list --all", "list --all"),
        # a line that does not parse: every word after the command name
        ("secret-set-value u c2VjcmV0 extra", f"secret-set-value {H} {H} {H}"),
        ("secret-set-value u c2VjcmV0 --bogus", f"secret-set-value {H} {H} {H}"),
        ("secret-set-value u --base64", f"secret-set-value {H} {H}"),
    ],
)
def test_redacted(line: str, expected: str) -> None:
    assert redacted(line) == expected
    assert "c2VjcmV0" not in redacted(line) or "c2VjcmV0" in expected


def test_a_recalled_redacted_line_does_not_parse() -> None:
    """Run again from history, a hidden value is two words: an error, not a wrong value."""
    from vsh.core import runner
    from vsh.core.session import Session

    s = Session()
    import io

    s.err = io.StringIO()
    assert runner.parse_script(s, redacted("secret-set-value u c2VjcmV0")) is None
    assert s.err.getvalue() == "error: unexpected data 'hidden)'\n"
