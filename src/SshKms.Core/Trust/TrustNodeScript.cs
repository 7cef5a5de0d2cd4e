using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using SshKms.Core.Rotation;

namespace SshKms.Core.Trust
{
    /// <summary>
    /// The POSIX sh text that installs CA trust on a remote node, run the same way over SSH and over SSM Run Command.
    /// It does on the node what <see cref="SetCaTrustOperation"/> does locally, with the same layout
    /// (<see cref="TrustLayout"/>): stage every file in a temp folder, place the directives in the drop-in when the
    /// main file includes sshd_config.d before any keyword we own (else one marked Include at the top), refuse a keyword
    /// we own set in the main file's global part, validate the candidate with `sshd -t` before anything is replaced,
    /// swap with backups, confirm with `sshd -T` (rolling back if not ours) and reload only when a configuration file
    /// changed. Its last stdout line is the result: "sshkms-trust{TAB}STATUS{TAB}PLACEMENT{TAB}RELOAD{TAB}FILE..." (tab
    /// separated); a failure exits 1 with "sshkms-trust: error ERRORID MESSAGE" on stderr.
    /// </summary>
    internal static class TrustNodeScript
    {
        public const string ResultTag = "sshkms-trust";

        public const string ErrorTag = "sshkms-trust: error ";

        /// <param name="caLines">The CA public key lines, each commented with its URI.</param>
        /// <param name="revokedKeys">The KRL to install, or null to keep what is there.</param>
        /// <param name="dryRun">Report what would change (status WhatIf or Unchanged) and write nothing.</param>
        public static string Build(string sshdConfig, IReadOnlyList<string> caLines, IReadOnlyDictionary<string, List<string>> principals,
            byte[]? revokedKeys, string? sshdPath, bool noReload, bool dryRun)
        {
            var s = new StringBuilder();
            s.Append("set -eu\n");
            s.Append("main=").Append(Q(sshdConfig)).Append('\n');
            s.Append("sshd_bin=").Append(Q(sshdPath ?? string.Empty)).Append('\n');
            s.Append("no_reload=").Append(noReload ? "1" : "0").Append('\n');
            s.Append("dry_run=").Append(dryRun ? "1" : "0").Append('\n');
            s.Append("has_principals=").Append(principals.Count > 0 ? "1" : "0").Append('\n');
            s.Append("krl_given=").Append(revokedKeys != null ? "1" : "0").Append('\n');
            s.Append("users=").Append(Q(string.Join(" ", principals.Keys))).Append('\n');
            s.Append("marker=").Append(Q(TrustLayout.IncludeMarker)).Append('\n');
            s.Append("header=").Append(Q(TrustLayout.ConfHeader)).Append('\n');
            s.Append(Prologue);
            s.Append("printf '%s\\n'");
            foreach (string line in caLines)
            {
                s.Append(' ').Append(Q(line));
            }

            s.Append(" > \"$stage/new/ca\"\n");
            foreach (KeyValuePair<string, List<string>> user in principals)
            {
                // ParsePrincipals allows no slash, space or dot-only name: the user is a plain file name.
                s.Append("printf '%s\\n' ").Append(string.Join(" ", user.Value.Select(Q))).Append(" > \"$stage/new/principals/\"").Append(Q(user.Key)).Append('\n');
            }

            if (revokedKeys != null)
            {
                s.Append("printf '%s' ").Append(Q(Convert.ToBase64String(revokedKeys))).Append(" | base64 -d > \"$stage/new/krl\"\n");
            }

            s.Append(Body);
            return s.ToString();
        }

        private static string Q(string value) => AuthorizedKeysScript.Quote(value);

        private const string Prologue = @"fail() { id=$1; shift; printf 'sshkms-trust: error %s: %s\n' ""$id"" ""$*"" >&2; exit 1; }
[ -f ""$main"" ] || fail TrustConfigNotFound ""There is no sshd configuration at $main on $(hostname); give the path of the sshd_config the server reads.""
dir=$(cd ""$(dirname ""$main"")"" && pwd)
main=""$dir/$(basename ""$main"")""
if [ -z ""$sshd_bin"" ]; then sshd_bin=$(command -v sshd 2>/dev/null || true); [ -n ""$sshd_bin"" ] || sshd_bin=/usr/sbin/sshd; fi
[ -x ""$sshd_bin"" ] || fail TrustSshdNotFound ""No sshd at $sshd_bin on $(hostname); trust needs it to validate the configuration.""
stage=$(mktemp -d ""${TMPDIR:-/tmp}/sshkms-trust.XXXXXX"")
trap 'rm -rf ""$stage""' EXIT
mkdir -p ""$stage/new/principals""
";

