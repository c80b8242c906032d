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
#   php-fpm nginx     -> the PHP bridge under a real php-fpm behind nginx (test/clients/php, bench/php-fpm);
#                        started only by test/helpers/fpm-stack.ts with its own config in a temp dir. Their system
#                        services are not started: the install runs under Debian's policy-rc.d "deny" (exit 101),
#                        put in place for the install only when the machine has no policy-rc.d of its own.
#   wrk               -> HTTP load generator of bench/php-fpm
#   kcat              -> Kafka CLI client
set -euo pipefail

PKGS=(python3-pymodbus python3-serial-asyncio mbpoll libmodbus-dev pkg-config gcc php-cli php-msgpack phpunit php-fpm nginx wrk kcat socat)

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
if [ ! -e /usr/sbin/policy-rc.d ]; then
  # Packages such as nginx and php-fpm would start their system services on install: forbid it meanwhile.
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
  $SUDO chmod 755 /usr/sbin/policy-rc.d
  trap '$SUDO rm -f /usr/sbin/policy-rc.d' EXIT
fi
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
echo "install-debian: done"
