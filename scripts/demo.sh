#!/bin/sh
# `make run`: the main job on libvirt's embedded test driver (test:///default).
# The driver's state lives inside one process, so the demo is one vsh script.
set -eu
VSH=${1:-vsh}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
BUNDLE=$WORK/test.snapshots.xml
cat <<'INTRO'
vsh demo on test:///default: a few snapshots of domain 'test', created out of
name order (snap-10 before snap-7 breaks `ls`-ordered redefine loops), then the
tree, a parents-first (topological) listing, and the bulk round trip that
virsh lacks: export every snapshot, drop the metadata, redefine it in order.

INTRO
SCRIPT=$(cat <<EOF
snapshot-create-as test base --description "fresh install"
snapshot-create-as test snap-10 --description "packages updated"
snapshot-create-as test snap-7 --description "config tuned"
snapshot-revert test base
snapshot-create-as test experiment
echo "--- snapshot-list test --tree"
snapshot-list test --tree
echo "--- snapshot-list test --topological --name"
snapshot-list test --topological --name
echo "--- snapshot-list test --parent"
snapshot-list test --parent
echo "--- snapshot-info test --current --json"
snapshot-info test --current --json
echo "--- snapshot-export, drop every snapshot's metadata, snapshot-redefine"
snapshot-export test '$BUNDLE'
snapshot-delete test snap-7; snapshot-delete test snap-10
snapshot-delete test experiment; snapshot-delete test base
snapshot-redefine test '$BUNDLE'
snapshot-list test --tree
snapshot-current test --name
EOF
)
exec "$VSH" -c test:///default "$SCRIPT"
