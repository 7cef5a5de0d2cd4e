using System.Management.Automation;
using SshKms.Core;
using SshKms.Core.Trust;

namespace SshKms.PowerShell.Trust
{
    /// <summary>What CA trust is installed in an sshd configuration: CAs, principals, KRL, host certificates. Only reads.</summary>
    [Cmdlet(VerbsCommon.Get, "SshCaTrust")]
    [OutputType(typeof(CaTrustInfo))]
    public sealed class GetSshCaTrust : SshKmsCmdlet
    {
        [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
        public string? SshdConfigPath { get; set; }

        protected override void ProcessRecord()
        {
            try
            {
                WriteObject(Await(ct => GetCaTrustOperation.RunAsync(new GetCaTrustOptions { SshdConfig = SshdConfigPath }, ct)));
            }
            catch (SshKmsException ex)
            {
                WriteSshKmsError(ex, SshdConfigPath);
            }
        }
    }
}
