#!/usr/bin/env bash
# The whole test suite: installs the peers the tests talk to when they are missing, then runs xunit
# (and Pester where pwsh exists). Usage: bash scripts/test.sh [dotnet test args...]
set -euo pipefail
cd "$(dirname "$0")/.."

apt_updated=0
need_apt() {
  if [ "$apt_updated" = 0 ]; then apt-get update -qq; apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

if [ ! -x /usr/sbin/sshd ]; then
  # policy-rc.d keeps the package from starting the system sshd: the tests start their own on loopback.
  if [ ! -e /usr/sbin/policy-rc.d ]; then printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; fi
  echo "installing openssh-server (tests run their own sshd on 127.0.0.1)"
  need_apt openssh-server
fi
mkdir -p /run/sshd
# The no-key-on-disk test traces the session's file creations.
command -v strace >/dev/null || { echo "installing strace (session file-creation trace)"; need_apt strace; }

command -v moto_server >/dev/null || { echo "moto_server is missing: pip install 'moto[server]==5.2.1'" >&2; exit 1; }

# The official AWS Encryption SDK for JavaScript: the envelope interop tests run it against our messages.
command -v npm >/dev/null || { echo "installing nodejs/npm (envelope interop tests)"; need_apt nodejs npm; }
(cd tests/interop/esdk-js && npm ci --no-audit --no-fund)

dotnet test tests/Unit/SshKms.Tests.csproj -c Release --logger "console;verbosity=normal" "$@"

if command -v pwsh >/dev/null; then
  pwsh -NoProfile -Command "Invoke-Pester -Path tests/Pester -CI"
fi
