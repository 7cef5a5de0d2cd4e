using SshKms.Core.OpenSsh;

namespace SshKms.Core.Revocation
{
    /// <summary>
    /// The rule a node applies before it installs a KRL as sshd's RevokedKeys: the detached signature must verify
    /// under the CA key, and the KRL must parse and be no older (by krl_version) than the one installed, so a
    /// replayed old KRL cannot un-revoke a certificate.
    /// </summary>
    public static class KrlInstallCheck
    {
        /// <summary>
        /// Checks <paramref name="candidate"/> and returns its krl_version; throws KrlSignatureInvalid, KrlMalformed
        /// or KrlVersionRollback. <paramref name="installed"/> is the KRL in place now, or null when there is none.
        /// </summary>
        public static ulong Verify(byte[] candidate, string signature, SshPublicKey caKey, byte[]? installed)
        {
            KrlSignature.EnsureValid(candidate, signature, caKey);
            Krl krl = KrlFormat.Read(candidate, "to install");
            if (installed != null)
            {
                ulong current = KrlFormat.Read(installed, "installed").Version;
                if (krl.Version < current)
                {
                    throw new SshKmsException("KrlVersionRollback", SshKmsErrorCategory.SecurityError,
                        $"The KRL to install has version {krl.Version}, lower than the installed version {current}: refusing to roll revocations back.");
                }
            }

            return krl.Version;
        }

        /// <summary>
        /// The same rule as a POSIX sh fragment for nodes that run no .NET: verifies <paramref name="krlPath"/>
        /// with its .sig by `ssh-keygen -Y verify` against <paramref name="caPublicKeyLine"/>, compares krl_version
        /// (bytes 12-19, big-endian) with the installed <paramref name="targetPath"/>, then renames it into place.
        /// Paths must be absolute and free of single quotes; exits non-zero and changes nothing when a check fails.
        /// </summary>
        public static string ShellScript(string krlPath, string targetPath, string caPublicKeyLine)
        {
            string q(string s) => "'" + s.Replace("'", "'\\''") + "'";
            return string.Join("\n", new[]
            {
                "set -eu",
                $"krl={q(krlPath)}; target={q(targetPath)}",
                "signers=$(mktemp)",
                $"printf 'sshkms-ca namespaces=\"{KrlSignature.Namespace}\" %s\\n' {q(caPublicKeyLine)} > \"$signers\"",
                $"ssh-keygen -Y verify -f \"$signers\" -I sshkms-ca -n {KrlSignature.Namespace} -s \"$krl{KrlSignature.FileSuffix}\" < \"$krl\" >/dev/null || {{ rm -f \"$signers\"; echo 'KRL signature does not verify' >&2; exit 3; }}",
                "rm -f \"$signers\"",
                "version() { od -An -j12 -N8 -tx1 \"$1\" | tr -d ' \\n'; }",
                // Fixed-width hex sorts like the number; `sort` keeps it POSIX (test has no string "<").
                "if [ -f \"$target\" ]; then new=$(version \"$krl\"); old=$(version \"$target\");",
                "  if [ \"$new\" != \"$old\" ] && [ \"$(printf '%s\\n%s\\n' \"$new\" \"$old\" | LC_ALL=C sort | head -n 1)\" = \"$new\" ]; then echo 'KRL version is lower than the installed one' >&2; exit 4; fi; fi",
                "cp \"$krl\" \"$target.new\" && chmod 644 \"$target.new\" && mv -f \"$target.new\" \"$target\"",
            }) + "\n";
        }
    }
}
