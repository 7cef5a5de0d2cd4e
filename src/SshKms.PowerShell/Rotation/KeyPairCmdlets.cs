using System;
using System.Collections.Generic;
using System.Management.Automation;
using System.Security;
using System.Text;
using System.Threading;
using SshKms.Core;
using SshKms.Core.Aws;
using SshKms.Core.OpenSsh;
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

    /// <summary>One version of a key-pair secret as Get-SshKmsKeyPair returns it.</summary>
    public sealed class SshKmsKeyPair : KeyPairInfo
    {
        public SshKmsKeyPair(KeyPairInfo info, object? privateKey)
            : base(info)
        {
            PrivateKey = privateKey;
        }

        /// <summary>A SecureString, a string with -AsPlainText, or null with -PublicOnly.</summary>
        public object? PrivateKey { get; }
    }

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
