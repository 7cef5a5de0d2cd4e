#!/usr/bin/env bash
# The main job on a fresh machine, no AWS account needed: the embedded local: CA issues a short-lived
# certificate for a new key pair, and ssh-keygen (when present) reads it back.
# Usage: bash scripts/demo.sh [OUT_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-"${TMPDIR:-/tmp}/sshkms-demo"}
mkdir -p "$out"
rm -f "$out/id_ed25519" "$out/id_ed25519.pub" "$out/id_ed25519-cert.pub" "$out/secret.enc"
dotnet build src/SshKms.Cli -c Release -v quiet -nologo >/dev/null
sshkms() { dotnet src/SshKms.Cli/bin/Release/net8.0/sshkms.dll "$@"; }

echo "== CA public key (local:demo), for TrustedUserCAKeys; the CA is created explicitly on the first run"
# Reading never creates a key (a typo must not become a CA): make local:demo once, then read it.
sshkms ca public-key --ca local:demo 2>/dev/null || sshkms ca create --ca local:demo
echo "== a new key pair and a 15-minute certificate for principal ${USER:-$(id -un)}"
sshkms cert new --ca local:demo --out "$out/id_ed25519" --principal "${USER:-$(id -un)}" --validity 15m
sshkms cert show "$out/id_ed25519-cert.pub"
if command -v ssh-keygen >/dev/null; then
  echo "== as ssh-keygen reads it"
  ssh-keygen -L -f "$out/id_ed25519-cert.pub"
fi
echo "== the audit journal's event for it (who issued which serial), read back"
sshkms audit --type certificate.issued --last 1
echo "== envelope encryption under local:demo-data (AWS Encryption SDK message format), round trip"
printf 'the secret\n' | sshkms encrypt --key local:demo-data --create --context purpose=demo --out "$out/secret.enc"
sshkms decrypt --key local:demo-data --context purpose=demo --in "$out/secret.enc"
echo "== files in $out"
ls -l "$out"
