using System;
using System.IO;
using System.Linq;
using System.Text;
using SshKms.Core.OpenSsh;
using SshKms.Core.Revocation;

namespace SshKms.Core.Sessions
{
    internal enum RevocationStatus
    {
        NotRevoked,
        Revoked,

        /// <summary>Missing, unreadable or malformed: ssh refuses the host then, so do we.</summary>
        Unreadable,
    }

    /// <summary>
    /// A RevokedHostKeys file as ssh's sshkey_check_revoked reads it: a KRL (ours or ssh-keygen -k's), else a list of
    /// public keys, one a line. A certificate is revoked by its key, by serial or key id under its CA, or by its CA key.
    /// </summary>
    internal static class RevokedHostKeys
    {
        public static RevocationStatus Check(string path, byte[] plainKey, SshCertificate? certificate)
        {
            byte[] data;
            try
            {
                data = File.ReadAllBytes(path);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException || ex is ArgumentException || ex is NotSupportedException)
            {
                return RevocationStatus.Unreadable;
            }

            try
            {
                bool revoked = KrlFormat.HasMagic(data)
                    ? KrlFormat.Read(data, path).RevokedBecause(plainKey, certificate) != null
                    : ListRevokes(Encoding.UTF8.GetString(data), plainKey, certificate);
                return revoked ? RevocationStatus.Revoked : RevocationStatus.NotRevoked;
            }
            catch (SshKmsException)
            {
                return RevocationStatus.Unreadable;
            }
        }

        /// <summary>ssh's sshkey_in_file(check_ca): a line revokes a key with the same public part, or the certificate's CA; a line that is no key fails the whole file.</summary>
        private static bool ListRevokes(string text, byte[] plainKey, SshCertificate? certificate)
        {
            byte[]? caKey = certificate?.SignatureKey.GetBlob();
            foreach (string raw in text.Split('\n'))
            {
                string line = raw.Trim();
                if (line.Length == 0 || line.StartsWith("#", StringComparison.Ordinal))
                {
                    continue;
                }

                byte[] listed = line.Split(' ', '\t')[0].EndsWith(SshKeyTypes.CertSuffix, StringComparison.Ordinal)
                    ? SshCertificate.Parse(line).Key.GetBlob()
                    : SshPublicKey.Parse(line).GetBlob();
                if (listed.SequenceEqual(plainKey) || (caKey != null && listed.SequenceEqual(caKey)))
                {
                    return true;
                }
            }

            return false;
        }
    }
}
