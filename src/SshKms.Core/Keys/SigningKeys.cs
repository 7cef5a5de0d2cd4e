using System;
using System.Threading;
using System.Threading.Tasks;
using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using Amazon.SecurityToken;
using Amazon.SecurityToken.Model;
using SshKms.Core.Aws;

namespace SshKms.Core.Keys
{
    /// <summary>
    /// The one entry point that turns a key URI into a signing key, whatever its provider.
    /// </summary>
    public static class SigningKeys
    {
        /// <summary>
        /// Opens an existing CA key, as reads do: awskms: GetPublicKey once per process per key, then cached;
        /// a missing local: key is KeyNotFound, never created.
        /// </summary>
        public static Task<ISigningKey> OpenAsync(KeyUri uri, AwsSettings aws, CancellationToken cancellationToken)
        {
            if (uri == null)
            {
                throw new ArgumentNullException(nameof(uri));
            }

            return Reported(uri.Provider == KeyProviderKind.Local
                ? Task.FromResult(LocalSigningKey.Open(uri))
                : KmsSigningKey.OpenAsync(uri, aws ?? new AwsSettings(), cancellationToken));
        }

        /// <summary>Tells <see cref="OperationLog"/> which key was opened: its URI, type and fingerprint (and the ARN behind an alias).</summary>
        private static async Task<ISigningKey> Reported(Task<ISigningKey> opening)
        {
            ISigningKey key = await opening.ConfigureAwait(false);
            string arn = key.KeyArn == key.Uri.ToString() ? string.Empty : $" ({key.KeyArn})";
            OperationLog.Report($"CA key {key.Uri}{arn}: {key.PublicKey.KeyType} {key.PublicKey.Fingerprint}");
            return key;
        }

        /// <summary>
        /// Opens the CA key to sign with. A missing local: key is created (P-256) only as
        /// <see cref="LocalKeyCreation.MayCreateOnUse"/> allows (local:default, or <paramref name="create"/>);
        /// Created then says so, for the caller's warning.
        /// </summary>
        public static async Task<(ISigningKey Key, KeyCreated? Created)> OpenForSigningAsync(KeyUri uri, bool create, AwsSettings aws, CancellationToken cancellationToken)
        {
            if (uri == null)
            {
                throw new ArgumentNullException(nameof(uri));
            }

            if (uri.Provider == KeyProviderKind.Local)
            {
                (ISigningKey local, KeyCreated? created) = LocalSigningKey.OpenForSigning(uri, create);
                return (await Reported(Task.FromResult(local)).ConfigureAwait(false), created);
            }

            return (await Reported(KmsSigningKey.OpenAsync(uri, aws ?? new AwsSettings(), cancellationToken)).ConfigureAwait(false), null);
        }

        /// <summary>
        /// Creates a new CA key. keySpec uses KMS names (ECC_NIST_P256 default, ECC_NIST_P384, ECC_NIST_P521,
        /// ECC_NIST_EDWARDS25519, RSA_2048/3072/4096). awskms: CreateKey SIGN_VERIFY plus CreateAlias when the URI
        /// names an alias. local: refuses to overwrite an existing key.
        /// </summary>
        public static Task<ISigningKey> CreateAsync(KeyUri uri, string? keySpec, AwsSettings aws, CancellationToken cancellationToken)
        {
            if (uri == null)
            {
                throw new ArgumentNullException(nameof(uri));
            }

            return uri.Provider == KeyProviderKind.Local
                ? Task.FromResult(LocalSigningKey.Create(uri, keySpec))
                : CreateKmsKeyAsync(uri, KmsKeySpecs.Normalize(keySpec, "KmsKeySpecUnsupported"), aws ?? new AwsSettings(), cancellationToken);
        }

        /// <summary>
        /// Who is asking, for key ids and the audit trail: the STS caller ARN for awskms, user@host for local.
        /// </summary>
        public static async Task<string> GetOperatorIdentityAsync(KeyUri uri, AwsSettings aws, CancellationToken cancellationToken)
        {
            if (uri == null)
            {
                throw new ArgumentNullException(nameof(uri));
            }

            if (uri.Provider == KeyProviderKind.Local)
            {
                return $"local:{Environment.UserName}@{Environment.MachineName}";
            }

            return await GetAwsCallerArnAsync(aws, cancellationToken).ConfigureAwait(false);
        }

