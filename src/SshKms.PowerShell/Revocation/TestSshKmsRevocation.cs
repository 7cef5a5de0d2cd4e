using System.Management.Automation;
using SshKms.Core;
using SshKms.Core.Revocation;

namespace SshKms.PowerShell.Revocation
{
    /// <summary>Checks public keys and certificates against a KRL as sshd would, like `ssh-keygen -Q`. Only reads.</summary>
    [Cmdlet(VerbsDiagnostic.Test, "SshKmsRevocation")]
    [OutputType(typeof(RevocationCheck))]
    public sealed class TestSshKmsRevocation : SshKmsCmdlet
    {
        [Parameter(Mandatory = true, Position = 0)]
        public string KrlPath { get; set; } = string.Empty;

        [Parameter(Mandatory = true, Position = 1, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("FullName")]
        public string[] Path { get; set; } = new string[0];

        protected override void ProcessRecord()
        {
            foreach (string path in Path)
            {
                try
                {
                    var options = new TestRevocationOptions { KrlPath = GetUnresolvedProviderPathFromPSPath(KrlPath), Paths = new[] { GetUnresolvedProviderPathFromPSPath(path) } };
                    foreach (RevocationCheck check in Await(ct => TestRevocationOperation.RunAsync(options, ct)))
                    {
                        WriteObject(check);
                    }
                }
                catch (SshKmsException ex)
                {
                    WriteSshKmsError(ex, path);
                }
            }
        }
    }
}
