using System;
using System.Threading;
using System.Threading.Tasks;
using SshKms.Core.Aws;

namespace SshKms.Core.Rotation
{
    /// <summary>One stage of a key-pair secret, with or without its private key.</summary>
    public sealed class GetKeyPairOptions
    {
        public string SecretId { get; set; } = string.Empty;

        /// <summary>AWSCURRENT (the default), AWSPENDING or AWSPREVIOUS.</summary>
        public string? Stage { get; set; }

        /// <summary>Leave the private key out of the result.</summary>
        public bool PublicOnly { get; set; }

        public AwsSettings Aws { get; set; } = new AwsSettings();
    }

    /// <summary>Reads the stage from Secrets Manager for this call only; nothing is cached.</summary>
    public static class GetKeyPairOperation
    {
        public static async Task<KeyPairVersion> RunAsync(GetKeyPairOptions options, CancellationToken cancellationToken)
        {
            if (options == null)
            {
                throw new ArgumentNullException(nameof(options));
            }

            string stage = KeyPairSecrets.NormalizeStage(options.Stage);
            using var sm = new SecretsManagerClient(options.Aws);
            var (info, secret) = await KeyPairSecrets.ReadAsync(sm, options.SecretId, stage, cancellationToken).ConfigureAwait(false);
            using (secret)
            {
                return new KeyPairVersion(info, options.PublicOnly ? null : (byte[])secret.PrivateKeyUtf8.Clone());
            }
        }
    }
}
