# Shared helpers of the scripts: installing and starting what the tests
# need. Sourced, not run.

step() { printf '\n== %s\n' "$*"; }

# as_root runs a command as root, through sudo when needed.
as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

# apt_install installs the Debian packages that are not installed yet.
apt_install() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  step "apt-get install ${missing[*]}"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

# TEST_APT_PACKAGES lists the Debian packages the tests need.
TEST_APT_PACKAGES=(python3-authlib python3-flask)

install_test_deps() {
  apt_install "${TEST_APT_PACKAGES[@]}"
}

start_test_servers() { :; }
stop_test_servers() { :; }
