# Shared by the peer scripts (kafka.sh, opensearch.sh, modbus.sh); sourced, not run.
# The sourcing script sets PEER_NAME first (the prefix of its log lines).

log() { printf '%s: %s\n' "$PEER_NAME" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# True when something accepts TCP connections on 127.0.0.1:port (or $2's host).
port_in_use() { (exec 3<>"/dev/tcp/${2:-127.0.0.1}/$1") 2>/dev/null; }

# Waits until pid has exited; false after `seconds`.
wait_pid_gone() { # pid seconds
  local i=0
  while kill -0 "$1" 2>/dev/null; do
    [ "$i" -ge $(($2 * 10)) ] && return 1
    sleep 0.1; i=$((i + 1))
  done
}
