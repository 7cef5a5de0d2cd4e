using System;
using System.Collections.Concurrent;
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

        // Imported once: re-importing the CA's public key for every verification cost more than the verification.
        private readonly SshKeyVerifier _verifier;
        private readonly string _caFingerprint;

        /// <summary>A CA over a key that is already open. <paramref name="journal"/> null: no audit events are written.</summary>
        public CertificateAuthority(ISigningKey key, string operatorIdentity, CertificatePolicy? policy = null, AuditJournal? journal = null)
        {
            Key = key ?? throw new ArgumentNullException(nameof(key));
            Operator = string.IsNullOrWhiteSpace(operatorIdentity) ? throw new ArgumentException("The operator identity is required.", nameof(operatorIdentity)) : operatorIdentity;
            Policy = policy ?? CertificatePolicy.Default;
            _journal = journal;
            _verifier = new SshKeyVerifier(key.PublicKey);
            _caFingerprint = key.PublicKey.Fingerprint;
        }

        /// <summary>
        /// Opens the CA key named by <paramref name="caKey"/> and resolves the operator identity once, with the
        /// default policy and the default journal ($SSHKMS_HOME/audit.jsonl), for callers with no options of their own.
        /// </summary>
        public static Task<CertificateAuthority> OpenAsync(KeyUri caKey, AwsSettings aws, CancellationToken cancellationToken) =>
            OpenAsync(caKey, false, CertificatePolicy.Default, AuditJournal.Default(), aws, cancellationToken);

        /// <summary>
        /// Opens the CA key and resolves the operator identity once; certificates are held to <paramref name="policy"/>
        /// and recorded in <paramref name="journal"/> (null: not recorded). A missing local: CA key is made only as
        /// <see cref="LocalKeyCreation.MayCreateOnUse"/> allows (local:default, or <paramref name="create"/>), and
        /// <see cref="CreatedKey"/> then says so.
        /// </summary>
        public static async Task<CertificateAuthority> OpenAsync(KeyUri caKey, bool create, CertificatePolicy policy, AuditJournal? journal,
            AwsSettings aws, CancellationToken cancellationToken)
        {
            // The key (GetPublicKey, cached per process) and the caller (GetCallerIdentity) are independent round trips: ask both at once.
            Task<(ISigningKey Key, KeyCreated? Created)> opening = SigningKeys.OpenForSigningAsync(caKey, create, aws, cancellationToken);
            Task<string> asking = OperatorIdentityAsync(caKey, aws, cancellationToken);
            try
            {
                await Task.WhenAll(opening, asking).ConfigureAwait(false);
            }
            catch (Exception)
            {
                // Rethrown below in order: a key that cannot be opened is the error to report first.
            }

            (ISigningKey key, KeyCreated? created) = await opening.ConfigureAwait(false);
            string caller = await asking.ConfigureAwait(false);
            return new CertificateAuthority(key, caller, policy ?? throw new ArgumentNullException(nameof(policy)), journal) { CreatedKey = created };
        }

        /// <summary>The local CA key this CA made when it was opened, for the caller's warning; null when it existed.</summary>
        public KeyCreated? CreatedKey { get; private set; }

        private static readonly ConcurrentDictionary<string, string> CallerArns = new ConcurrentDictionary<string, string>(StringComparer.Ordinal);

        /// <summary>
        /// The operator identity, asked of STS once per process per set of credentials: every cmdlet call opens the CA
        /// again, and GetCallerIdentity is a round trip as long as the Sign itself. The key includes the access key id,
        /// so other credentials (another profile, a refreshed role session) are asked again.
        /// </summary>
        private static async Task<string> OperatorIdentityAsync(KeyUri caKey, AwsSettings aws, CancellationToken cancellationToken)
        {
            if (caKey.Provider == KeyProviderKind.Local)
            {
                return await SigningKeys.GetOperatorIdentityAsync(caKey, aws, cancellationToken).ConfigureAwait(false);
            }

            aws = aws ?? new AwsSettings();
            ResolvedAwsSettings resolved = AwsClientFactory.ResolveCredentialsAndRegion(aws);
            string accessKey;
            try
            {
                accessKey = (await resolved.Credentials.GetCredentialsAsync().ConfigureAwait(false)).AccessKey;
            }
            catch (Exception ex) when (!(ex is SshKmsException))
            {
                throw AwsErrors.Map(ex, "Resolving AWS credentials");
            }

            string cacheKey = string.Join("|", aws.EndpointUrl, resolved.EndpointUrl, resolved.Region, aws.ProfileName, accessKey);
            if (CallerArns.TryGetValue(cacheKey, out string? known))
            {
                return known;
            }

            string arn = await SigningKeys.GetOperatorIdentityAsync(caKey, aws, cancellationToken).ConfigureAwait(false);
            CallerArns[cacheKey] = arn;
            return arn;
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
            byte[] toSign = builder.GetBytesToSign();
            SigningResult signed = await Key.SignAsync(toSign, rsaAlgorithm, cancellationToken).ConfigureAwait(false);
            SshCertificate certificate = builder.Complete(signed.SignatureBlob);

            // A signature that does not verify under the CA's published key (a KMS key swapped behind an alias, a
            // provider bug) would give a certificate sshd rejects with no useful log line: refuse it here instead.
            _verifier.EnsureValid(certificate.GetSignedBytes(), certificate.Signature, "CA");
            _journal?.Append(IssuedEvent(certificate, signed.RequestId));
            return certificate;
        }

        private AuditEvent IssuedEvent(SshCertificate c, string? requestId) =>
            new AuditEvent(AuditEvent.CertificateIssued, Operator)
                .With("caKey", Key.Uri.ToString())
                .With("caKeyArn", Key.KeyArn)
                .With("caFingerprint", _caFingerprint)
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
