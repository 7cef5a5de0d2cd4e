using System;
using System.Collections.Generic;

namespace SshKms.Core.Audit
{
    public sealed class ReadAuditOptions
    {
        /// <summary>A journal other than $SSHKMS_HOME/audit.jsonl; it must exist.</summary>
        public string? JournalPath { get; set; }

        /// <summary>Event types, with wildcards (certificate.*); none: every type.</summary>
        public string[]? Types { get; set; }

        public DateTimeOffset? Since { get; set; }

        public DateTimeOffset? Until { get; set; }

        /// <summary>The operator, with wildcards.</summary>
        public string? Operator { get; set; }

        public ulong? Serial { get; set; }

        public string? HostName { get; set; }

        public string? SecretId { get; set; }

        /// <summary>Only the last N matching events.</summary>
        public int? Last { get; set; }
    }

    public sealed class ReadAuditResult
    {
        internal ReadAuditResult(string journalPath, IReadOnlyList<AuditRecord> records, IReadOnlyList<SshKmsException> invalidLines)
        {
            JournalPath = journalPath;
            Records = records;
            InvalidLines = invalidLines;
        }

        public string JournalPath { get; }

        /// <summary>The matching events, oldest first.</summary>
        public IReadOnlyList<AuditRecord> Records { get; }

        /// <summary>Lines that could not be read and were skipped (AuditJournalLineInvalid), for the caller's warnings.</summary>
        public IReadOnlyList<SshKmsException> InvalidLines { get; }
    }

    /// <summary>Reads the audit journal's events, filtered.</summary>
    public static class ReadAuditOperation
    {
        public static ReadAuditResult Run(ReadAuditOptions options)
        {
            var filter = new AuditFilter
            {
                Since = options.Since,
                Until = options.Until,
                Operator = options.Operator,
                Serial = options.Serial,
                HostName = options.HostName,
                SecretId = options.SecretId,
                Last = options.Last,
            };
            foreach (string type in options.Types ?? Array.Empty<string>())
            {
                filter.Types.Add(type);
            }

            AuditJournal journal = AuditJournal.ExistingOrDefault(options.JournalPath);
            var invalid = new List<SshKmsException>();
            IReadOnlyList<AuditRecord> records = journal.Read(filter, invalid.Add);
            return new ReadAuditResult(journal.Path, records, invalid);
        }
    }
}
