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

export DEBIAN_FRONTEND=noninteractive
# Another apt may be running (parallel test setups, unattended upgrades): wait for its lock.
APT=(apt-get -q -o DPkg::Lock::Timeout=600)
work="$(mktemp -d)"
policy_added=""
cleanup() {
  rm -rf "$work"
  if [ -n "$policy_added" ]; then rm -f /usr/sbin/policy-rc.d; fi
}
trap cleanup EXIT

# No service is started by any package we install (sasl2-bin has saslauthd).
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
  chmod 755 /usr/sbin/policy-rc.d
  policy_added=1
fi

# apt-get download needs package lists; a fresh machine has none.
if ! apt-cache show "${PKGS[0]}" >/dev/null 2>&1; then "${APT[@]}" update -qq; fi
chmod 777 "$work" # apt downloads as the _apt user
(cd "$work" && "${APT[@]}" download "${PKGS[@]}" >/dev/null) || {
  "${APT[@]}" update -qq
  (cd "$work" && "${APT[@]}" download "${PKGS[@]}" >/dev/null)
}

# What the unpacked binaries need at run time: the library packages of their Depends (not cyrus-common's MTA,
# perl, adduser, ... which serve its maintainer scripts and cron jobs).
deps=()
for deb in "$work"/*.deb; do
  while IFS= read -r dep; do
    name="${dep%% *}"
    name="${name%%:*}"
    case "$name" in lib* | zlib1g) deps+=("$name") ;; esac
  done < <(dpkg-deb -f "$deb" Depends | tr ',' '\n' | sed 's/|.*//; s/^ *//')
done
# Only what is missing: naming an installed package to apt-get install would upgrade it too.
want=()
for p in $(printf '%s\n' "${deps[@]}" "${EXTRA[@]}" | sort -u); do
  [ "$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null)" = "ii " ] || want+=("$p")
done
if [ ${#want[@]} -gt 0 ]; then
  echo "testbed-cyrus: apt-get install ${want[*]}"
  "${APT[@]}" install -y -qq --no-remove --no-install-recommends "${want[@]}" >/dev/null
fi

# Unpack beside the final place, then swap in: an interrupted run leaves no half-filled prefix.
mkdir -p "$(dirname "$PREFIX")"
stage="$PREFIX.new.$$"
rm -rf "$stage"
mkdir -p "$stage"
for deb in "$work"/*.deb; do dpkg-deb -x "$deb" "$stage"; done
dpkg-deb -f "$work"/cyrus-imapd_*.deb Version >"$stage/.version"
rm -rf "$PREFIX.old"
if [ -e "$PREFIX" ]; then mv "$PREFIX" "$PREFIX.old"; fi
mv "$stage" "$PREFIX"
rm -rf "$PREFIX.old"

if ! id -u "$CYRUS_USER" >/dev/null 2>&1; then
  useradd --system --gid mail --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$CYRUS_USER"
fi

touch "$PREFIX/.installed"
if ! installed; then
  echo "testbed-cyrus: installed, but the check still fails:" >&2
  LD_LIBRARY_PATH="$LIBDIR" ldd "$BIN/master" "$BIN/imapd" "$BIN/pop3d" "$BIN/lmtpd" | grep 'not found' >&2 || true
  exit 1
fi
echo "testbed-cyrus: Cyrus $(cat "$PREFIX/.version") installed in $PREFIX"
