"""vsh.snapshots.pathsafe: names become safe, reversible path components."""

from __future__ import annotations

import os

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vsh.snapshots import pathsafe
from vsh.snapshots.pathsafe import bundle_filename, decode, domain_from_filename, encode

SAFE_CHARS = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.+@%~")


def assert_safe(component: str) -> None:
    assert component not in ("", ".", "..")
    assert "/" not in component and "\0" not in component
    assert not component.startswith((".", "-"))
    assert set(component) <= SAFE_CHARS
    assert len(component.encode()) <= pathsafe.MAX_COMPONENT


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("dom0", "dom0"),
        ("web-1.example_com", "web-1.example_com"),
        ("../up", "%2E.%2Fup"),
        ("..", "%2E."),
        (".", "%2E"),
        ("a/b", "a%2Fb"),
        (".hidden", "%2Ehidden"),
        ("-rf", "%2Drf"),
        ("a-b", "a-b"),  # only a leading dash is escaped
        ("web 1", "web%201"),
        ("nul\0byte", "nul%00byte"),
        ("100%", "100%25"),
        ("~root", "%7Eroot"),
        ("快照", "%E5%BF%AB%E7%85%A7"),
        ("it's", "it%27s"),
        ("new\nline", "new%0Aline"),
    ],
)
def test_encode_examples(name: str, expected: str) -> None:
    assert encode(name) == expected
    assert_safe(expected)
    assert decode(expected) == name


@given(st.text(min_size=1, max_size=120))
def test_round_trip_any_text(name: str) -> None:
    component = encode(name)
    assert_safe(component)
    if pathsafe.is_shortened(component):  # too long: hashed, not reversible
        assert len(component.encode()) > pathsafe.MAX_COMPONENT - 20
        with pytest.raises(ValueError):
            decode(component)
    else:
        assert decode(component) == name


@given(st.text(min_size=1, max_size=25))
def test_round_trip_short_text(name: str) -> None:
    # Every byte escaped takes 3 characters: names of up to 85 UTF-8 bytes always fit.
    if len(name.encode("utf-8", "surrogatepass")) * 3 <= pathsafe.MAX_COMPONENT:
        assert decode(encode(name)) == name


@given(st.binary(min_size=1, max_size=60))
def test_round_trip_raw_bytes(raw: bytes) -> None:
    # Names that are not valid UTF-8 reach Python as surrogateescape code points.
    name = raw.decode("utf-8", "surrogateescape")
    assert decode(encode(name)) == name


@given(st.text(min_size=1, max_size=40), st.text(min_size=1, max_size=40))
def test_injective(a: str, b: str) -> None:
    if a != b:
        assert encode(a) != encode(b)


def test_empty_name_refused() -> None:
    with pytest.raises(ValueError):
        encode("")


def test_unsafe_suffix_refused() -> None:
    with pytest.raises(ValueError):
        encode("a", "/../x")


@pytest.mark.parametrize("bad", ["", "a/b", ".x", "-x", "%zz", "%4", "%41", "%2e", "é", "a~b"])
def test_decode_rejects_non_canonical(bad: str) -> None:
    with pytest.raises(ValueError):
        decode(bad)


def test_long_names_are_shortened_with_a_hash() -> None:
    long_a = "a" * 300
    long_b = "a" * 299 + "b"
    fa, fb = bundle_filename(long_a), bundle_filename(long_b)
    assert fa != fb
    for f in (fa, fb):
        assert_safe(f)
        assert f.endswith(pathsafe.BUNDLE_SUFFIX)
        assert pathsafe.is_shortened(f)
    assert domain_from_filename(fa) is None
    with pytest.raises(ValueError):
        decode(fa, pathsafe.BUNDLE_SUFFIX)


def test_shortening_never_splits_an_escape() -> None:
    name = "快" * 200  # every byte escaped: %XX triplets
    component = encode(name, pathsafe.BUNDLE_SUFFIX)
    body = component[: component.index("~")]
    assert len(body) % 3 == 0 and body.count("%") == len(body) // 3


def test_bundle_filename_round_trip() -> None:
    for name in ("dom0", "../../etc/passwd", ".ssh", "a b/c"):
        filename = bundle_filename(name)
        assert filename.endswith(".snapshots.xml")
        assert domain_from_filename(filename) == name
    assert domain_from_filename("random.xml") is None


def test_files_really_stay_in_their_directory(tmp_path) -> None:
    names = ["../escape", "/abs", "a/../../b", ".", "..", "-n", "x\0y", ".snapshots"]
    for name in names:
        path = tmp_path / bundle_filename(name)
        path.write_text(name)
        assert os.path.dirname(os.path.realpath(path)) == os.path.realpath(tmp_path)
    assert len(os.listdir(tmp_path)) == len(names)


def test_collision_key_folds_case() -> None:
    a, b = bundle_filename("Web"), bundle_filename("web")
    assert a != b
    assert pathsafe.collision_key(a) == pathsafe.collision_key(b)
