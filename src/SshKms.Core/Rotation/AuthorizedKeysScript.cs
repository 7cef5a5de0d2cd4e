using System;
using System.Text;

namespace SshKms.Core.Rotation
{

    /// <summary>
    /// The one shell text every channel (SSM Run Command, SSH) runs on a node. It rewrites authorized_keys
    /// through a temp file in the same folder, synced to disk before a rename, so sshd never reads half a file, and gives the
    /// new file the old one's owner and mode. Lines it manages end with the comment sshkms:&lt;secret&gt;:&lt;version&gt;.
    /// The file is, in order: the template given (<see cref="AuthorizedKeysOptions.FileTemplate"/>); SSHKMS_AUTHORIZED_KEYS
    /// when set in the node's environment; as root, the first file `sshd -T` names for the user; ~user/.ssh/authorized_keys.
    /// A symlink is followed: its target is edited in place and the link stays. One script at a time edits a file
    /// (flock on a lock file beside it); another waits up to the lock wait, then exits 6 (RotationLocked).
    /// Run it as `sh -c SCRIPT` or `sh -c SCRIPT sshkms USER`; USER, when given, replaces the user it was built for.
    /// </summary>
    public static class AuthorizedKeysScript
    {
        public const string ModeMarker = "# sshkms-authorized-keys mode=";

        /// <summary>The exit code of a script that waited out the lock wait: another rotation holds the file.</summary>
        public const int LockedExitCode = 6;

