using System;
using System.Threading;
using System.Threading.Tasks;
using SshKms.Core.Aws;
using SshKms.Core.OpenSsh;

namespace SshKms.Core.Rotation
{
    /// <summary>A new Secrets Manager secret holding a fresh SSH key pair.</summary>
    public sealed class CreateKeyPairSecretOptions
    {
        public string SecretId { get; set; } = string.Empty;

        /// <summary>awskms:alias/..., a key id or ARN that encrypts the secret; null: Secrets Manager's default key.</summary>
        public string? KmsKeyId { get; set; }

        /// <summary>ed25519 (the default), ecdsa, rsa3072, rsa4096...</summary>
        public string? KeyType { get; set; }

        /// <summary>The user the key logs in as, recorded in the secret for sessions and rotations.</summary>
        public string? UserName { get; set; }

        public AwsSettings Aws { get; set; } = new AwsSettings();
    }

    /// <summary>Creates the secret; its first version is AWSCURRENT. Returns its description, nothing secret.</summary>
    public static class CreateKeyPairSecretOperation
    {
        public const string DefaultKeyType = "ed25519";

        public static async Task<KeyPairInfo> RunAsync(CreateKeyPairSecretOptions options, CancellationToken cancellationToken)
        {
            if (options == null)
            {
                throw new ArgumentNullException(nameof(options));
            }

            SshKeyAlgorithm algorithm = SshPrivateKey.ParseAlgorithm(options.KeyType ?? DefaultKeyType);
            using var sm = new SecretsManagerClient(options.Aws);
            return await KeyPairSecrets.CreateAsync(sm, options.SecretId, algorithm, options.UserName, options.KmsKeyId, cancellationToken).ConfigureAwait(false);
        }
    }
}
