using System;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using SshKms.Core.Audit;
using SshKms.Core.Aws;
using SshKms.Core.Keys;
using SshKms.Core.OpenSsh;

namespace SshKms.Core.Authority
{
    /// <summary>
    /// Turns certificate requests into certificates signed by one CA key (one Sign call each), enforcing the
    /// policy and appending one audit event per certificate.
    /// </summary>
    public sealed class CertificateAuthority
    {
        private readonly AuditJournal? _journal;

        /// <summary>A CA over a key that is already open. <paramref name="journal"/> null: no audit events are written.</summary>
        public CertificateAuthority(ISigningKey key, string operatorIdentity, CertificatePolicy? policy = null, AuditJournal? journal = null)
        {
            Key = key ?? throw new ArgumentNullException(nameof(key));
            Operator = string.IsNullOrWhiteSpace(operatorIdentity) ? throw new ArgumentException("The operator identity is required.", nameof(operatorIdentity)) : operatorIdentity;
            Policy = policy ?? CertificatePolicy.Default;
            _journal = journal;
        }

        /// <summary>
        /// Opens the CA key named by <paramref name="caKey"/> and resolves the operator identity once, with the
        /// default policy and the default journal ($SSHKMS_HOME/audit.jsonl).
        /// </summary>
        public static async Task<CertificateAuthority> OpenAsync(KeyUri caKey, AwsSettings aws, CancellationToken cancellationToken)
        {
            ISigningKey key = await SigningKeys.OpenAsync(caKey, aws, cancellationToken).ConfigureAwait(false);
            string caller = await SigningKeys.GetOperatorIdentityAsync(caKey, aws, cancellationToken).ConfigureAwait(false);
            return new CertificateAuthority(key, caller, CertificatePolicy.Default, AuditJournal.Default());
        }

        public ISigningKey Key { get; }

        /// <summary>Who is asking: the STS caller ARN for awskms, user@host for local. Goes into key ids and audit events.</summary>
        public string Operator { get; }

        public CertificatePolicy Policy { get; }

        /// <summary>The journal events go to; null when auditing is off.</summary>
        public AuditJournal? Journal => _journal;

        /// <summary>Checks the request against the policy, signs once, verifies the signature, and records a certificate.issued event.</summary>
        public async Task<SshCertificate> IssueAsync(CertificateRequest request, CancellationToken cancellationToken)
        {
            SshCertificateBuilder builder = Policy.Apply(request, Key.PublicKey, Operator);
            string? rsaAlgorithm = request.RsaSha256 ? SshSignature.RsaSha256 : null;

            // No signature the journal could not record: an unwritable journal or a full disk fails here, before KMS.
            _journal?.EnsureWritable();
            SigningResult signed = await Key.SignAsync(builder.GetBytesToSign(), rsaAlgorithm, cancellationToken).ConfigureAwait(false);
            SshCertificate certificate = builder.Complete(signed.SignatureBlob);

            // A signature that does not verify under the CA's published key (a KMS key swapped behind an alias, a
            // provider bug) would give a certificate sshd rejects with no useful log line: refuse it here instead.
            SshSignatureVerifier.EnsureValid(Key.PublicKey, certificate.GetSignedBytes(), certificate.Signature, "CA");
            _journal?.Append(IssuedEvent(certificate, signed.RequestId));
            return certificate;
        }

        private AuditEvent IssuedEvent(SshCertificate c, string? requestId) =>
            new AuditEvent(AuditEvent.CertificateIssued, Operator)
                .With("caKey", Key.Uri.ToString())
                .With("caKeyArn", Key.KeyArn)
                .With("caFingerprint", Key.PublicKey.Fingerprint)
                .With("kmsRequestId", requestId)
                .With("serial", c.Serial)
                .With("keyId", c.KeyId)
                .With("certificateType", c.Type == SshCertificateType.Host ? "host" : "user")
                .With("principals", c.Principals.ToList())
                .With("validAfter", c.ValidFrom)
                .With("validBefore", c.ValidTo.HasValue ? (object)c.ValidTo.Value : "forever")
                .With("subjectKeyType", c.Key.KeyType)
                .With("subjectFingerprint", c.Key.Fingerprint)
                .With("signatureAlgorithm", c.SignatureAlgorithm);
    }
}
