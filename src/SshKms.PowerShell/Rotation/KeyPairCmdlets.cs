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
        public string KeyType { get; set; } = "ed25519";

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
                WriteObject(Await(CreateAsync));
            }
            catch (SshKmsException ex)
            {
                WriteSshKmsError(ex, SecretId);
            }
        }

        private async System.Threading.Tasks.Task<KeyPairInfo> CreateAsync(CancellationToken cancellationToken)
        {
            using var sm = new SecretsManagerClient(Aws);
            return await KeyPairSecrets.CreateAsync(sm, SecretId, SshPrivateKey.ParseAlgorithm(KeyType), UserName, KmsKeyId, cancellationToken)
                .ConfigureAwait(false);
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
        public string Stage { get; set; } = SecretsManagerClient.Current;

        [Parameter]
        public SwitchParameter AsPlainText { get; set; }

        [Parameter]
        [Alias("Public")]
        public SwitchParameter PublicOnly { get; set; }

        protected override void ProcessRecord()
        {
            try
            {
                WriteObject(Await(ReadAsync));
            }
            catch (SshKmsException ex)
            {
                WriteSshKmsError(ex, SecretId);
            }
        }

        private async System.Threading.Tasks.Task<SshKmsKeyPair> ReadAsync(CancellationToken cancellationToken)
        {
            using var sm = new SecretsManagerClient(Aws);
            var (info, secret) = await KeyPairSecrets.ReadAsync(sm, SecretId, Stage, cancellationToken).ConfigureAwait(false);
            using (secret)
            {
                return new SshKmsKeyPair(info, PublicOnly.IsPresent ? null : AsPlainText.IsPresent ? (object)PlainText(secret) : ParameterValues.ToSecureString(secret.PrivateKeyUtf8));
            }
        }

        /// <summary>-AsPlainText: the user asked for a string, which .NET cannot wipe.</summary>
        private static string PlainText(KeyPairSecret secret) => Encoding.UTF8.GetString(secret.PrivateKeyUtf8);
    }
}
