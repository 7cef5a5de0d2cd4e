using System;
using System.Collections.Generic;
using System.Management.Automation;
using SshKms.Core;
using SshKms.Core.Audit;

namespace SshKms.PowerShell.Audit
{
    /// <summary>
    /// Reads the audit journal: one AuditRecord per event, oldest first, with Type, Time, Operator and the shared
    /// fields (Serial, HostName, SecretId, ...) as properties, and every field in Fields.
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "SshKmsAudit")]
    [OutputType(typeof(AuditRecord))]
    public sealed class GetSshKmsAudit : SshKmsCmdlet
    {
        [Parameter(Position = 0)]
        [SupportsWildcards]
        public string[] Type { get; set; } = new string[0];

        [Parameter]
        public DateTime? Since { get; set; }

        [Parameter]
        public DateTime? Until { get; set; }

        [Parameter]
        [SupportsWildcards]
        public string? Operator { get; set; }

        /// <summary>Binds Serial from Get-SshCertificate and New-SshKmsCertificate, CertificateSerial from Invoke-SshKmsSession.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [Alias("CertificateSerial")]
        public ulong? Serial { get; set; }

        [Parameter]
        [Alias("ComputerName", "Host")]
        public string? HostName { get; set; }

        [Parameter(ValueFromPipelineByPropertyName = true)]
        public string? SecretId { get; set; }

        [Parameter]
        [ValidateRange(1, int.MaxValue)]
        public int? Last { get; set; }

        /// <summary>A journal other than $SSHKMS_HOME/audit.jsonl; it must exist.</summary>
        [Parameter]
        [Alias("FullName")]
        public string? Path { get; set; }

        protected override void ProcessRecord()
        {
            try
            {
                foreach (AuditRecord record in Read(Journal(), ex => WriteWarning(ex.Message)))
                {
                    WriteObject(record);
                }
            }
            catch (SshKmsException ex)
            {
                ThrowSshKmsError(ex, Path);
            }
        }

        private IReadOnlyList<AuditRecord> Read(AuditJournal journal, Action<SshKmsException> onInvalidLine)
        {
            var filter = new AuditFilter
            {
                Since = Since.HasValue ? new DateTimeOffset(Since.Value.ToUniversalTime()) : (DateTimeOffset?)null,
                Until = Until.HasValue ? new DateTimeOffset(Until.Value.ToUniversalTime()) : (DateTimeOffset?)null,
                Operator = Operator,
                Serial = Serial,
                HostName = HostName,
                SecretId = SecretId,
                Last = Last,
            };
            foreach (string type in Type)
            {
                filter.Types.Add(type);
            }

            return journal.Read(filter, onInvalidLine);
        }

        private AuditJournal Journal() => Path == null ? AuditJournal.Default() : AuditJournal.Existing(GetUnresolvedProviderPathFromPSPath(Path));
    }
}