        /// <summary>The STS caller ARN of the AWS credentials in use: who an audit event names for AWS-only operations.</summary>
        public static async Task<string> GetAwsCallerArnAsync(AwsSettings aws, CancellationToken cancellationToken)
        {
            using (AmazonSecurityTokenServiceClient sts = AwsClientFactory.CreateSts(aws ?? new AwsSettings()))
            {
                GetCallerIdentityResponse response = await AwsErrors.RunAsync(
                    "STS GetCallerIdentity", () => sts.GetCallerIdentityAsync(new GetCallerIdentityRequest(), cancellationToken), cancellationToken)
                    .ConfigureAwait(false);
                return response.Arn;
            }
        }

        private static async Task<ISigningKey> CreateKmsKeyAsync(KeyUri uri, string keySpec, AwsSettings aws, CancellationToken cancellationToken)
        {
            string alias = AliasName(uri);
            using (AmazonKeyManagementServiceClient kms = AwsClientFactory.CreateKms(aws))
            {
                if (await AliasExistsAsync(kms, alias, cancellationToken).ConfigureAwait(false))
                {
                    throw AliasExists(alias);
                }

                CreateKeyResponse created = await AwsErrors.RunAsync(
                    $"KMS CreateKey ({keySpec})",
                    () => kms.CreateKeyAsync(new CreateKeyRequest { KeyUsage = KeyUsageType.SIGN_VERIFY, KeySpec = keySpec, Description = "SshKms SSH CA" }, cancellationToken),
                    cancellationToken).ConfigureAwait(false);
                string keyId = created.KeyMetadata.KeyId;
                try
                {
                    await AwsErrors.RunAsync(
                        $"KMS CreateAlias {alias}",
                        () => kms.CreateAliasAsync(new CreateAliasRequest { AliasName = alias, TargetKeyId = keyId }, cancellationToken),
                        cancellationToken).ConfigureAwait(false);
                }
                catch (SshKmsException ex)
                {
                    // Do not leave an unnamed CA key behind; KMS keeps it 7 days, cancellable, in case it was wanted.
                    await TryScheduleDeletionAsync(kms, keyId).ConfigureAwait(false);
                    throw ex.ErrorId == "AwsResourceExists" ? AliasExists(alias) : ex;
                }
            }

            return await KmsSigningKey.OpenAsync(uri, aws, cancellationToken).ConfigureAwait(false);
        }

        /// <summary>"alias/name" from alias/name or an alias ARN; creating by key id or key ARN cannot honour the name.</summary>
        private static string AliasName(KeyUri uri)
        {
            int at = uri.KeyId.IndexOf("alias/", StringComparison.Ordinal);
            if (!uri.IsAlias || at < 0)
            {
                throw new SshKmsException("KmsCreateNeedsAlias", SshKmsErrorCategory.InvalidArgument,
                    $"Cannot create {uri}: KMS chooses key ids itself. Name the new key by alias, e.g. awskms:alias/ssh-ca.");
            }

            string alias = uri.KeyId.Substring(at);
            if (alias.StartsWith("alias/aws/", StringComparison.Ordinal))
            {
                throw new SshKmsException("KmsAliasReserved", SshKmsErrorCategory.InvalidArgument, $"Aliases beginning with alias/aws/ are reserved for AWS managed keys.");
            }

            return alias;
        }

        private static async Task<bool> AliasExistsAsync(IAmazonKeyManagementService kms, string alias, CancellationToken cancellationToken)
        {
            try
            {
                await AwsErrors.RunAsync($"KMS DescribeKey {alias}", () => kms.DescribeKeyAsync(new DescribeKeyRequest { KeyId = alias }, cancellationToken), cancellationToken)
                    .ConfigureAwait(false);
                return true;
            }
            catch (SshKmsException ex) when (ex.ErrorId == "KmsKeyNotFound")
            {
                return false;
            }
        }

        private static async Task TryScheduleDeletionAsync(IAmazonKeyManagementService kms, string keyId)
        {
            try
            {
                await kms.ScheduleKeyDeletionAsync(new ScheduleKeyDeletionRequest { KeyId = keyId, PendingWindowInDays = 7 }).ConfigureAwait(false);
            }
            catch (Exception)
            {
                // Best effort: the original error is what the caller needs to see.
            }
        }

        private static SshKmsException AliasExists(string alias) =>
            new SshKmsException("KmsAliasExists", SshKmsErrorCategory.ResourceExists, $"The KMS alias {alias} already exists; choose another name or use the existing key.");
    }
}
