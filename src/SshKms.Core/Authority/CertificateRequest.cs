using System;
using System.Collections.Generic;
using SshKms.Core.OpenSsh;

namespace SshKms.Core.Authority
{
    /// <summary>What a caller asks the CA for. Unset fields take the policy's defaults.</summary>
    public sealed class CertificateRequest
    {
        public CertificateRequest(SshPublicKey publicKey)
        {
            PublicKey = publicKey ?? throw new ArgumentNullException(nameof(publicKey));
        }

        public SshPublicKey PublicKey { get; }

        public SshCertificateType Type { get; set; } = SshCertificateType.User;

        public IList<string> Principals { get; } = new List<string>();

        /// <summary>A certificate with no principals is refused unless this is set: it would be valid for any user, or any host name.</summary>
        public bool AnyPrincipal { get; set; }

        /// <summary>How long from now (after back-dating); null: 15 minutes for users, 30 days for hosts.</summary>
        public TimeSpan? Validity { get; set; }

        /// <summary>Explicit window; when set, <see cref="Validity"/> must be null.</summary>
        public DateTimeOffset? ValidFrom { get; set; }

        public DateTimeOffset? ValidTo { get; set; }

        /// <summary>Moves valid-after back to cover clock skew on servers; capped by the policy (5 minutes by default) and counted in its maximum validity.</summary>
        public TimeSpan Backdate { get; set; } = TimeSpan.Zero;

        /// <summary>Template with {principal}, {principals}, {serial}, {caller}, {time}, {fingerprint}; null: the default, which names the caller.</summary>
        public string? KeyIdTemplate { get; set; }

        /// <summary>null: a random non-zero 64-bit serial.</summary>
        public ulong? Serial { get; set; }

        /// <summary>null: ssh-keygen's defaults for user certificates (none for hosts).</summary>
        public IList<string>? Extensions { get; set; }

        public bool NoExtensions { get; set; }

        public string? ForceCommand { get; set; }

        /// <summary>Comma-separated CIDR list, held to what OpenSSH's addr_match_cidr_list reads; user certificates only.</summary>
        public string? SourceAddress { get; set; }

        public bool VerifyRequired { get; set; }

        /// <summary>For RSA CA keys: rsa-sha2-256 instead of the default rsa-sha2-512.</summary>
        public bool RsaSha256 { get; set; }

        /// <summary>Comment on the -cert.pub line; defaults to the key's comment.</summary>
        public string? Comment { get; set; }
    }
}
