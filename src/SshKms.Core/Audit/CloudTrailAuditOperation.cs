using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using SshKms.Core.Aws;
using SshKms.Core.Keys;

namespace SshKms.Core.Audit
{
    public sealed class CloudTrailAuditOptions
    {
        /// <summary>A journal other than $SSHKMS_HOME/audit.jsonl; it must exist.</summary>
        public string? JournalPath { get; set; }

        /// <summary>The KMS CA key whose signatures are listed; null: $SSHKMS_CA, then local:default (which CloudTrail cannot see).</summary>
        public string? CaKey { get; set; }

        /// <summary>null: one day before Until.</summary>
        public DateTimeOffset? Since { get; set; }

        /// <summary>null: now.</summary>
        public DateTimeOffset? Until { get; set; }

        public AwsSettings Aws { get; set; } = new AwsSettings();
    }

    /// <summary>Lists the CA key's KMS Sign events from CloudTrail, each matched to its journal line (or to none: signed outside SshKms).</summary>
    public static class CloudTrailAuditOperation
    {
        public static async Task<IReadOnlyList<CloudTrailSignature>> RunAsync(CloudTrailAuditOptions options, CancellationToken cancellationToken)
        {
            DateTimeOffset until = options.Until ?? DateTimeOffset.UtcNow;
            DateTimeOffset since = options.Since ?? until.AddDays(-1);
            AuditJournal journal = AuditJournal.ExistingOrDefault(options.JournalPath);
            KeyUri caKey = KeyUri.ParseOrDefaultCa(options.CaKey);
            OperationLog.Report($"CloudTrail LookupEvents for the KMS key {caKey} from {since:u} to {until:u}; matching against {journal.Path}.");
            return await CloudTrailSignatures.ListAsync(journal, caKey, options.Aws, since, until, cancellationToken).ConfigureAwait(false);
        }
    }
}
