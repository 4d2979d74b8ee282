#!/bin/sh
# Run libvirt 9.0's own virsh test scripts (libvirt-9.0.0/tests/virsh-*),
# unmodified, against vsh (or any virsh-like binary given with --virsh).
#
#   sh scripts/upstream-tests.sh [--virsh PATH] [-v] [SCRIPT...]
#   sh scripts/upstream-tests.sh --fetch-only
#
# The scripts call "$abs_top_builddir/tools/virsh"; a fake build directory
# holds a wrapper there that execs the binary under test.  Each script runs
# in its own scratch directory with the environment libvirt's meson sets up
# (tests/meson.build: tests_env, expensive tests on).  Status per script:
# 0 PASS, 77 SKIP, anything else FAIL.  Exit status: 0 when nothing failed,
# 1 when a script failed, 2 when the libvirt source could not be obtained.
#
# The source's tests/ and examples/ come from Debian's libvirt source package
# (the orig tarball of the release the installed virsh was built from),
# downloaded with apt-get through a private sources/lists/cache directory so
# the system's apt configuration and state are left alone, and cached in
# .cache/upstream/.  LIBVIRT_SRC=/path/to/libvirt-9.0.0 uses an unpacked tree
# instead.
set -u

LIBVIRT_VERSION=9.0.0
DEFAULT_SCRIPTS="virsh-optparse virsh-uriprecedence virsh-snapshot virsh-checkpoint
virsh-output virsh-undefine virsh-start virsh-vcpupin virsh-schedinfo
virsh-int-overflow virsh-read-bufsiz virsh-read-non-seekable virsh-self-test
virsh-cpuset virsh-define-dev-segfault"
SCRIPT_TIMEOUT=${UPSTREAM_TEST_TIMEOUT:-300}

REPO=$(unset CDPATH; cd "$(dirname "$0")/.." && pwd)
CACHE=$REPO/.cache/upstream
VIRSH_UNDER_TEST=$REPO/.venv/bin/vsh
FETCH_ONLY=0
VERBOSE=0

usage() {
    sed -n '2,7s/^# \{0,1\}//p' "$0"
}

while [ $# -gt 0 ]; do
    case $1 in
        --virsh) [ $# -ge 2 ] || { usage >&2; exit 2; }; VIRSH_UNDER_TEST=$2; shift 2 ;;
        --virsh=*) VIRSH_UNDER_TEST=${1#--virsh=}; shift ;;
        --fetch-only) FETCH_ONLY=1; shift ;;
        -v|--verbose) VERBOSE=1; shift ;;
        -h|--help) usage; exit 0 ;;
        --) shift; break ;;
        -*) echo "upstream-tests: unknown option '$1'" >&2; usage >&2; exit 2 ;;
        *) break ;;
    esac
done

die_source() {
    echo "upstream-tests: cannot obtain the libvirt $LIBVIRT_VERSION test scripts: $*" >&2
    exit 2
}

# --- the libvirt source's tests/ and examples/ ------------------------------

fetch_source() {
    dest=$1
    command -v apt-get >/dev/null 2>&1 || die_source "apt-get is not installed"
    keyring=/usr/share/keyrings/debian-archive-keyring.gpg
    [ -r "$keyring" ] || die_source "$keyring is missing (package debian-archive-keyring)"
    command -v xz >/dev/null 2>&1 || die_source "xz is not installed (package xz-utils)"

    apt=$CACHE/apt
    mkdir -p "$apt/parts" "$apt/lists/partial" "$apt/cache/archives/partial" \
        "$apt/preferences.d" "$CACHE/download" || die_source "cannot create $apt"
    cat >"$apt/parts/debian-src.sources" <<EOF
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm
Components: main
Signed-By: $keyring
EOF
    # Everything apt reads or writes is private; nothing under /etc/apt or
    # /var/lib/apt is used.
    set -- -q \
        -o Dir::Etc::SourceList=/dev/null \
        -o Dir::Etc::SourceParts="$apt/parts" \
        -o Dir::Etc::PreferencesParts="$apt/preferences.d" \
        -o Dir::State::Lists="$apt/lists" \
        -o Dir::Cache="$apt/cache"
    echo "upstream-tests: fetching Debian's libvirt source package (private apt dir $apt)" >&2
    log=$CACHE/fetch.log
    if ! apt-get "$@" --error-on=any update >"$log" 2>&1; then
        tail -n 20 "$log" >&2
        die_source "apt-get update failed (network?); full log in $log"
    fi
    tarball=$CACHE/download/libvirt_$LIBVIRT_VERSION.orig.tar.xz
    if [ ! -s "$tarball" ]; then
        if ! (cd "$CACHE/download" && apt-get "$@" source --download-only libvirt) >>"$log" 2>&1; then
            tail -n 20 "$log" >&2
            die_source "apt-get source --download-only libvirt failed; full log in $log"
        fi
        [ -s "$tarball" ] || die_source "the source package is not libvirt $LIBVIRT_VERSION:" \
            "$(ls "$CACHE/download")"
    fi
    tmp=$(mktemp -d "$CACHE/unpack.XXXXXX") || die_source "mktemp failed"
    if ! tar -xJf "$tarball" -C "$tmp" "libvirt-$LIBVIRT_VERSION/tests" \
            "libvirt-$LIBVIRT_VERSION/examples" 2>>"$log"; then
        rm -rf "$tmp"
        die_source "cannot unpack $tarball; log in $log"
    fi
    rm -rf "$dest"
    mv "$tmp/libvirt-$LIBVIRT_VERSION" "$dest" && rmdir "$tmp" || die_source "cannot move into $dest"
    touch "$dest/.vsh-complete"
}

