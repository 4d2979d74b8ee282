"""qemu-monitor-command on a real QEMU guest: what vsh sends and prints.

virsh re-serialises the wrapped command and the reply with libvirt's JSON
(yajl): compact, or beautified with ``--pretty`` (an empty object is
``{\\n\\n  }``), numbers exactly as written, ``--return-value`` the "return"
member alone.  virsh acts on one guest, vsh on its twin; QMP's reply ids
("libvirt-N") count each guest's monitor commands, so they are masked.
"""

from __future__ import annotations

import re

import pytest

from tests.real.util import needs, ok, virsh, vsh

pytestmark = pytest.mark.real

_ID = re.compile(r'"libvirt-\d+"')


@pytest.mark.real(timeout=180)
def test_qmp_outputs_match_virsh(real_stack, guests):
    needs("qemu-monitor-command")
    a, b = "qmp-a", "qmp-b"
    for g in (a, b):
        guests(g, start=True)
    cases = [
        ['{"execute":"query-status"}'],
        ["--pretty", '{"execute":"query-status"}'],
        ["--return-value", "query-status"],
        ["--pretty", "--return-value", "query-name"],
        ["--pretty", "query-kvm"],
        ["--pretty", "stop"],  # {"return": {}}
        ["--pretty", "--return-value", "cont"],
        ["query-block-jobs"],
        ["--pretty", "query-block-jobs"],  # an empty array
        ["--return-value", "query-version"],
        ["--pretty", "qom-get", '"path":"/machine"', '"property":"type"'],
        ["qom-list", '{"path":"/machine/unattached"}'],
        ["--pretty", "human-monitor-command", '"command-line":"info version"'],
        ["--hmp", "info", "status"],
        ["nosuch-command"],
        ["--pretty", "query-status", '"x":1'],  # QEMU refuses the argument
        ["--return-value", "--pretty", '{"execute":"query-status","id":7}'],
    ]
    for extra in cases:
        expected = virsh(real_stack, "qemu-monitor-command", a, *extra)
        actual = vsh(real_stack, "qemu-monitor-command", b, *extra)
        assert actual.status == expected.status, extra
        assert _ID.sub("ID", actual.out).replace(b, a) == _ID.sub("ID", expected.out), extra
        assert actual.err.replace(b, a) == expected.err, extra
    pretty = ok(vsh(real_stack, "qemu-monitor-command", b, "--pretty", "stop")).out
    assert re.fullmatch(r'\{\n  "return": \{\n\n  \},\n  "id": "libvirt-\d+"\n\}\n', pretty)
