using System.Management.Automation;
using SshKms.Core;
using SshKms.Core.Revocation;

namespace SshKms.PowerShell.Revocation
{
    /// <summary>Reads a KRL (ours or ssh-keygen's) and writes what it revokes. Only reads.</summary>
    [Cmdlet(VerbsCommon.Get, "SshKmsRevocation", DefaultParameterSetName = "Path")]
    [OutputType(typeof(RevocationList))]
    public sealed class GetSshKmsRevocation : SshKmsCmdlet
    {
        [Parameter(Position = 0, ParameterSetName = "Path", ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("FullName", "KrlPath")]
        public string? Path { get; set; }

        [Parameter(Mandatory = true, ParameterSetName = "CaKey")]
        [Alias("KeyUri")]
        [ArgumentCompleter(typeof(Completion.CaKeyCompleter))]
        public string? CaKey { get; set; }

        protected override void ProcessRecord()
        {
            try
            {
                var options = new ReadRevocationListOptions { Path = Path == null ? null : GetUnresolvedProviderPathFromPSPath(Path), CaKey = CaKey };
                WriteObject(Await(ct => ReadRevocationListOperation.RunAsync(options, ct)));
            }
            catch (SshKmsException ex)
            {
                WriteSshKmsError(ex, Path ?? CaKey);
            }
        }
    }
}