if [ -n "${LIBVIRT_SRC:-}" ]; then
    SRC=$LIBVIRT_SRC
    [ -r "$SRC/tests/test-lib.sh" ] || die_source "LIBVIRT_SRC=$SRC has no tests/test-lib.sh"
else
    SRC=$CACHE/libvirt-$LIBVIRT_VERSION
    mkdir -p "$CACHE" || die_source "cannot create $CACHE"
    [ -f "$SRC/.vsh-complete" ] || fetch_source "$SRC"
fi
[ "$FETCH_ONLY" = 1 ] && { echo "$SRC"; exit 0; }

# --- the fake build directory and the runs --------------------------------

[ $# -gt 0 ] || set -- $DEFAULT_SCRIPTS
case $VIRSH_UNDER_TEST in
    /*) ;;
    *) VIRSH_UNDER_TEST=$(pwd)/$VIRSH_UNDER_TEST ;;
esac
[ -x "$VIRSH_UNDER_TEST" ] || { echo "upstream-tests: $VIRSH_UNDER_TEST is not executable" >&2; exit 2; }

SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/vsh-upstream.XXXXXX") || exit 2
trap 'rm -rf "$SCRATCH"' 0
trap 'exit 130' 1 2 15
FAKEBUILD=$SCRATCH/build
mkdir -p "$FAKEBUILD/tools" "$FAKEBUILD/tests" "$SCRATCH/home"
printf '#!/bin/sh\nexec "%s" "$@"\n' "$VIRSH_UNDER_TEST" >"$FAKEBUILD/tools/virsh"
chmod +x "$FAKEBUILD/tools/virsh"
LOGS=$CACHE/logs
mkdir -p "$LOGS"

echo "upstream-tests: libvirt $LIBVIRT_VERSION scripts from $SRC/tests against $VIRSH_UNDER_TEST"
pass=0 fail=0 skip=0 failed=""
for name in "$@"; do
    script=$SRC/tests/$name
    log=$LOGS/$name.log
    if [ ! -f "$script" ]; then
        echo "FAIL $name (no such script in $SRC/tests)"
        fail=$((fail + 1)) failed="$failed $name"
        continue
    fi
    case $(head -n 1 "$script") in
        *python*) interp=python3 ;;
        *bash*) interp=bash ;;
        *) interp=sh ;;
    esac
    work=$SCRATCH/run-$name
    mkdir -p "$work"
    start=$(date +%s)
    # The warm pass of make test (VSH_WARM=force) keeps its server's directory.
    runtime=$SCRATCH/home/.run
    [ "${VSH_WARM:-}" = force ] && runtime=${XDG_RUNTIME_DIR:-$runtime}
    # The environment of libvirt's meson test() for these scripts.
    (cd "$work" && env -u LIBVIRT_DEFAULT_URI -u VIRSH_DEFAULT_CONNECT_URI \
        -u VSH_DEFAULT_CONNECT_URI -u VIRSH_DEBUG -u VSH_DEBUG -u VIRSH_LOG_FILE \
        -u VSH_LOG_FILE -u LIBVIRT_LOG_OUTPUTS -u VIR_TEST_DEBUG -u VIR_TEST_VERBOSE \
        HOME="$SCRATCH/home" XDG_CONFIG_HOME="$SCRATCH/home/.config" \
        XDG_CACHE_HOME="$SCRATCH/home/.cache" XDG_RUNTIME_DIR="$runtime" \
        LC_ALL=C LIBVIRT_AUTOSTART=0 G_DEBUG=fatal-warnings VIR_TEST_EXPENSIVE=1 \
        abs_builddir="$FAKEBUILD/tests" abs_srcdir="$SRC/tests" \
        abs_top_builddir="$FAKEBUILD" abs_top_srcdir="$SRC" \
        timeout "$SCRIPT_TIMEOUT" "$interp" "$script" </dev/null >"$log" 2>&1)
    status=$?
    secs=$(($(date +%s) - start))
    case $status in
        0) echo "PASS $name (${secs}s)"; pass=$((pass + 1)) ;;
        77) echo "SKIP $name ($(tail -n 1 "$log"))"; skip=$((skip + 1)) ;;
        *)
            [ "$status" = 124 ] && why="timed out after ${SCRIPT_TIMEOUT}s" || why="exit $status"
            echo "FAIL $name ($why, ${secs}s; log: $log)"
            if [ "$VERBOSE" = 1 ]; then
                sed 's/^/    | /' "$log"
            else
                tail -n 15 "$log" | sed 's/^/    | /'
            fi
            fail=$((fail + 1)) failed="$failed $name"
            ;;
    esac
done
echo "upstream-tests: $pass passed, $fail failed, $skip skipped${failed:+ (failed:$failed)}"
[ "$fail" = 0 ]
