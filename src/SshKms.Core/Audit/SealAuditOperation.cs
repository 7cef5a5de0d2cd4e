using System.Threading;
using System.Threading.Tasks;
using SshKms.Core.Aws;
using SshKms.Core.Keys;

namespace SshKms.Core.Audit
{
    public sealed class SealAuditOptions
    {
        /// <summary>A journal other than $SSHKMS_HOME/audit.jsonl; it must exist.</summary>
        public string? JournalPath { get; set; }

        /// <summary>The CA key that signs the seal; null: $SSHKMS_CA, then local:default.</summary>
        public string? CaKey { get; set; }

        public AwsSettings Aws { get; set; } = new AwsSettings();
    }

    /// <summary>
    /// Seals the journal: the CA key signs the hash chain's head once and a seal line is appended, so rewriting any
    /// line before it needs the CA key. A broken chain is never sealed.
    /// </summary>
    public static class SealAuditOperation
    {
        /// <summary>The journal the options name, for a confirmation prompt; nothing is read or signed.</summary>
        public static string Describe(SealAuditOptions options) =>
            $"{AuditJournal.ExistingOrDefault(options.JournalPath).Path} with {KeyUri.ParseOrDefaultCa(options.CaKey)}";

        public static async Task<AuditSealInfo> RunAsync(SealAuditOptions options, CancellationToken cancellationToken)
        {
            AuditJournal journal = AuditJournal.ExistingOrDefault(options.JournalPath);
            KeyUri caKey = KeyUri.ParseOrDefaultCa(options.CaKey);
            OperationLog.Report($"Verifying {journal.Path}, then signing its head with {caKey} and appending an {AuditSeal.EventType} line.");
            AuditSealInfo seal = await AuditSeal.SealAsync(journal, caKey, options.Aws, cancellationToken).ConfigureAwait(false);
            OperationLog.Report($"Seal at line {seal.LineNumber}: head {seal.Head}, {seal.Fingerprint}" + (seal.KmsRequestId == null ? "." : $", KMS request {seal.KmsRequestId}."));
            return seal;
        }
    }
}
