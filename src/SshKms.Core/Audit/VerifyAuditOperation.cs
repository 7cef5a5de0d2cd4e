using System.Threading;
using System.Threading.Tasks;
using SshKms.Core.Aws;
using SshKms.Core.Keys;
using SshKms.Core.OpenSsh;

namespace SshKms.Core.Audit
{
    public sealed class VerifyAuditOptions
    {
        /// <summary>A journal other than $SSHKMS_HOME/audit.jsonl; it must exist.</summary>
        public string? JournalPath { get; set; }

        /// <summary>Every seal must be signed by this CA key; null: each seal is checked against the key it names.</summary>
        public string? CaKey { get; set; }

        public AwsSettings Aws { get; set; } = new AwsSettings();
    }

    /// <summary>Checks the journal's hash chain and every seal; AuditChainBroken names the first bad line.</summary>
    public static class VerifyAuditOperation
    {
        public static async Task<AuditVerification> RunAsync(VerifyAuditOptions options, CancellationToken cancellationToken)
        {
            AuditJournal journal = AuditJournal.ExistingOrDefault(options.JournalPath);
            SshPublicKey? pinned = options.CaKey == null
                ? null
                : (await SigningKeys.OpenAsync(KeyUri.Parse(options.CaKey), options.Aws, cancellationToken).ConfigureAwait(false)).PublicKey;
            OperationLog.Report($"Checking the hash chain of {journal.Path}" + (pinned == null ? "." : $"; seals must be signed by {pinned.Fingerprint}."));
            return AuditChain.Verify(journal, pinned);
        }
    }
}
