#!/usr/bin/env bash
# Install Courier IMAP 5.0 and Courier POP3 for the testbed beside Dovecot and Cyrus, without removing anything
# and without starting any service.
#
# Debian's courier-imap / courier-pop conflict with dovecot-imapd / dovecot-pop3d (imap-server, pop3-server),
# and courier-base / courier-authlib run maintainer scripts that create system users, /etc/courier and
# certificates. So none of them is installed: the six .deb files are unpacked into a private prefix, and apt
# installs only the libraries their binaries link against (--no-remove). The binaries keep their compiled-in
# paths (/etc/courier, /usr/lib/courier, /run/courier/authdaemon): src/testbed/courier.ts runs the server in a
# private mount namespace where the prefix's /usr is laid over the real one and the instance's own directory
# over /etc/courier, so nothing of the system changes. The mail files belong to a dedicated system user (a
# named uid: Courier's folder scans wait on its file-monitor helper for an unnamed one).
#
# Idempotent: a second run finds the stamp, the binaries' libraries and the user, and does nothing.
# Usage: scripts/testbed-courier.sh [--check]   (--check: exit 0 when installed, 1 when not; changes nothing)
set -euo pipefail

PREFIX="${MAILDOCTOR_COURIER_PREFIX:-/opt/maildoctor-testbed/courier}"
COURIER_USER="${MAILDOCTOR_COURIER_USER:-maildoctor-courier}"
PKGS=(courier-imap courier-pop courier-base courier-authlib courier-authdaemon courier-authlib-userdb)
BINS=(usr/sbin/couriertcpd usr/lib/courier/courier/imaplogin usr/bin/imapd usr/lib/courier/courier/courierpop3login
  usr/lib/courier/courier/courierpop3d usr/bin/couriertls usr/lib/courier/courier-authlib/authdaemond
  usr/bin/deliverquota.courier usr/bin/maildirmake.courier usr/lib/courier/courier/makedatprog)

installed() {
  [ -f "$PREFIX/.installed" ] || return 1
  local b
  for b in "${BINS[@]}" usr/sbin/makeuserdb; do [ -x "$PREFIX/$b" ] || return 1; done
  [ -e "$PREFIX/usr/lib/courier-authlib/libauthuserdb.so.0" ] || return 1
  id -u "$COURIER_USER" >/dev/null 2>&1 || return 1
  command -v unshare >/dev/null 2>&1 && command -v nsenter >/dev/null 2>&1 && command -v perl >/dev/null 2>&1 || return 1
  # Every library resolves (a library removed since the last run shows here).
  local libs
  libs="$(cd "$PREFIX" && LD_LIBRARY_PATH="$PREFIX/usr/lib:$PREFIX/usr/lib/courier-authlib" ldd "${BINS[@]}" usr/lib/courier-authlib/libauthuserdb.so.0 2>&1)" || return 1
  ! grep -q 'not found' <<<"$libs"
}

if [ "${1:-}" = "--check" ]; then
  installed && exit 0 || exit 1
fi
if installed; then
  echo "testbed-courier: Courier is installed in $PREFIX (nothing to do)"
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "testbed-courier: Courier is not installed in $PREFIX; run this script as root: sudo $0" >&2
  exit 1
fi

# shellcheck source=scripts/testbed-debs.sh
. "$(dirname "$0")/testbed-debs.sh"
debs_begin
debs_download "${PKGS[@]}"
# Besides the libraries of their Depends: perl runs makeuserdb, util-linux has unshare and nsenter.
# (libgamin0, libfam.so.0 for imapd, pulls in gamin, which has no service.)
debs_install_libs perl util-linux
debs_unpack "$PREFIX" courier-imap
debs_system_user "$COURIER_USER"

touch "$PREFIX/.installed"
if ! installed; then
  echo "testbed-courier: installed, but the check still fails:" >&2
  (cd "$PREFIX" && LD_LIBRARY_PATH="$PREFIX/usr/lib" ldd "${BINS[@]}" | grep 'not found' >&2) || true
  exit 1
fi
echo "testbed-courier: Courier IMAP $(cat "$PREFIX/.version") installed in $PREFIX"
