"""vsh.fleet.nodeset: ClusterShell-style ranges, expanded and folded back."""

from __future__ import annotations

import pytest

from vsh.fleet.nodeset import MAX_NAMES, RangeError, expand, fold, split_top


def test_split_top_keeps_commas_inside_brackets() -> None:
    assert split_top("hv[01-03,07], @edge ,,lab") == ["hv[01-03,07]", "@edge", "lab"]
    assert split_top(" , ") == []


@pytest.mark.parametrize(
    ("pattern", "names"),
    [
        ("hv01", ["hv01"]),
        ("hv[01-03,07]", ["hv01", "hv02", "hv03", "hv07"]),
        ("hv[8-10]", ["hv8", "hv9", "hv10"]),
        ("hv[08-10]", ["hv08", "hv09", "hv10"]),
        ("r[1-2]n[1-2].lan", ["r1n1.lan", "r1n2.lan", "r2n1.lan", "r2n2.lan"]),
        ("hv[3,1-2,3]", ["hv3", "hv1", "hv2"]),
        ("[0-1]", ["0", "1"]),
    ],
)
def test_expand(pattern: str, names: list[str]) -> None:
    assert expand(pattern) == names


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        ("hv[03-01]", "bad range '03-01' in 'hv[03-01]': 01 < 03"),
        ("hv[a-b]", "bad range 'a-b' in 'hv[a-b]'"),
        ("hv[1-]", "bad range '1-' in 'hv[1-]'"),
        ("hv[]", "bad range '' in 'hv[]'"),
        ("hv[1-2", "unbalanced brackets in 'hv[1-2'"),
        ("hv1-2]", "unbalanced ']' in 'hv1-2]'"),
        ("hv[[1]]", "nested brackets in 'hv[[1]]'"),
        (f"hv[0-{MAX_NAMES}]", f"range too large in 'hv[0-{MAX_NAMES}]'"),
        ("a[0-999]b[0-999]", "range too large in 'a[0-999]b[0-999]'"),
    ],
)
def test_expand_errors(pattern: str, message: str) -> None:
    with pytest.raises(RangeError) as caught:
        expand(pattern)
    assert caught.value.messages == [message]


@pytest.mark.parametrize(
    ("names", "folded"),
    [
        (["hv01", "hv02", "hv03", "hv07"], "hv[01-03,07]"),
        (["hv07", "hv02", "hv01", "hv03"], "hv[01-03,07]"),
        (["hv09", "hv10", "hv11"], "hv[09-11]"),
        (["hv1", "hv2", "hv10"], "hv[1-2,10]"),
        (["hv01"], "hv01"),
        (["lab", "hv01", "hv02"], "hv[01-02],lab"),
        (["r1n1", "r1n2", "r2n1"], "r1n[1-2],r2n1"),
        (["hv01", "hv1"], "hv1,hv01"),
        (
            ["qemu+unix:///system?socket=/a", "test:///default"],
            "qemu+unix:///system?socket=/a,test:///default",
        ),
        (["test:///a1", "test:///a2"], "test:///a1,test:///a2"),
        ([], ""),
    ],
)
def test_fold(names: list[str], folded: str) -> None:
    assert fold(names) == folded


@pytest.mark.parametrize("pattern", ["hv[01-03,07]", "hv[1-2,10]", "n[08-12]x"])
def test_fold_inverts_expand(pattern: str) -> None:
    assert fold(expand(pattern)) == pattern