        public static string Build(AuthorizedKeysMode mode, string secretName, string tag, string? keyLine, string? userName, AuthorizedKeysOptions? files = null)
        {
            if (keyLine != null && (keyLine.IndexOf('\n') >= 0 || keyLine.IndexOf('\r') >= 0))
            {
                throw new SshKmsException("AuthorizedKeysLineInvalid", SshKmsErrorCategory.InvalidData, "A public key line must be a single line.");
            }

            files = files ?? new AuthorizedKeysOptions();
            files.Validate();
            var s = new StringBuilder();
            s.Append(ModeMarker).Append(mode.ToString().ToLowerInvariant()).Append('\n');
            s.Append("set -eu\n");
            s.Append("mode=").Append(Quote(mode.ToString().ToLowerInvariant())).Append('\n');
            s.Append("prefix=").Append(Quote("sshkms:" + secretName + ":")).Append('\n');
            s.Append("tag=").Append(Quote(tag)).Append('\n');
            s.Append("line=").Append(Quote(keyLine ?? string.Empty)).Append('\n');
            s.Append("template=").Append(Quote(files.FileTemplate ?? string.Empty)).Append('\n');
            s.Append("sshd_config=").Append(Quote(files.SshdConfig ?? string.Empty)).Append('\n');
            s.Append("lock_wait=").Append(((long)Math.Ceiling(files.LockWait.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture)).Append('\n');
            // A first argument names the account instead: the SSH channel passes the login user, whose own file it manages.
            s.Append("user=${1:-").Append(Quote(userName ?? string.Empty)).Append("}\n");
            s.Append(Body);
            return s.ToString();
        }

        /// <summary>POSIX single quoting: the value cannot end the quote or expand.</summary>
        public static string Quote(string value) => "'" + value.Replace("'", "'\\''") + "'";

        private const string Body = @"set -f
user_name=${user:-$(id -un)}
home_of() { if [ -n ""$user"" ]; then getent passwd ""$user"" | cut -d: -f6; else printf '%s\n' ""$HOME""; fi; }
# One AuthorizedKeysFile entry as sshd expands it: %u %h %U %%, and a relative path is relative to the home.
expand() {
  case ""$1"" in /*%h*|[!/]*) [ -n ""$home"" ] || { echo ""sshkms: no home folder for user '$user_name' to expand $1"" >&2; return 4; } ;; esac
  SK_P=""$1"" SK_U=""$user_name"" SK_H=""$home"" SK_I=""$(id -u ""$user_name"" 2>/dev/null || true)"" awk 'BEGIN {
    p = ENVIRON[""SK_P""]; out = """"
    while ((i = index(p, ""%"")) > 0) {
      c = substr(p, i + 1, 1); out = out substr(p, 1, i - 1); p = substr(p, i + 2)
      if (c == ""%"") out = out ""%""; else if (c == ""u"") out = out ENVIRON[""SK_U""]; else if (c == ""h"") out = out ENVIRON[""SK_H""]
      else if (c == ""U"") out = out ENVIRON[""SK_I""]; else { print ""sshkms: unknown token %"" c "" in "" ENVIRON[""SK_P""] > ""/dev/stderr""; exit 2 }
    }
    out = out p
    if (substr(out, 1, 1) != ""/"") out = ENVIRON[""SK_H""] ""/"" out
    print out }'
}
# The AuthorizedKeysFile entries sshd uses for this user, unexpanded; nothing when this is not root (sshd -T needs the host keys).
sshd_entries() {
  if [ ""$(id -u)"" != 0 ]; then
    [ -z ""$sshd_config"" ] || { echo ""sshkms: asking sshd which file it reads ($sshd_config) needs root on the node"" >&2; exit 4; }
    return 0
  fi
  bin=$(command -v sshd 2>/dev/null || true)
  [ -n ""$bin"" ] || [ ! -x /usr/sbin/sshd ] || bin=/usr/sbin/sshd
  if [ -z ""$bin"" ]; then
    [ -z ""$sshd_config"" ] || { echo ""sshkms: no sshd on this node to read $sshd_config"" >&2; exit 4; }
    return 0
  fi
  if [ -n ""$sshd_config"" ]; then set -- -f ""$sshd_config""; else set --; fi
  if ! out=$(""$bin"" -T ""$@"" -C ""user=$user_name,host=localhost,addr=127.0.0.1"" 2>&1); then
    [ -z ""$sshd_config"" ] || { echo ""sshkms: sshd -T -f $sshd_config failed: $out"" >&2; exit 4; }
    return 0
  fi
  printf '%s\n' ""$out"" | awk 'tolower($1) == ""authorizedkeysfile"" { $1 = """"; sub(/^ +/, """"); print; exit }'
}
entries=$(sshd_entries)
if [ ""$entries"" = none ]; then
  echo ""sshkms: sshd reads no authorized_keys file for $user_name (AuthorizedKeysFile none)"" >&2; exit 4
fi
# The home is looked up once, and only when a path may need it.
home=""""
[ -z ""$template"" ] && [ -z ""$entries"" ] && [ -n ""${SSHKMS_AUTHORIZED_KEYS:-}"" ] || home=$(home_of)
# What sshd reads, when it can be told: informational beside a file named otherwise, so a user without a home only loses it.
sshd_reads=""""
for e in $entries; do
  f=$(expand ""$e"" 2>/dev/null) || { sshd_reads=""""; break; }
  sshd_reads=""$sshd_reads${sshd_reads:+ }$f""
done
if [ -n ""$template"" ]; then ak=$(expand ""$template"")
elif [ -n ""${SSHKMS_AUTHORIZED_KEYS:-}"" ]; then ak=$SSHKMS_AUTHORIZED_KEYS
elif [ -n ""$entries"" ]; then ak=$(expand ""${entries%% *}"")
else
  [ -n ""$home"" ] || { echo ""sshkms: no home folder for user '$user'"" >&2; exit 4; }
  ak=""$home/.ssh/authorized_keys""
fi
# A symlinked file is edited where it points, so the link (and whatever else shares the target) stays.
if [ -L ""$ak"" ]; then
  target=$(readlink -f ""$ak"" 2>/dev/null || true)
  if [ -z ""$target"" ]; then t=$(readlink ""$ak""); case ""$t"" in /*) target=$t ;; *) target=""$(dirname ""$ak"")/$t"" ;; esac; fi
  ak=$target
fi
where=""edited $ak""
[ -z ""$sshd_reads"" ] || where=""$where; sshd reads $sshd_reads for $user_name""
dir=$(dirname ""$ak"")
has_line() { [ -f ""$1"" ] && awk -v l=""$line"" -v t=""$tag"" '$NF == t && index($0, l) > 0 { found = 1 } END { exit found ? 0 : 3 }' ""$1""; }
if [ ""$mode"" = check ]; then
  has_line ""$ak"" || { echo ""sshkms: $tag is not in $ak"" >&2; exit 3; }
  # A file the node itself names (SSHKMS_AUTHORIZED_KEYS) is trusted; otherwise the key must be where sshd looks.
  [ -n ""$sshd_reads"" ] && [ -z ""${SSHKMS_AUTHORIZED_KEYS:-}"" ] || exit 0
  for f in $sshd_reads; do has_line ""$f"" && exit 0 || true; done
  echo ""sshkms: $tag is in $ak (the file edited), but sshd reads $sshd_reads for $user_name"" >&2; exit 3
fi
if [ ! -d ""$dir"" ]; then
  mkdir -p ""$dir""; chmod 700 ""$dir""
  [ -z ""$user"" ] || chown ""$user"" ""$dir"" 2>/dev/null || true
fi
# One rotation at a time per file: the lock is held until this shell exits. Without flock (not util-linux or BusyBox) it runs unlocked.
lock=""$dir/.$(basename ""$ak"").sshkms-lock""
if command -v flock >/dev/null 2>&1; then
  ( umask 077; : >> ""$lock"" )
  exec 9<""$lock""
  flock -w ""$lock_wait"" 9 || { echo ""sshkms: RotationLocked: another rotation is editing $ak (waited $lock_wait s for $lock)"" >&2; exit 6; }
fi
if [ ""$mode"" = keeponly ]; then
  # A node that never got the new key (tagged late, or added on a rerun) would lose its only key of this secret.
  [ -f ""$ak"" ] && awk -v t=""$tag"" '$NF == t { found = 1 } END { exit found ? 0 : 5 }' ""$ak"" || {
    echo ""sshkms: $tag (the new key) is not in $ak, so its old keys stay"" >&2; exit 5; }
fi
tmp=""$dir/.authorized_keys.sshkms.$$""
trap 'rm -f ""$tmp""' EXIT
( umask 077; : > ""$tmp"" )
if [ -f ""$ak"" ]; then
  case ""$mode"" in
    add|remove) awk -v t=""$tag"" '$NF != t' ""$ak"" > ""$tmp"" ;;
    keeponly) awk -v p=""$prefix"" -v t=""$tag"" '!(index($NF, p) == 1 && $NF != t)' ""$ak"" > ""$tmp"" ;;
    *) echo ""sshkms: unknown mode $mode"" >&2; exit 2 ;;
  esac
  chown --reference=""$ak"" ""$tmp"" 2>/dev/null || chown ""$(stat -f %u:%g ""$ak"")"" ""$tmp"" 2>/dev/null || true
  chmod --reference=""$ak"" ""$tmp"" 2>/dev/null || chmod ""$(stat -f %Lp ""$ak"")"" ""$tmp"" 2>/dev/null || true
else
  [ -z ""$user"" ] || chown ""$user"" ""$tmp"" 2>/dev/null || true
fi
[ ""$mode"" != add ] || printf '%s\n' ""$line"" >> ""$tmp""
# The new contents reach the disk before the rename does: after a crash the file is the old one or the new one, never empty.
# A sync that takes no file (older BusyBox, BSD) flushes everything instead.
sync ""$tmp"" 2>/dev/null || sync
mv -f ""$tmp"" ""$ak""
trap - EXIT
echo ""sshkms: $mode $tag on $(hostname): $where""
";
    }
}
