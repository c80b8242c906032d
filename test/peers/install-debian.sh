#!/usr/bin/env bash
# Installs the Debian (bookworm) packages the real test/bench peers need.
# Idempotent: only packages that are not installed yet are passed to apt-get.
# Runs `apt-get update` only when something is missing. Needs root (or sudo).
#
#   python3-pymodbus  -> test/peers/modbus/pymodbus_server.py (run with /usr/bin/python3)
#   python3-serial-asyncio -> only a Recommends of python3-pymodbus, but pymodbus.server imports
#                        serial + serial_asyncio unconditionally (we install without recommends)
#   mbpoll            -> Modbus CLI client used for smoke checks
#   libmodbus-dev     -> headers + .so for test/peers/modbus/libmodbus_server.c
#   pkg-config, gcc   -> building the libmodbus server
#   php-cli php-msgpack phpunit -> PHP worker tests (sockets is built into php8.2-common)
#   kcat              -> Kafka CLI client
set -euo pipefail

PKGS=(python3-pymodbus python3-serial-asyncio mbpoll libmodbus-dev pkg-config gcc php-cli php-msgpack phpunit kcat socat)

missing=()
for p in "${PKGS[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ "${#missing[@]}" -eq 0 ]; then
  echo "install-debian: all packages present (${PKGS[*]})"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

echo "install-debian: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
echo "install-debian: done"
