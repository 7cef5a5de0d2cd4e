using System.Management.Automation;
using SshKms.Core;
using SshKms.Core.Trust;

namespace SshKms.PowerShell.Trust
{
    /// <summary>Whether sshd, as configured now, trusts the CA keys: $true or $false, or with -Detailed the problems found.</summary>
    [Cmdlet(VerbsDiagnostic.Test, "SshCaTrust")]
    [OutputType(typeof(bool), typeof(CaTrustTest))]
    public sealed class TestSshCaTrust : SshKmsAwsCmdlet
    {
        [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
        [Alias("KeyUri")]
        [ArgumentCompleter(typeof(Completion.CaKeyCompleter))]
        public string[]? CaKey { get; set; }

        [Parameter]
        public string? SshdConfigPath { get; set; }

        [Parameter]
        public string? User { get; set; }

        [Parameter]
        public string? SshdPath { get; set; }

        [Parameter]
        public SwitchParameter Detailed { get; set; }

        protected override void ProcessRecord()
        {
            try
            {
                var options = new TestCaTrustOptions { CaKeys = CaKey ?? new string[0], SshdConfig = SshdConfigPath, User = User, SshdPath = SshdPath, Aws = Aws };
                CaTrustTest test = Await(ct => TestCaTrustOperation.RunAsync(options, ct));
                foreach (string problem in test.Problems)
                {
                    WriteVerbose(problem);
                }

                WriteObject(Detailed.IsPresent ? test : (object)test.IsTrusted);
            }
            catch (SshKmsException ex)
            {
                WriteSshKmsError(ex, SshdConfigPath);
            }
        }
    }
}
