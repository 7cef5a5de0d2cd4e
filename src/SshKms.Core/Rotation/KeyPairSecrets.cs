using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using SshKms.Core.Aws;
using SshKms.Core.Keys;
using SshKms.Core.OpenSsh;

namespace SshKms.Core.Rotation
{

    /// <summary>Creating and reading key-pair secrets in Secrets Manager.</summary>
    public static class KeyPairSecrets
    {
        /// <summary>Creates the secret with its first key pair as AWSCURRENT, optionally encrypted under a KMS key.</summary>
        public static async Task<KeyPairInfo> CreateAsync(SecretsManagerClient sm, string secretName, SshKeyAlgorithm algorithm, string? userName,
            string? kmsKey, CancellationToken cancellationToken)
        {
            ValidateSecretName(secretName);
            string? kmsKeyId = kmsKey == null ? null : ToKmsKeyId(kmsKey);

            // The ClientRequestToken becomes the VersionId, so the key's comment can name its version before it exists.
            string versionId = Guid.NewGuid().ToString();
            using SshPrivateKey key = SshPrivateKey.Generate(algorithm);
            using KeyPairSecret secret = KeyPairSecret.Create(key, KeyPairSecret.Tag(secretName, versionId), userName);
            byte[] value = secret.ToUtf8();
            SecretVersionRef created = await sm.CreateSecretAsync(secretName, value, kmsKeyId, versionId,
                "SSH key pair managed by SshKms", cancellationToken).ConfigureAwait(false);
            return Describe(secretName, created.ARN, created.VersionId ?? versionId, new[] { SecretsManagerClient.Current }, secret);
        }

        /// <summary>Reads the version carrying <paramref name="stage"/> (AWSCURRENT by default). The caller disposes it to wipe the key.</summary>
        public static async Task<(KeyPairInfo Info, KeyPairSecret Secret)> ReadAsync(SecretsManagerClient sm, string secretId, string? stage,
            CancellationToken cancellationToken)
        {
            string effective = NormalizeStage(stage);
            using SecretValue value = await sm.GetSecretValueAsync(secretId, null, effective, cancellationToken).ConfigureAwait(false);
            KeyPairSecret secret = KeyPairSecret.Parse(value.SecretUtf8);
            if (!secret.HasKeyPair)
            {
                secret.Dispose();
                throw new SshKmsException("KeyPairSecretEmpty", SshKmsErrorCategory.InvalidData,
                    $"The {effective} version of secret '{secretId}' holds no key pair (privateKey and publicKey).");
            }

            return (Describe(value.Name.Length > 0 ? value.Name : secretId, value.ARN, value.VersionId, value.VersionStages, secret), secret);
        }

        public static string NormalizeStage(string? stage)
        {
            string s = (stage ?? SecretsManagerClient.Current).Trim().ToUpperInvariant();
            return s == SecretsManagerClient.Current || s == SecretsManagerClient.Pending || s == SecretsManagerClient.Previous
                ? s
                : throw new SshKmsException("SecretStageInvalid", SshKmsErrorCategory.InvalidArgument,
                    $"'{stage}' is not a stage: use AWSCURRENT, AWSPENDING or AWSPREVIOUS.");
        }

        /// <summary>"awskms:alias/x" or a bare id/alias/ARN becomes the KmsKeyId Secrets Manager takes; local keys cannot encrypt secrets there.</summary>
        public static string ToKmsKeyId(string kmsKey)
        {
            KeyUri uri = KeyUri.Parse(kmsKey);
            return uri.Provider == KeyProviderKind.AwsKms
                ? uri.KeyId
                : throw new SshKmsException("SecretKmsKeyNotAws", SshKmsErrorCategory.InvalidArgument,
                    $"Secrets Manager encrypts with AWS KMS keys only; '{kmsKey}' is a local key.");
        }

        private static void ValidateSecretName(string name)
        {
            // Secrets Manager's own rule; checking it here keeps the name safe inside authorized_keys tags and shell text.
            if (string.IsNullOrEmpty(name) || name.Length > 512)
            {
                throw new SshKmsException("SecretNameInvalid", SshKmsErrorCategory.InvalidArgument, "A secret name is 1 to 512 characters.");
            }

            foreach (char c in name)
            {
                if (!(c < 128 && (char.IsLetterOrDigit(c) || "/_+=.@-".IndexOf(c) >= 0)))
                {
                    throw new SshKmsException("SecretNameInvalid", SshKmsErrorCategory.InvalidArgument,
                        $"'{name}' is not a secret name: use letters, digits and /_+=.@- only.");
                }
            }
        }

        private static KeyPairInfo Describe(string secretId, string? arn, string versionId, IReadOnlyList<string> stages, KeyPairSecret secret)
        {
            SshPublicKey publicKey = secret.ParsePublicKey();
            return new KeyPairInfo
            {
                SecretId = secretId,
                Arn = arn,
                VersionId = versionId,
                VersionStages = stages,
                PublicKey = secret.PublicKey!,
                KeyType = publicKey.KeyType,
                Fingerprint = publicKey.Fingerprint,
                UserName = secret.UserName,
            };
        }
    }
}
