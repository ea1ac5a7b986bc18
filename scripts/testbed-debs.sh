# Shared by scripts/testbed-cyrus.sh and scripts/testbed-courier.sh (sourced, not run): download Debian packages
# that conflict with Dovecot's, install only the libraries their binaries link against, and unpack them into a
# private prefix, without removing anything and without starting any service.
#
# Sets up: APT (apt-get with a lock timeout), $work (download directory, removed on exit). Call in order:
#   debs_begin; debs_download PKG...; debs_install_libs EXTRA...; debs_unpack PREFIX VERSION_PKG

debs_begin() {
  export DEBIAN_FRONTEND=noninteractive
  # Another apt may be running (parallel test setups, unattended upgrades): wait for its lock.
  APT=(apt-get -q -o DPkg::Lock::Timeout=600)
  work="$(mktemp -d)"
  policy_added=""
  trap debs_cleanup EXIT
  # No service is started by any package we install.
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    policy_added=1
  fi
}

debs_cleanup() {
  rm -rf "$work"
  if [ -n "$policy_added" ]; then rm -f /usr/sbin/policy-rc.d; fi
}

# apt-get download needs package lists; a fresh machine has none (or stale ones: update and try again).
debs_download() {
  if ! apt-cache show "$1" >/dev/null 2>&1; then "${APT[@]}" update -qq; fi
  chmod 777 "$work" # apt downloads as the _apt user
  (cd "$work" && "${APT[@]}" download "$@" >/dev/null) || {
    "${APT[@]}" update -qq
    (cd "$work" && "${APT[@]}" download "$@" >/dev/null)
  }
}

# The library packages of the downloaded packages' Depends (not MTAs, perl modules, adduser, debconf ... which
# serve their maintainer scripts), plus the named extras; only what is missing (naming an installed package to
# apt-get install would upgrade it too).
debs_install_libs() {
  local deps=("$@") deb dep name p want=()
  for deb in "$work"/*.deb; do
    while IFS= read -r dep; do
      name="${dep%% *}"
      name="${name%%:*}"
      case "$name" in lib* | zlib1g) deps+=("$name") ;; esac
    done < <(dpkg-deb -f "$deb" Depends | tr ',' '\n' | sed 's/|.*//; s/^ *//')
  done
  for p in $(printf '%s\n' "${deps[@]}" | sort -u); do
    [ "$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null)" = "ii " ] || want+=("$p")
  done
  if [ ${#want[@]} -gt 0 ]; then
    echo "$(basename "$0"): apt-get install ${want[*]}"
    "${APT[@]}" install -y -qq --no-remove --no-install-recommends "${want[@]}" >/dev/null
  fi
}

# Unpack every downloaded package beside the final place, then swap in: an interrupted run leaves no half-filled
# prefix. $2 names the package whose version goes into $PREFIX/.version.
debs_unpack() {
  local prefix="$1" stage deb
  mkdir -p "$(dirname "$prefix")"
  stage="$prefix.new.$$"
  rm -rf "$stage"
  mkdir -p "$stage"
  for deb in "$work"/*.deb; do dpkg-deb -x "$deb" "$stage"; done
  dpkg-deb -f "$work/$2"_*.deb Version >"$stage/.version"
  rm -rf "$prefix.old"
  if [ -e "$prefix" ]; then mv "$prefix" "$prefix.old"; fi
  mv "$stage" "$prefix"
  rm -rf "$prefix.old"
}

# The services' own system user in group mail (Cyrus refuses root; Courier's mail files need a named uid).
debs_system_user() {
  if ! id -u "$1" >/dev/null 2>&1; then
    useradd --system --gid mail --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$1"
  fi
}
