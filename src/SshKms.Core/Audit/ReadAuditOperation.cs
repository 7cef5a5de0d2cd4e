using System.Collections.Generic;

namespace SshKms.Core.Audit
{
    public sealed class ReadAuditOptions
    {
        /// <summary>A journal other than $SSHKMS_HOME/audit.jsonl; it must exist.</summary>
        public string? JournalPath { get; set; }

        /// <summary>Which events: types, time window, operator, serial, host, secret, the last N.</summary>
        public AuditFilter Filter { get; set; } = new AuditFilter();
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
            AuditJournal journal = AuditJournal.ExistingOrDefault(options.JournalPath);
            var invalid = new List<SshKmsException>();
            IReadOnlyList<AuditRecord> records = journal.Read(options.Filter, invalid.Add);
            return new ReadAuditResult(journal.Path, records, invalid);
        }
    }
}
