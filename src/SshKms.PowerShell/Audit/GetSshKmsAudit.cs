using System;
using System.Management.Automation;
using SshKms.Core;
using SshKms.Core.Audit;

namespace SshKms.PowerShell.Audit
{
    /// <summary>
    /// Reads the audit journal: one AuditRecord per event, oldest first, with Type, Time, Operator and the shared
    /// fields (Serial, HostName, SecretId, ...) as properties, and every field in Fields. -Verify checks its hash
    /// chain and seals; -CloudTrail lists the CA key's KMS signatures from CloudTrail against it.
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "SshKmsAudit", DefaultParameterSetName = ReadSet)]
    [OutputType(typeof(AuditRecord), ParameterSetName = new[] { ReadSet })]
    [OutputType(typeof(AuditVerification), ParameterSetName = new[] { VerifySet })]
    [OutputType(typeof(CloudTrailSignature), ParameterSetName = new[] { CloudTrailSet })]
    public sealed class GetSshKmsAudit : SshKmsAwsCmdlet
    {
        private const string ReadSet = "Read";
        private const string VerifySet = "Verify";
        private const string CloudTrailSet = "CloudTrail";

        [Parameter(Position = 0, ParameterSetName = ReadSet)]
        [SupportsWildcards]
        public string[] Type { get; set; } = new string[0];

        [Parameter(ParameterSetName = ReadSet)]
        [Parameter(ParameterSetName = CloudTrailSet)]
        public DateTime? Since { get; set; }

        [Parameter(ParameterSetName = ReadSet)]
        [Parameter(ParameterSetName = CloudTrailSet)]
        public DateTime? Until { get; set; }

        [Parameter(ParameterSetName = ReadSet)]
        [SupportsWildcards]
        public string? Operator { get; set; }

        /// <summary>Binds Serial from Get-SshCertificate and New-SshKmsCertificate, CertificateSerial from Invoke-SshKmsSession.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true, ParameterSetName = ReadSet)]
        [Alias("CertificateSerial")]
        public ulong? Serial { get; set; }

        [Parameter(ParameterSetName = ReadSet)]
        [Alias("ComputerName", "Host")]
        public string? HostName { get; set; }

        [Parameter(ValueFromPipelineByPropertyName = true, ParameterSetName = ReadSet)]
        public string? SecretId { get; set; }

        [Parameter(ParameterSetName = ReadSet)]
        [ValidateRange(1, int.MaxValue)]
        public int? Last { get; set; }

        /// <summary>Checks the hash chain and every seal instead of listing events; AuditChainBroken names the first bad line.</summary>
        [Parameter(Mandatory = true, ParameterSetName = VerifySet)]
        public SwitchParameter Verify { get; set; }

        /// <summary>Lists the CA key's KMS Sign events from CloudTrail, each matched to its journal line.</summary>
        [Parameter(Mandatory = true, ParameterSetName = CloudTrailSet)]
        public SwitchParameter CloudTrail { get; set; }

        /// <summary>
        /// -Verify: every seal must be signed by this key. -CloudTrail: the KMS key whose signatures are listed
        /// ($SSHKMS_CA when not given, as every CA parameter).
        /// </summary>
        [Parameter(ParameterSetName = VerifySet)]
        [Parameter(ParameterSetName = CloudTrailSet)]
        [Alias("Ca")]
        public string? CaKey { get; set; }

        /// <summary>A journal other than $SSHKMS_HOME/audit.jsonl; it must exist.</summary>
        [Parameter]
        [Alias("FullName")]
        public string? Path { get; set; }

        protected override void ProcessRecord()
        {
            try
            {
                if (Verify.IsPresent)
                {
                    WriteVerification();
                }
                else if (CloudTrail.IsPresent)
                {
                    WriteCloudTrail();
                }
                else
                {
                    WriteRecords();
                }
            }
            catch (SshKmsException ex)
            {
                ThrowSshKmsError(ex, Path);
            }
        }

        private void WriteVerification()
        {
            var options = new VerifyAuditOptions { JournalPath = JournalPath(), CaKey = CaKey, Aws = Aws };
            AuditVerification result = Await(ct => VerifyAuditOperation.RunAsync(options, ct));
            if (result.UnchainedLines > 0)
            {
                WriteWarning($"Lines 1 to {result.UnchainedLines} predate the hash chain and are not protected.");
            }

            if (result.Seals.Count == 0 && result.Lines > 0)
            {
                WriteWarning("The journal has no seal: anyone who can write the file can rewrite it whole. Seal it with Add-SshKmsAuditSeal.");
            }

            WriteObject(result);
        }

        private void WriteCloudTrail()
        {
            var options = new CloudTrailAuditOptions { JournalPath = JournalPath(), CaKey = CaKey, Since = Utc(Since), Until = Utc(Until), Aws = Aws };
            foreach (CloudTrailSignature signature in Await(ct => CloudTrailAuditOperation.RunAsync(options, ct)))
            {
                if (!signature.InJournal)
                {
                    WriteWarning($"KMS signature {signature.RequestId} by {signature.Caller} at {signature.Time:u} is not in the journal: it was made outside SshKms, or its line was deleted.");
                }

                WriteObject(signature);
            }
        }

        private void WriteRecords()
        {
            var filter = new AuditFilter
            {
                Since = Utc(Since),
                Until = Utc(Until),
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

            ReadAuditResult result = ReadAuditOperation.Run(new ReadAuditOptions { JournalPath = JournalPath(), Filter = filter });
            foreach (SshKmsException invalid in result.InvalidLines)
            {
                WriteWarning(invalid.Message);
            }

            foreach (AuditRecord record in result.Records)
            {
                WriteObject(record);
            }
        }

        private static DateTimeOffset? Utc(DateTime? time) => time.HasValue ? new DateTimeOffset(time.Value.ToUniversalTime()) : (DateTimeOffset?)null;

        private string? JournalPath() => Path == null ? null : GetUnresolvedProviderPathFromPSPath(Path);
    }
}
