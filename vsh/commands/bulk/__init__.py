"""Bulk snapshot commands virsh lacks: snapshot-export, snapshot-redefine,
snapshot-restore, snapshot-rotate, one module each.

libvirt keeps snapshot metadata per host and has no bulk API (see the docs
in ``vsh/snapshots/bundle.py`` and ``vsh/snapshots/redefine.py``).  These
commands do the client-side loop safely; planning, bundles and paths are in
the pure :mod:`vsh.snapshots`, the libvirt side in :mod:`vsh.virt.snapshotstore`
and the progress bar in :mod:`vsh.output.progress`.  The modules never
import each other.
"""
