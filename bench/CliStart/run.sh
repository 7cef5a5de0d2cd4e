#!/usr/bin/env bash
# CLI start-up: `sshkms cert show FILE` (published as the README does, and the plain `dotnet build` output) against
# `ssh-keygen -L -f FILE` on the same certificate, side by side in one hyperfine run. The session figure
# (`sshkms ssh` against plain ssh) is bench/Sessions/run.sh's (a') line.
# Usage: bench/CliStart/run.sh [runs]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
runs="${1:-30}"
work="$(mktemp -d /tmp/sshkms-clistart-XXXXXX)"
trap 'rm -rf "$work"' EXIT

dotnet build -c Release "$root/src/SshKms.Cli/SshKms.Cli.csproj" -v q -nologo >/dev/null
built="$root/src/SshKms.Cli/bin/Release/net8.0/sshkms.dll"
published=$(bash "$here/publish.sh" "$work/cli")
ssh-keygen -q -t ed25519 -N '' -f "$work/ca" -C bench-ca
ssh-keygen -q -t ecdsa -b 256 -N '' -f "$work/user"
ssh-keygen -q -s "$work/ca" -I bench -n alice,bob -V -1m:+1h -O force-command=uptime "$work/user.pub"
cert="$work/user-cert.pub"

hyperfine -N --warmup 3 --runs "$runs" --export-json "$work/start.json" \
  -n "ssh-keygen -L -f FILE" "ssh-keygen -L -f $cert" \
  -n "sshkms cert show FILE (published)" "$published cert show $cert" \
  -n "sshkms cert show FILE (dotnet build output)" "dotnet $built cert show $cert" >/dev/null
python3 "$root/bench/CliStart/ratios.py" "$work/start.json" ""
