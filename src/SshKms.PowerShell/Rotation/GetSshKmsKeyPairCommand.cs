using System.Management.Automation;
using System.Text;
using SshKms.Core;
using SshKms.Core.Rotation;

namespace SshKms.PowerShell.Rotation
{
    /// <summary>Reads a stage of a key-pair secret; the private key is fetched for this call only and never cached.</summary>
    [Cmdlet(VerbsCommon.Get, "SshKmsKeyPair")]
    [OutputType(typeof(SshKmsKeyPair))]
    public sealed class GetSshKmsKeyPairCommand : SshKmsAwsCmdlet
    {
        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
        [Alias("Name")]
        public string SecretId { get; set; } = string.Empty;

        [Parameter(ValueFromPipelineByPropertyName = true)]
        [ValidateSet("AWSCURRENT", "AWSPENDING", "AWSPREVIOUS", IgnoreCase = true)]
        public string? Stage { get; set; }

        [Parameter]
        public SwitchParameter AsPlainText { get; set; }

        [Parameter]
        [Alias("Public")]
        public SwitchParameter PublicOnly { get; set; }

        protected override void ProcessRecord()
        {
            try
            {
                WriteObject(Read());
            }
            catch (SshKmsException ex)
            {
                WriteSshKmsError(ex, SecretId);
            }
        }

        private SshKmsKeyPair Read()
        {
            using KeyPairVersion version = Await(ct => GetKeyPairOperation.RunAsync(new GetKeyPairOptions
            {
                SecretId = SecretId,
                Stage = Stage,
                PublicOnly = PublicOnly.IsPresent,
                Aws = Aws,
            }, ct));
            byte[]? key = version.PrivateKeyUtf8;

            // -AsPlainText: the user asked for a string, which .NET cannot wipe.
            return new SshKmsKeyPair(version, key == null ? null : AsPlainText.IsPresent ? (object)Encoding.UTF8.GetString(key) : ParameterValues.ToSecureString(key));
        }
    }
}
