using System.Management.Automation;
using SshKms.Core;
using SshKms.Core.Authority;

namespace SshKms.PowerShell.Authority
{
    /// <summary>
    /// Prints the CA's OpenSSH public key line for TrustedUserCAKeys, or with -ForHost the known_hosts @cert-authority
    /// line. Only reads: a missing local: key is KeyNotFound, never created (a typo must not become a CA).
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "SshKmsCaPublicKey")]
    [OutputType(typeof(string))]
    public sealed class GetSshKmsCaPublicKey : SshKmsAwsCmdlet
    {
        [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
        [Alias("KeyId", "KeyUri")]
        [ArgumentCompleter(typeof(Completion.CaKeyCompleter))]
        public string? CaKey { get; set; }

        [Parameter]
        public SwitchParameter ForHost { get; set; }

        protected override void ProcessRecord()
        {
            try
            {
                var options = new GetCaPublicKeyOptions { CaKey = CaKey, ForHost = ForHost.IsPresent, Aws = Aws };
                WriteObject(Await(ct => GetCaPublicKeyOperation.RunAsync(options, ct)));
            }
            catch (SshKmsException ex)
            {
                WriteSshKmsError(ex, CaKey);
            }
        }
    }
}
