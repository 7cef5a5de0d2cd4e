#!/usr/bin/env bash
# The whole test suite. Installs what the tests need when it is missing (sshd, strace, npm, PowerShell 7.6.9 as a
# dotnet tool, Pester 5.7.1 and AWSSDK.Core 3.7.402 from NuGet), packages the module with build.ps1, runs xunit,
# then Pester against the packaged out/SshKms twice: the net8.0 build, and the netstandard2.0 build imported into
# pwsh (the closest check of Windows PowerShell 5.1 there is on Linux). Any failure fails the run; results are
# written under ${TMPDIR:-/tmp}/sshkms-test-results, never into the work tree.
# Usage: bash scripts/test.sh [dotnet test args...]
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

# PowerShell 7.6.9, outside the work tree; a pwsh on PATH serves when it is that version.
pwsh_version=7.6.9
pwsh_dir="${XDG_CACHE_HOME:-$HOME/.cache}/sshkms-test/pwsh"
if [ -x "$pwsh_dir/pwsh" ]; then
  pwsh="$pwsh_dir/pwsh"
elif command -v pwsh >/dev/null && [ "$(pwsh -NoProfile -Command '$PSVersionTable.PSVersion.ToString()')" = "$pwsh_version" ]; then
  pwsh="$(command -v pwsh)"
else
  echo "installing PowerShell $pwsh_version (dotnet tool) into $pwsh_dir"
  dotnet tool install PowerShell --version "$pwsh_version" --tool-path "$pwsh_dir" >/dev/null
  pwsh="$pwsh_dir/pwsh"
fi

# Pester 5.7.1, and the AWSSDK.Core 3.7.402 that AWS.Tools ships (Isolation.Tests.ps1), into the NuGet cache.
dotnet restore tests/Pester/PesterDeps.proj >/dev/null
NUGET_PACKAGES="$(dotnet nuget locals global-packages --list | sed -n 's/^global-packages: //p')"
export NUGET_PACKAGES="${NUGET_PACKAGES%/}"
export SSHKMS_PESTER_PATH="$NUGET_PACKAGES/pester/5.7.1/tools/Pester.psd1"

# Build (Release) and package out/SshKms.
"$pwsh" -NoProfile -File ./build.ps1 -SkipTests

failed=0
dotnet test tests/Unit/SshKms.Tests.csproj -c Release --no-build --logger "console;verbosity=normal" "$@" || failed=1

# The netstandard2.0 build in pwsh: a copy of the module without lib/net8.0 (SshKms.psm1 then loads netstandard2.0).
netstandard_root="$(mktemp -d)"
trap 'rm -rf "$netstandard_root"' EXIT
cp -r out/SshKms "$netstandard_root/"
rm -rf "$netstandard_root/SshKms/lib/net8.0"

echo "==> Pester, net8.0 build: out/SshKms"
"$pwsh" -NoProfile -File scripts/pester.ps1 -ModulePath out/SshKms -Label net8.0 || failed=1
# The netstandard2.0 build runs every test, sessions and rotation over SSH included: there Auto picks the Managed
# transport (no agent for ssh on that runtime), so the Sessions-tagged tests run on SSH.NET against the same sshd.
echo "==> Pester, netstandard2.0 build: $netstandard_root/SshKms"
"$pwsh" -NoProfile -File scripts/pester.ps1 -ModulePath "$netstandard_root/SshKms" -Label netstandard2.0 || failed=1

exit "$failed"
