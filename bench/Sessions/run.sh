#!/usr/bin/env bash
# Sessions benchmark: starts 20 loopback sshd instances that trust a fresh CA, then runs SessionBench, which
# measures both transports (OpenSsh, Managed) against plain ssh (a), parallel against sequential (b), the memory of
# 100 open Managed sessions (c) and where one Managed session's time goes (d) in one run, and prints the ratios.
# It also times `sshkms ssh` as the README publishes it (local CA, whole process start included) against plain ssh
# with a certificate, side by side in one hyperfine run; --cli-only skips SessionBench, --sections=LETTERS runs only
# those of SessionBench's sections (a: one command, b: 20 hosts, c: memory of 100 Managed sessions, d: Managed's phases)
# and skips the CLI rows.
# Usage: bench/Sessions/run.sh [iterations] [--cli-only | --sections=abcd]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
iterations="${1:-20}"
mode="${2:-}"
work="$(mktemp -d /tmp/sshkms-bench-XXXXXX)"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
mkdir -p /run/sshd "$work/remote-home"

dotnet build -c Release "$here/SessionBench.csproj" -v q -nologo >/dev/null
dotnet build -c Release "$root/src/SshKms.Cli/SshKms.Cli.csproj" -v q -nologo >/dev/null
cli="$root/src/SshKms.Cli/bin/Release/net8.0/sshkms.dll"
case "$mode" in
  --sections=*) published="dotnet $cli" ;;
  *) published=$(bash "$root/bench/CliStart/publish.sh" "$work/cli") ;;
esac
ssh-keygen -q -t ed25519 -N '' -f "$work/ca" -C bench-ca
ssh-keygen -q -t ecdsa -b 256 -N '' -f "$work/user"
ssh-keygen -q -s "$work/ca" -I bench-plain -n "$(id -un)" -V -1m:+1h "$work/user.pub"
ssh-keygen -q -t ed25519 -N '' -f "$work/hostkey"
# The sshkms CA (local:bench), trusted by every sshd beside the plain reference CA.
export SSHKMS_HOME="$work/home"
pub=$($published ca create --ca local:bench 2>/dev/null)
echo "$pub" | grep -E '^(ssh-|ecdsa-)' >> "$work/ca.pub"
: > "$work/known_hosts"
cat > "$work/ssh_config" <<CFG
UserKnownHostsFile $work/known_hosts
GlobalKnownHostsFile /dev/null
StrictHostKeyChecking yes
BatchMode yes
CFG
: > "$work/ports"
for i in $(seq 0 19); do
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  cat > "$work/sshd_$i" <<CFG
Port $port
ListenAddress 127.0.0.1
HostKey $work/hostkey
PidFile $work/sshd_$i.pid
TrustedUserCAKeys $work/ca.pub
AuthorizedKeysFile none
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
StrictModes no
UsePAM no
MaxStartups 100:30:200
# The login shell would otherwise source the user's ~/.bashrc on every login; on this machine that is pyenv init,
# ~0.7 s per login, serialised on pyenv's lock, and it would swamp what is being compared.
SetEnv HOME=$work/remote-home
CFG
  /usr/sbin/sshd -D -f "$work/sshd_$i" 2>/dev/null & pids+=($!)
  echo "$port" >> "$work/ports"
  echo "[127.0.0.1]:$port $(cat "$work/hostkey.pub")" >> "$work/known_hosts"
  printf 'Host node%s\n  HostName 127.0.0.1\n  Port %s\n' "$i" "$port" >> "$work/ssh_config"
done
sleep 1

case "$mode" in
  --cli-only) ;;
  --sections=*) dotnet "$here/bin/Release/net8.0/SessionBench.dll" "$work" "$iterations" "${mode#--sections=}"; exit 0 ;;
  *) dotnet "$here/bin/Release/net8.0/SessionBench.dll" "$work" "$iterations" ;;
esac

# The CLI end to end (process start included) against plain ssh, one hyperfine run. Wall times move with the
# machine's load; user+system CPU time is printed too.
port0=$(head -1 "$work/ports")
hyperfine -N --warmup 2 --runs "$iterations" --export-json "$work/cli.json" \
  -n "plain ssh with a certificate" "ssh -F $work/ssh_config -o IdentityAgent=none -i $work/user -o CertificateFile=$work/user-cert.pub -p $port0 127.0.0.1 true" \
  -n "sshkms ssh (published)" "$published ssh --ca local:bench --ssh-config $work/ssh_config --port $port0 127.0.0.1 -- true" \
  -n "sshkms ssh (dotnet build output)" "dotnet $cli ssh --ca local:bench --ssh-config $work/ssh_config --port $port0 127.0.0.1 -- true" \
  -n "sshkms ssh --transport managed (published)" "$published ssh --transport managed --ca local:bench --ssh-option UserKnownHostsFile=$work/known_hosts --port $port0 127.0.0.1 -- true" >/dev/null
python3 "$root/bench/CliStart/ratios.py" "$work/cli.json" "(a') "