        private const string Body = @"folder=""$dir/sshkms""
cakeys=""$folder/trusted_user_ca_keys""
pdir=""$folder/principals""
krl=""$folder/revoked_keys""
dropin=""$dir/sshd_config.d/00-sshkms.conf""
included=""$folder/sshkms.conf""
include_line=""Include $included""
# Once a KRL is installed it stays: dropping it silently would un-revoke.
has_krl=$krl_given
[ ! -f ""$krl"" ] || has_krl=1
owned=trustedusercakeys
[ ""$has_principals"" = 0 ] || owned=""$owned authorizedprincipalsfile""
[ ""$has_krl"" = 0 ] || owned=""$owned revokedkeys""
{
  printf '%s\n' ""$header"" ""TrustedUserCAKeys $cakeys""
  [ ""$has_principals"" = 0 ] || printf '%s\n' ""AuthorizedPrincipalsFile $pdir/%u""
  [ ""$has_krl"" = 0 ] || printf '%s\n' ""RevokedKeys $krl""
} > ""$stage/new/conf""
# The main file without our marked Include (and its marker).
awk -v inc=""$include_line"" -v mk=""$marker"" '
  { l[NR] = $0; t = $0; gsub(/^[ \t]+|[ \t]+$/, """", t); tr[NR] = t }
  END { for (i = 1; i <= NR; i++) { if (tr[i] == inc) continue; if (tr[i] == mk && tr[i + 1] == inc) continue; print l[i] } }' ""$main"" > ""$stage/rest""
# The drop-in wins when the main file includes it in its global part before any keyword we own.
dropin_wins() {
  while IFS= read -r line || [ -n ""$line"" ]; do
    set -f; set -- $line; set +f
    [ $# -gt 0 ] || continue
    kw=$(printf '%s' ""$1"" | tr 'A-Z' 'a-z')
    case ""$kw"" in \#*) continue ;; esac
    case "" match $owned "" in *"" $kw ""*) return 1 ;; esac
    if [ ""$kw"" = include ]; then
      shift
      for p in ""$@""; do
        case ""$p"" in /*) ;; *) p=""$dir/$p"" ;; esac
        case ""$dropin"" in $p) return 0 ;; esac
      done
    fi
  done < ""$main""
  return 1
}
if ! cmp -s ""$stage/rest"" ""$main"" || ! dropin_wins; then
  placement=Include; target=$included; other=$dropin
  printf '%s\n%s\n' ""$marker"" ""$include_line"" > ""$stage/new/main""
  cat ""$stage/rest"" >> ""$stage/new/main""
else
  placement=DropIn; target=$dropin; other=$included
  cp ""$main"" ""$stage/new/main""
fi
# sshd takes each keyword's first value: one we own set by someone else in the main file's global part is an error.
awk -v owned="" $owned "" -v f=""$main"" '
  { k = tolower($1) } k == ""match"" { exit } k !~ /^#/ && index(owned, "" "" k "" "") {
    printf ""%s line %d already sets %s %s. sshd takes only the first value of %s, so trust would silently lose or override it; remove that line (or move it into a Match block) and run again.\n"", f, NR, $1, $2, $1; bad = 1; exit }
  END { exit bad ? 3 : 0 }' ""$stage/rest"" > ""$stage/conflict"" || fail TrustKeywordConflict ""$(cat ""$stage/conflict"")""
# The candidate as sshd would read it, our directives first, checked before anything is replaced.
{ printf 'Include %s\n' ""$stage/new/conf""; cat ""$stage/rest""; } > ""$stage/candidate""
out=$(""$sshd_bin"" -t -f ""$stage/candidate"" 2>&1) || fail TrustConfigInvalid ""sshd -t rejects the configuration with trust added, so nothing was changed: $(printf '%s' ""$out"" | sed ""s#$stage/candidate#$main#g"" | tr '\n' ' ')""
# Every change: NEW-FILE TAB DESTINATION, a dash for a removal (read splits on tabs, and empty fields between them would collapse); configuration files are the ones sshd reads at start.
: > ""$stage/plan""
plan() { if [ -n ""$1"" ] && [ -f ""$2"" ] && cmp -s ""$1"" ""$2""; then return 0; fi; if [ -z ""$1"" ] && [ ! -e ""$2"" ]; then return 0; fi; printf '%s\t%s\n' ""${1:--}"" ""$2"" >> ""$stage/plan""; }
plan ""$stage/new/ca"" ""$cakeys""
for f in ""$stage/new/principals""/*; do [ ! -f ""$f"" ] || plan ""$f"" ""$pdir/$(basename ""$f"")""; done
if [ -d ""$pdir"" ]; then for f in ""$pdir""/*; do [ ! -f ""$f"" ] || [ -f ""$stage/new/principals/$(basename ""$f"")"" ] || plan """" ""$f""; done; fi
[ ""$krl_given"" = 0 ] || plan ""$stage/new/krl"" ""$krl""
plan """" ""$other""
plan ""$stage/new/conf"" ""$target""
plan ""$stage/new/main"" ""$main""
changed=$(cut -f2 ""$stage/plan"" | tr '\n' ' ' | sed 's/ $//')
report() { printf '%s\t%s\t%s\t%s\t%s\n' sshkms-trust ""$1"" ""$placement"" ""$2"" ""$changed""; exit 0; }
[ -s ""$stage/plan"" ] || report Unchanged 'Not needed'
[ ""$dry_run"" = 0 ] || report WhatIf 'Skipped (nothing written)'
# Swap: each file through a temp file beside it and a rename, the old one kept in a backup folder for the rollback.
backup=""$folder/backup/$(date +%Y%m%dT%H%M%S).$$""
mkdir -p ""$backup""
: > ""$stage/undo""
n=0
while IFS='	' read -r src dst; do
  n=$((n + 1))
  if [ -e ""$dst"" ]; then cp -p ""$dst"" ""$backup/$n""; printf 'R\t%s\t%s\n' ""$backup/$n"" ""$dst"" >> ""$stage/undo""; else printf 'D\t-\t%s\n' ""$dst"" >> ""$stage/undo""; fi
  if [ ""$src"" = - ]; then rm -f ""$dst""; continue; fi
  mkdir -p ""$(dirname ""$dst"")""
  tmp=""$dst.sshkms-new.$$""
  if [ -e ""$dst"" ]; then cp -p ""$dst"" ""$tmp""; cat ""$src"" > ""$tmp""; else cp ""$src"" ""$tmp""; chmod 644 ""$tmp""; fi
  mv -f ""$tmp"" ""$dst""
done < ""$stage/plan""
rollback() {
  awk '{ l[NR] = $0 } END { for (i = NR; i > 0; i--) print l[i] }' ""$stage/undo"" | while IFS='	' read -r op saved dst; do
    if [ ""$op"" = R ]; then cp -p ""$saved"" ""$dst""; else rm -f ""$dst""; fi
  done
}
# Confirm with sshd -T, for each login user named, that the effective values are ours.
for u in ${users:-$(id -un)}; do
  eff=$(""$sshd_bin"" -T -f ""$main"" -C ""user=$u,host=localhost,addr=127.0.0.1"" 2>&1) || { rollback; fail TrustConfigInvalid ""sshd -T failed after the change, so every file was put back: $(printf '%s' ""$eff"" | tr '\n' ' ')""; }
  for want in ""trustedusercakeys $cakeys"" ""authorizedprincipalsfile $pdir/%u"" ""revokedkeys $krl""; do
    kw=${want%% *}
    case "" $owned "" in *"" $kw ""*) ;; *) continue ;; esac
    got=$(printf '%s\n' ""$eff"" | awk -v k=""$kw"" 'tolower($1) == k { $1 = """"; sub(/^ +/, """"); print; exit }')
    [ ""$got"" = ""${want#* }"" ] || { rollback; fail TrustNotEffective ""After the change sshd's effective $kw for user $u is '${got:-none}', not '${want#* }' (a Match block overrides it?); every file was put back.""; }
  done
done
# Reload only when a file sshd reads at start changed.
reload='Not needed (sshd reads these files at each login)'
case "" $changed "" in *"" $main ""*|*"" $target ""*|*"" $other ""*) reload=reload ;; esac
if [ ""$reload"" = reload ] && [ ""$no_reload"" = 1 ]; then reload='Skipped (no reload asked)'
elif [ ""$reload"" = reload ]; then
  reload=''
  if [ ""$main"" = /etc/ssh/sshd_config ] && command -v systemctl >/dev/null 2>&1; then
    for unit in ssh sshd; do
      if systemctl is-active --quiet ""$unit"" 2>/dev/null; then
        systemctl reload ""$unit"" || fail TrustReloadFailed ""The configuration was written, but 'systemctl reload $unit' failed. Reload sshd by hand.""
        reload=""systemd unit $unit reloaded""; break
      fi
    done
  fi
  if [ -z ""$reload"" ]; then
    pidfile=$(""$sshd_bin"" -T -f ""$main"" -C ""user=$(id -un),host=localhost,addr=127.0.0.1"" 2>/dev/null | awk 'tolower($1) == ""pidfile"" { print $2; exit }')
    pidfile=${pidfile:-/run/sshd.pid}
    pid=$(cat ""$pidfile"" 2>/dev/null || true)
    # A stale PidFile may name a pid since reused: only a process called sshd gets the signal.
    if [ -n ""$pid"" ] && [ ""$pid"" -gt 1 ] 2>/dev/null && { [ ! -d /proc/self ] || grep -q '^sshd' ""/proc/$pid/comm"" 2>/dev/null; }; then
      kill -HUP ""$pid"" || fail TrustReloadFailed ""The configuration was written, but 'kill -HUP $pid' failed. Reload sshd by hand.""
      reload=""SIGHUP to sshd pid $pid""
    else
      reload=""No running sshd (PidFile $pidfile); it reads the new configuration when it starts""
    fi
  fi
fi
report Changed ""$reload""
";
    }
}
