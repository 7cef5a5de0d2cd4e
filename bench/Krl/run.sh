#!/usr/bin/env bash
# KRL benchmark. 1) Krl.Bench: writes one KRL of 100,000 revoked serials (ranges and singles), 10,000 key ids and
# 10,000 key hashes with our revoke operation and with `ssh-keygen -k` from the same spec, side by side, and prints
# times, sizes and ratios. 2) The sshd login time with that KRL as RevokedKeys against a twin sshd with none
# (sshd reads and parses RevokedKeys at every authentication), with hyperfine, alternating.
# Usage: bench/Krl/run.sh [rounds]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
rounds="${1:-5}"
work="$(mktemp -d /tmp/sshkms-krl-bench-XXXXXX)"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
mkdir -p /run/sshd "$work/remote-home"

dotnet build -c Release "$here/Krl.Bench.csproj" -v q -nologo >/dev/null
dotnet build -c Release "$root/src/SshKms.Cli/SshKms.Cli.csproj" -v q -nologo >/dev/null
dotnet "$here/bin/Release/net10.0/Krl.Bench.dll" "$work" "$rounds"

# A certificate from the same CA with a serial the KRL does not revoke (the spec starts at 1000).
export SSHKMS_HOME="$work/home"
ssh-keygen -q -t ed25519 -N '' -f "$work/user"
dotnet "$root/src/SshKms.Cli/bin/Release/net8.0/sshkms.dll" cert new --ca local:bench-krl --public-key "$work/user.pub" \
  --principal "$(id -un)" --serial 1 --validity 1h >/dev/null 2>&1
ssh-keygen -q -t ed25519 -N '' -f "$work/hostkey"
: > "$work/known_hosts"
for name in none krl; do
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  cat > "$work/sshd_$name" <<CFG
Port $port
ListenAddress 127.0.0.1
HostKey $work/hostkey
PidFile $work/sshd_$name.pid
TrustedUserCAKeys $work/ca.pub
AuthorizedKeysFile none
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
StrictModes no
UsePAM no
SetEnv HOME=$work/remote-home
CFG
  [ "$name" = krl ] && echo "RevokedKeys $work/ours.krl" >> "$work/sshd_$name"
  /usr/sbin/sshd -D -f "$work/sshd_$name" 2>/dev/null & pids+=($!)
  echo "[127.0.0.1]:$port $(cat "$work/hostkey.pub")" >> "$work/known_hosts"
  eval "port_$name=$port"
done
sleep 1
ssh_cmd() {
  echo "ssh -F /dev/null -p $1 -o BatchMode=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile=$work/known_hosts \
-o GlobalKnownHostsFile=/dev/null -o IdentityAgent=none -o IdentitiesOnly=yes -i $work/user -o CertificateFile=$work/user-cert.pub \
$(id -un)@127.0.0.1 true"
}
$(ssh_cmd "$port_krl") || { echo "login with the KRL installed failed" >&2; exit 1; }
hyperfine -N --warmup 3 --runs $((rounds * 6)) --export-json "$work/login.json" \
  -n "no RevokedKeys" "$(ssh_cmd "$port_none")" -n "RevokedKeys: the KRL above" "$(ssh_cmd "$port_krl")" >/dev/null
python3 - "$work/login.json" "$(stat -c %s "$work/ours.krl")" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
m = {x["command"]: sorted(x["times"])[len(x["times"]) // 2] * 1000 for x in r}
none, krl = m["no RevokedKeys"], m["RevokedKeys: the KRL above"]
print(f"login   with KRL ({int(sys.argv[2])} bytes) {krl:8.1f} ms  without {none:8.1f} ms  ratio {krl / none:.2f}x (medians, hyperfine)")
PY
