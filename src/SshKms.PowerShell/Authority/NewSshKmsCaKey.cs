using System.Management.Automation;
using SshKms.Core;
using SshKms.Core.Authority;

namespace SshKms.PowerShell.Authority
{
    /// <summary>Creates a CA key: a KMS asymmetric SIGN_VERIFY key (with its alias), or a local key.</summary>
    [Cmdlet(VerbsCommon.New, "SshKmsCaKey", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(CaKeyInfo))]
    public sealed class NewSshKmsCaKey : SshKmsAwsCmdlet
    {
        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
        [Alias("KeyId")]
        public string CaKey { get; set; } = string.Empty;

        [Parameter]
        [ValidateSet("ECC_NIST_P256", "ECC_NIST_P384", "ECC_NIST_P521", "ECC_NIST_EDWARDS25519", "RSA_2048", "RSA_3072", "RSA_4096")]
        public string? KeySpec { get; set; }

        protected override void ProcessRecord()
        {
            try
            {
                var options = new CreateCaKeyOptions { CaKey = CaKey, KeySpec = KeySpec, Aws = Aws };
                if (ShouldProcess(CreateCaKeyOperation.Describe(options), "Create CA key"))
                {
                    WriteObject(Await(ct => CreateCaKeyOperation.RunAsync(options, ct)));
                }
            }
            catch (SshKmsException ex)
            {
                WriteSshKmsError(ex, CaKey);
            }
        }
    }
}
