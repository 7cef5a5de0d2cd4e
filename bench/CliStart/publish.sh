#!/usr/bin/env bash
# Publishes the sshkms CLI as the README's set-up does (self-contained, ReadyToRun, for this machine's runtime
# identifier) into DIR, and prints the path of the executable.
# Usage: bench/CliStart/publish.sh DIR
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
dotnet publish "$root/src/SshKms.Cli/SshKms.Cli.csproj" -c Release --ucr --self-contained -o "$1" -v q -nologo >/dev/null
echo "$1/sshkms"
