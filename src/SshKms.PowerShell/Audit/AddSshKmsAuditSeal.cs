using System.Management.Automation;
using SshKms.Core;
using SshKms.Core.Audit;

namespace SshKms.PowerShell.Audit
{
    /// <summary>
    /// Seals the audit journal: the CA key (one KMS Sign, or the local key) signs the hash chain's head and a seal line
    /// is appended. Rewriting any line before the seal then needs the CA key; Get-SshKmsAudit -Verify checks it.
    /// </summary>
    [Cmdlet(VerbsCommon.Add, "SshKmsAuditSeal", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
    [OutputType(typeof(AuditSealInfo))]
    public sealed class AddSshKmsAuditSeal : SshKmsAwsCmdlet
    {
        /// <summary>The CA key that signs the seal: awskms:..., local:..., or $SSHKMS_CA / local:default when not given.</summary>
        [Parameter(Position = 0)]
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
                var options = new SealAuditOptions
                {
                    JournalPath = Path == null ? null : GetUnresolvedProviderPathFromPSPath(Path),
                    CaKey = CaKey,
                    Aws = Aws,
                };
                if (!ShouldProcess(SealAuditOperation.Describe(options), "Seal the audit journal (one signature)"))
                {
                    return;
                }

                WriteObject(Await(ct => SealAuditOperation.RunAsync(options, ct)));
            }
            catch (SshKmsException ex)
            {
                ThrowSshKmsError(ex, Path ?? CaKey);
            }
        }
    }
}
