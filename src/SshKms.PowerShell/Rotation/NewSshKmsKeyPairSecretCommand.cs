using System.Management.Automation;
using SshKms.Core;
using SshKms.Core.Rotation;

namespace SshKms.PowerShell.Rotation
{
    /// <summary>Creates a Secrets Manager secret holding a fresh SSH key pair (its first version is AWSCURRENT).</summary>
    [Cmdlet(VerbsCommon.New, "SshKmsKeyPairSecret", SupportsShouldProcess = true)]
    [OutputType(typeof(KeyPairInfo))]
    public sealed class NewSshKmsKeyPairSecretCommand : SshKmsAwsCmdlet
    {
        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
        [Alias("Name")]
        public string SecretId { get; set; } = string.Empty;

        /// <summary>awskms:alias/..., a key id or ARN; Secrets Manager's default key when omitted.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [Alias("KmsKey")]
        [ArgumentCompleter(typeof(Completion.KmsKeyCompleter))]
        public string? KmsKeyId { get; set; }

        [Parameter]
        [ValidateSet("ed25519", "ecdsa", "rsa3072", "rsa4096", IgnoreCase = true)]
        public string? KeyType { get; set; }

        [Parameter(ValueFromPipelineByPropertyName = true)]
        [Alias("User")]
        public string? UserName { get; set; }

        protected override void ProcessRecord()
        {
            if (!ShouldProcess(SecretId, "Create a Secrets Manager secret with a new SSH key pair"))
            {
                return;
            }

            try
            {
                WriteObject(Await(ct => CreateKeyPairSecretOperation.RunAsync(new CreateKeyPairSecretOptions
                {
                    SecretId = SecretId,
                    KmsKeyId = KmsKeyId,
                    KeyType = KeyType,
                    UserName = UserName,
                    Aws = Aws,
                }, ct)));
            }
            catch (SshKmsException ex)
            {
                WriteSshKmsError(ex, SecretId);
            }
        }
    }

}
