using System.Management.Automation;
using SshKms.Core;
using SshKms.Core.Audit;
using SshKms.Core.Keys;

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
                KeyUri caKey = KeyUri.ParseOrDefaultCa(CaKey);
                AuditJournal journal = Path == null ? AuditJournal.Default() : AuditJournal.Existing(GetUnresolvedProviderPathFromPSPath(Path));
                if (!ShouldProcess(journal.Path, $"Seal the audit journal with {caKey} (one signature)"))
                {
                    return;
                }

                WriteVerbose($"Verifying {journal.Path}, then signing its head with {caKey} and appending an {AuditSeal.EventType} line.");
                AuditSealInfo seal = Await(ct => AuditSeal.SealAsync(journal, caKey, Aws, ct));
                WriteVerbose($"Seal at line {seal.LineNumber}: head {seal.Head}, {seal.Fingerprint}" + (seal.KmsRequestId == null ? "." : $", KMS request {seal.KmsRequestId}."));
                WriteObject(seal);
            }
            catch (SshKmsException ex)
            {
                ThrowSshKmsError(ex, Path ?? CaKey);
            }
        }
    }
}
