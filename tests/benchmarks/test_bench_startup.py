"""benchmarks/bench_startup.py: reading ``python -X importtime`` output."""

from __future__ import annotations

from benchmarks import bench_startup


def test_importtime_parsing() -> None:
    stderr = (
        "import time: self [us] | cumulative | imported package\n"
        "import time:       526 |      18739 |   click\n"
        "import time:        90 |         90 |     rich.console\n"
        "import time:        12 |         12 | prompt_toolkit\n"
        "import time:        12 |         12 | richer\n"
        "some other line\n"
    )
    mods = bench_startup.imported_modules(stderr)
    assert mods == ["click", "rich.console", "prompt_toolkit", "richer"]
    assert bench_startup.forbidden_imports(mods) == ["rich.console", "prompt_toolkit"]
