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
TEST_APT_PACKAGES=(python3-authlib python3-flask postgresql redis-server chromium)

install_test_deps() {
  apt_install "${TEST_APT_PACKAGES[@]}"
  install_node_peers
}

# TEST_SERVERS_DIR holds the throwaway data of the servers start_test_servers
# starts; empty while none runs.
TEST_SERVERS_DIR=

# free_port prints a loopback TCP port that nothing listens on, below
# Linux's ephemeral range, so that no outgoing connection holds it either.
free_port() {
  local p
  for _ in $(seq 200); do
    p=$((20000 + RANDOM % 12000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
      echo "$p"
      return 0
    fi
  done
  return 1
}

# pg_bindir prints the directory of the newest installed PostgreSQL.
pg_bindir() {
  local d
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [ -n "$d" ] && [ -x "$d/initdb" ] && echo "$d"
}

# as_pg_user runs a command as the postgres user when running as root
# (initdb refuses root), as the current user otherwise.
as_pg_user() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# start_postgres starts PostgreSQL on a free loopback port with its data and
# socket in $TEST_SERVERS_DIR/pg, creates the database grantry_test, and
# exports GRANTRY_TEST_POSTGRES_DSN.
start_postgres() {
  local bin dir port
  bin=$(pg_bindir) || { echo "PostgreSQL is not installed"; return 1; }
  dir="$TEST_SERVERS_DIR/pg"
  mkdir -p "$dir"
  [ "$(id -u)" = 0 ] && chown postgres: "$dir"
  as_pg_user "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --no-locale >"$dir/initdb.log" 2>&1 ||
    { cat "$dir/initdb.log"; return 1; }
  # A port free a moment ago may be taken by the time the server binds it.
  for attempt in 1 2 3; do
    port=$(free_port) || { echo "no free port for PostgreSQL"; return 1; }
    as_pg_user "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c max_connections=200" start >/dev/null && break
    [ "$attempt" = 3 ] && { cat "$dir/server.log"; return 1; }
  done
  as_pg_user "$bin/createdb" -h "$dir" -p "$port" -U postgres grantry_test || return 1
  export GRANTRY_TEST_POSTGRES_DSN="postgres://postgres@127.0.0.1:$port/grantry_test?sslmode=disable"
  echo "PostgreSQL on 127.0.0.1:$port"
}

# start_redis starts redis-server on a free loopback port, without
# persistence, with its files in $TEST_SERVERS_DIR/redis, and exports
# GRANTRY_TEST_REDIS_ADDR.
start_redis() {
  local dir port
  command -v redis-server >/dev/null || { echo "redis-server is not installed"; return 1; }
  dir="$TEST_SERVERS_DIR/redis"
  mkdir -p "$dir"
  local pid
  for attempt in 1 2 3; do
    port=$(free_port) || { echo "no free port for Redis"; return 1; }
    redis-server --bind 127.0.0.1 --port "$port" --save '' --appendonly no --dir "$dir" \
      --logfile "$dir/redis.log" </dev/null >/dev/null 2>&1 &
    pid=$!
    echo "$pid" >"$dir/redis.pid"
    for _ in $(seq 50); do
      [ "$(redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null)" = PONG ] && break 2
      kill -0 "$pid" 2>/dev/null || break # it exited: the port was taken
      sleep 0.1
    done
    kill "$pid" 2>/dev/null
    [ "$attempt" = 3 ] && { cat "$dir/redis.log"; return 1; }
  done
  export GRANTRY_TEST_REDIS_ADDR="127.0.0.1:$port"
  echo "Redis on $GRANTRY_TEST_REDIS_ADDR"
}

# start_test_servers starts PostgreSQL and Redis on loopback with throwaway
# data directories, for the storage backends' tests. Under CI=true a server
# that cannot start fails; elsewhere its tests skip.
start_test_servers() {
  step "start PostgreSQL and Redis"
  TEST_SERVERS_DIR=$(mktemp -d "${TMPDIR:-/tmp}/grantry-servers.XXXXXX")
  chmod 755 "$TEST_SERVERS_DIR"
  local failed=0
  start_postgres || failed=1
  start_redis || failed=1
  if [ "$failed" = 1 ]; then
    if [ "${CI:-}" = true ]; then
      echo "a test server did not start"
      return 1
    fi
    echo "a test server did not start: its tests will skip"
  fi
}

# stop_test_servers stops what start_test_servers started and removes its
# data.
stop_test_servers() {
  [ -n "$TEST_SERVERS_DIR" ] && [ -d "$TEST_SERVERS_DIR" ] || return 0
  local bin
  if [ -f "$TEST_SERVERS_DIR/pg/data/postmaster.pid" ] && bin=$(pg_bindir); then
    as_pg_user "$bin/pg_ctl" -D "$TEST_SERVERS_DIR/pg/data" -m fast -w stop >/dev/null || true
  fi
  if [ -f "$TEST_SERVERS_DIR/redis/redis.pid" ]; then
    local pid
    pid=$(cat "$TEST_SERVERS_DIR/redis/redis.pid")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 50); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
  fi
  rm -rf "$TEST_SERVERS_DIR"
  TEST_SERVERS_DIR=
  unset GRANTRY_TEST_POSTGRES_DSN GRANTRY_TEST_REDIS_ADDR
}

# install_node_peers installs the npm packages of the interoperability
# tests (panva's oidc-provider, for package client) from their lock file,
# when they are not installed yet. Node.js and npm come with the machine.
# Under CI=true a failure fails the run; elsewhere those tests skip.
install_node_peers() {
  local dir=client/testdata/oidcprovider
  [ -d "$dir/node_modules" ] && return 0
  if ! command -v npm >/dev/null; then
    echo "npm is not installed: the oidc-provider tests will skip"
    [ "${CI:-}" = true ] && return 1
    return 0
  fi
  step "npm ci in $dir"
  if ! (cd "$dir" && npm ci --no-audit --no-fund); then
    [ "${CI:-}" = true ] && return 1
    echo "npm ci failed: the oidc-provider tests will skip"
  fi
}
