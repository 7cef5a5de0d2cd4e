using System;
using System.Globalization;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using SshKms.Core.Aws;
using SshKms.Core.Keys;
using SshKms.Core.OpenSsh;

namespace SshKms.Core.Audit
{
    /// <summary>One seal in the journal, as verify found it: valid, by this key, over the lines before it.</summary>
    public sealed class AuditSealInfo
    {
        internal AuditSealInfo(int lineNumber, string head, string caKey, string fingerprint, string? kmsRequestId, DateTimeOffset time)
        {
            LineNumber = lineNumber;
            Head = head;
            CaKey = caKey;
            Fingerprint = fingerprint;
            KmsRequestId = kmsRequestId;
            Time = time;
        }

        /// <summary>The seal's own line; it covers every line before it.</summary>
        public int LineNumber { get; }

        /// <summary>The hash of the last line it covers, the message signed.</summary>
        public string Head { get; }

        public string CaKey { get; }

        /// <summary>SHA256 fingerprint of the key that signed it: compare with `sshkms ca public-key`, or pin it with --ca.</summary>
        public string Fingerprint { get; }

        /// <summary>The KMS Sign request id, which CloudTrail records (null for local keys).</summary>
        public string? KmsRequestId { get; }

        public DateTimeOffset Time { get; }

        /// <summary>The journal sealed, when this seal was just made; null for seals read back by a verification.</summary>
        public string? JournalPath { get; internal set; }
    }

    /// <summary>
    /// Seals the journal: the CA key signs the chain's head (the hash of the last line, which commits to every line
    /// before it), and an audit.sealed line records the head, the signature and the key. Rewriting any line before
    /// a seal then means forging a signature by the CA key, which lives in KMS; verify checks every seal.
    /// </summary>
    public static class AuditSeal
    {
        public const string EventType = "audit.sealed";

        /// <summary>Opens the CA key named by <paramref name="caKey"/>, resolves who is sealing, and seals <paramref name="journal"/>.</summary>
        public static async Task<AuditSealInfo> SealAsync(AuditJournal journal, KeyUri caKey, AwsSettings aws, CancellationToken cancellationToken)
        {
            ISigningKey key = await SigningKeys.OpenAsync(caKey, aws, cancellationToken).ConfigureAwait(false);
            string caller = await SigningKeys.GetOperatorIdentityAsync(caKey, aws, cancellationToken).ConfigureAwait(false);
            return await SealAsync(journal, key, caller, cancellationToken).ConfigureAwait(false);
        }

        /// <summary>Verifies the chain (a broken chain is never sealed), signs its head once, and appends the seal line.</summary>
        public static async Task<AuditSealInfo> SealAsync(AuditJournal journal, ISigningKey key, string operatorIdentity, CancellationToken cancellationToken)
        {
            for (int attempt = 0; ; attempt++)
            {
                AuditVerification chain = AuditChain.Verify(journal);
                byte[] message = Message(chain.Head, chain.Lines);
                SigningResult signed = await key.SignAsync(message, null, cancellationToken).ConfigureAwait(false);
                SshSignatureVerifier.EnsureValid(key.PublicKey, message, signed.SignatureBlob, "seal");
                DateTimeOffset now = DateTimeOffset.UtcNow;
                AuditEvent seal = new AuditEvent(EventType, operatorIdentity, now)
                    .With("head", chain.Head)
                    .With("lines", chain.Lines)
                    .With("caKey", key.Uri.ToString())
                    .With("caKeyArn", key.KeyArn)
                    .With("caFingerprint", key.PublicKey.Fingerprint)
                    .With("caPublicKey", key.PublicKey.KeyType + " " + Convert.ToBase64String(key.PublicKey.GetBlob()))
                    .With("signatureAlgorithm", signed.Algorithm)
                    .With("signature", Convert.ToBase64String(signed.SignatureBlob))
                    .With("kmsRequestId", signed.RequestId);

                // Another writer may have appended while KMS signed: the seal must sit right after the head it signed.
                if (journal.TryAppend(seal, chain.Head))
                {
                    return new AuditSealInfo(chain.Lines + 1, chain.Head, key.Uri.ToString(), key.PublicKey.Fingerprint, signed.RequestId, now) { JournalPath = journal.Path };
                }

                if (attempt == 2)
                {
                    throw new SshKmsException("AuditSealRaced", SshKmsErrorCategory.ResourceUnavailable,
                        $"The audit journal {journal.Path} kept growing while its head was being signed; seal it again.");
                }
            }
        }

        /// <summary>What a seal signs: a label (so the signature means nothing elsewhere), the head and the line count.</summary>
        internal static byte[] Message(string head, int lines) =>
            Encoding.UTF8.GetBytes("sshkms-audit-seal-v1\n" + head + "\n" + lines.ToString(CultureInfo.InvariantCulture) + "\n");

        /// <summary>Checks a seal line against the hash of the line before it; AuditChainBroken naming the seal's line if it does not hold.</summary>
        internal static AuditSealInfo Check(AuditJournal journal, AuditRecord seal, string head, int lines, SshPublicKey? pinned)
        {
            int number = seal.LineNumber;
            if (!(seal["head"] is string sealedHead) || sealedHead != head || !(seal["lines"] is ulong count) || count != (ulong)lines)
            {
                throw AuditChain.Broken(journal, number, "the seal does not name the head and line count before it");
            }

            SshPublicKey key;
            byte[] signature;
            try
            {
                key = SshPublicKey.Parse((seal["caPublicKey"] as string) ?? string.Empty);
                signature = Convert.FromBase64String((seal["signature"] as string) ?? string.Empty);
            }
            catch (Exception ex) when (ex is SshKmsException || ex is FormatException)
            {
                throw AuditChain.Broken(journal, number, "the seal's key or signature is unreadable");
            }

            if (pinned != null && pinned.Fingerprint != key.Fingerprint)
            {
                throw AuditChain.Broken(journal, number, $"the seal was made by {key.Fingerprint}, not by the CA key {pinned.Fingerprint}");
            }

            if (SshSignatureVerifier.Check(key, Message(head, lines), signature) != SshSignatureStatus.Valid)
            {
                throw AuditChain.Broken(journal, number, $"the seal's signature by {key.Fingerprint} does not verify: the lines before it were changed after it was made");
            }

            return new AuditSealInfo(number, head, (seal["caKey"] as string) ?? string.Empty, key.Fingerprint, seal["kmsRequestId"] as string, seal.Time);
        }
    }
}
