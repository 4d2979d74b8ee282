"""JSON output for vsh's ``--json`` mode (not a virsh feature)."""

from __future__ import annotations

__all__ = ["render_json"]


def render_json(obj: object) -> str:
    """Pretty-print ``obj`` with 2-space indent, UTF-8 kept, newline-terminated."""
    import json  # lazy: keep `import vsh.output.jsonout` free for the CLI's startup

    return json.dumps(obj, indent=2, ensure_ascii=False, sort_keys=False) + "\n"
