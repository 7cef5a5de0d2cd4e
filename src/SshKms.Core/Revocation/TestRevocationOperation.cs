using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using SshKms.Core.OpenSsh;

namespace SshKms.Core.Revocation
{
    public sealed class TestRevocationOptions
    {
        /// <summary>The KRL file; null: the default KRL of <see cref="CaKey"/>.</summary>
        public string? KrlPath { get; set; }

        public string? CaKey { get; set; }

        /// <summary>Public key or certificate files (one key or certificate line each) to check.</summary>
        public string[]? Paths { get; set; }
    }

    /// <summary>One key or certificate checked against a KRL.</summary>
    public sealed class RevocationCheck
    {
        internal RevocationCheck(string path, string kind, bool revoked, string? reason)
        {
            Path = path;
            Kind = kind;
            Revoked = revoked;
            Reason = reason;
        }

        public string Path { get; }

        /// <summary>"certificate" or "key".</summary>
        public string Kind { get; }

        public bool Revoked { get; }

        /// <summary>What revokes it ("serial 42", "key id \"x\"", "SHA-256 key hash"); null when it is not revoked.</summary>
        public string? Reason { get; }
    }

    /// <summary>
    /// Checks keys and certificates against a KRL as sshd does (ssh_krl_check_key), like `ssh-keygen -Q`. It does
    /// not check signatures or validity periods: only whether the KRL revokes them.
    /// </summary>
    public static class TestRevocationOperation
    {
        public static Task<IReadOnlyList<RevocationCheck>> RunAsync(TestRevocationOptions o, CancellationToken cancellationToken)
        {
            string[] paths = o.Paths ?? Array.Empty<string>();
            if (paths.Length == 0)
            {
                throw new SshKmsException("RevocationNothingGiven", SshKmsErrorCategory.InvalidArgument,
                    "Nothing to check: give at least one public key or certificate file.");
            }

            Krl krl = KrlFiles.Read(KrlFiles.Resolve(o.KrlPath, o.CaKey));
            IReadOnlyList<RevocationCheck> checks = paths.Select(p => Check(krl, p)).ToList();
            return Task.FromResult(checks);
        }

        private static RevocationCheck Check(Krl krl, string path)
        {
            string full = Path.GetFullPath(path);
            if (!File.Exists(full))
            {
                throw new SshKmsException("PublicKeyFileNotFound", SshKmsErrorCategory.ObjectNotFound, $"No public key or certificate file at {full}.");
            }

            string line = System.Text.Encoding.UTF8.GetString(KrlFiles.ReadBytes(full, "key file")).Trim();
            string? reason;
            string kind;
            if (line.Split(' ')[0].EndsWith("-cert-v01@openssh.com", StringComparison.Ordinal))
            {
                SshCertificate certificate = SshCertificate.Parse(line);
                reason = krl.RevokedBecause(certificate.Key.GetBlob(), certificate);
                kind = "certificate";
            }
            else
            {
                reason = krl.RevokedBecause(SshPublicKey.Parse(line).GetBlob(), null);
                kind = "key";
            }

            return new RevocationCheck(full, kind, reason != null, reason);
        }
    }
}
