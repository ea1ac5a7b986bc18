#!/usr/bin/env bash
# Install Cyrus IMAP 3.6 for the testbed beside Dovecot, without removing it and without starting any service.
#
# Debian's cyrus-imapd / cyrus-pop3d conflict with dovecot-imapd / dovecot-pop3d (imap-server, pop3-server), and
# cyrus-common pulls in an MTA (exim4) and a system service with /etc/imapd.conf. So none of the three is
# installed: their .deb files are unpacked into a private prefix, and apt installs only what their binaries
# link against (libraries, with --no-remove) plus sasl2-bin for saslpasswd2 (the testbed's sasldb).
# The services run as a dedicated system user (Cyrus refuses to run as root).
#
# Idempotent: a second run finds the stamp, the binaries' libraries and the user, and does nothing.
# Usage: scripts/testbed-cyrus.sh [--check]   (--check: exit 0 when installed, 1 when not; changes nothing)
set -euo pipefail

PREFIX="${MAILDOCTOR_CYRUS_PREFIX:-/opt/maildoctor-testbed/cyrus}"
CYRUS_USER="${MAILDOCTOR_CYRUS_USER:-maildoctor-cyrus}"
PKGS=(cyrus-common cyrus-imapd cyrus-pop3d)
# Besides the binaries' libraries: PLAIN/LOGIN mechanisms, the sasldb auxprop plugin, saslpasswd2.
EXTRA=(libsasl2-modules libsasl2-modules-db sasl2-bin)
BIN="$PREFIX/usr/lib/cyrus/bin"
LIBDIR="$PREFIX/usr/lib/x86_64-linux-gnu"

installed() {
  [ -f "$PREFIX/.installed" ] || return 1
  for b in master imapd pop3d lmtpd ctl_cyrusdb; do [ -x "$BIN/$b" ] || return 1; done
  command -v saslpasswd2 >/dev/null 2>&1 || [ -x /usr/sbin/saslpasswd2 ] || return 1
  [ -e /usr/lib/x86_64-linux-gnu/sasl2/libsasldb.so ] || [ -e /usr/lib/x86_64-linux-gnu/sasl2/libsasldb.so.2 ] || return 1
  [ -e /usr/lib/x86_64-linux-gnu/sasl2/libplain.so ] || [ -e /usr/lib/x86_64-linux-gnu/sasl2/libplain.so.2 ] || return 1
  id -u "$CYRUS_USER" >/dev/null 2>&1 || return 1
  # Every library resolves (a library removed since the last run shows here).
  local libs
  libs="$(LD_LIBRARY_PATH="$LIBDIR" ldd "$BIN/master" "$BIN/imapd" "$BIN/pop3d" "$BIN/lmtpd" 2>&1)" || return 1
  ! grep -q 'not found' <<<"$libs"
}

if [ "${1:-}" = "--check" ]; then
  installed && exit 0 || exit 1
fi
if installed; then
  echo "testbed-cyrus: Cyrus is installed in $PREFIX (nothing to do)"
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "testbed-cyrus: Cyrus is not installed in $PREFIX; run this script as root: sudo $0" >&2
  exit 1
fi

# shellcheck source=scripts/testbed-debs.sh
. "$(dirname "$0")/testbed-debs.sh"
debs_begin
debs_download "${PKGS[@]}"
# Besides the libraries of their Depends: PLAIN/LOGIN mechanisms, the sasldb auxprop plugin, saslpasswd2.
debs_install_libs "${EXTRA[@]}"
debs_unpack "$PREFIX" cyrus-imapd
debs_system_user "$CYRUS_USER"

touch "$PREFIX/.installed"
if ! installed; then
  echo "testbed-cyrus: installed, but the check still fails:" >&2
  LD_LIBRARY_PATH="$LIBDIR" ldd "$BIN/master" "$BIN/imapd" "$BIN/pop3d" "$BIN/lmtpd" | grep 'not found' >&2 || true
  exit 1
fi
echo "testbed-cyrus: Cyrus $(cat "$PREFIX/.version") installed in $PREFIX"
