using System;
using System.Text;

namespace SshKms.Core.Rotation
{
    /// <summary>What the node-side script does to authorized_keys.</summary>
    public enum AuthorizedKeysMode
    {
        /// <summary>Add the key line (replacing a line with the same tag); other lines stay.</summary>
        Add,

        /// <summary>Remove the lines with exactly this tag (a failed test takes the pending key back).</summary>
        Remove,

        /// <summary>
        /// Remove every line of this secret except the one with this tag (finishSecret). Exits 5 and changes
        /// nothing when no line carries the tag: removing the others would leave the node no key of this secret.
        /// </summary>
        KeepOnly,

        /// <summary>Exit 0 when the key line with this tag is present, 3 when not (testSecret over SSM).</summary>
        Check,
    }

    /// <summary>
    /// The one shell text every channel (SSM Run Command, SSH) runs on a node. It rewrites authorized_keys
    /// through a temp file in the same folder, synced to disk before a rename, so sshd never reads half a file, and gives the
    /// new file the old one's owner and mode. Lines it manages end with the comment sshkms:&lt;secret&gt;:&lt;version&gt;.
    /// SSHKMS_AUTHORIZED_KEYS, when set in the node's environment, names the file instead of ~user/.ssh/authorized_keys.
    /// Run it as `sh -c SCRIPT` or `sh -c SCRIPT sshkms USER`; USER, when given, replaces the user it was built for.
    /// </summary>
    public static class AuthorizedKeysScript
    {
        public const string ModeMarker = "# sshkms-authorized-keys mode=";

        public static string Build(AuthorizedKeysMode mode, string secretName, string tag, string? keyLine, string? userName)
        {
            if (keyLine != null && (keyLine.IndexOf('\n') >= 0 || keyLine.IndexOf('\r') >= 0))
            {
                throw new SshKmsException("AuthorizedKeysLineInvalid", SshKmsErrorCategory.InvalidData, "A public key line must be a single line.");
            }

            var s = new StringBuilder();
            s.Append(ModeMarker).Append(mode.ToString().ToLowerInvariant()).Append('\n');
            s.Append("set -eu\n");
            s.Append("mode=").Append(Quote(mode.ToString().ToLowerInvariant())).Append('\n');
            s.Append("prefix=").Append(Quote("sshkms:" + secretName + ":")).Append('\n');
            s.Append("tag=").Append(Quote(tag)).Append('\n');
            s.Append("line=").Append(Quote(keyLine ?? string.Empty)).Append('\n');
            // A first argument names the account instead: the SSH channel passes the login user, whose own file it manages.
            s.Append("user=${1:-").Append(Quote(userName ?? string.Empty)).Append("}\n");
            s.Append(Body);
            return s.ToString();
        }

        /// <summary>POSIX single quoting: the value cannot end the quote or expand.</summary>
        public static string Quote(string value) => "'" + value.Replace("'", "'\\''") + "'";

        private const string Body = @"ak=""${SSHKMS_AUTHORIZED_KEYS:-}""
if [ -z ""$ak"" ]; then
  if [ -n ""$user"" ]; then home=$(getent passwd ""$user"" | cut -d: -f6); else home=$HOME; fi
  [ -n ""$home"" ] || { echo ""sshkms: no home folder for user '$user'"" >&2; exit 4; }
  ak=""$home/.ssh/authorized_keys""
fi
dir=$(dirname ""$ak"")
if [ ""$mode"" = check ]; then
  [ -f ""$ak"" ] && awk -v l=""$line"" -v t=""$tag"" '$NF == t && index($0, l) > 0 { found = 1 } END { exit found ? 0 : 3 }' ""$ak"" && exit 0
  echo ""sshkms: $tag is not in $ak"" >&2; exit 3
fi
if [ ""$mode"" = keeponly ]; then
  # A node that never got the new key (tagged late, or added on a rerun) would lose its only key of this secret.
  [ -f ""$ak"" ] && awk -v t=""$tag"" '$NF == t { found = 1 } END { exit found ? 0 : 5 }' ""$ak"" || {
    echo ""sshkms: $tag (the new key) is not in $ak, so its old keys stay"" >&2; exit 5; }
fi
if [ ! -d ""$dir"" ]; then
  mkdir -p ""$dir""; chmod 700 ""$dir""
  [ -z ""$user"" ] || chown ""$user"" ""$dir"" 2>/dev/null || true
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
echo ""sshkms: $mode $tag on $(hostname)""
";
    }
}
