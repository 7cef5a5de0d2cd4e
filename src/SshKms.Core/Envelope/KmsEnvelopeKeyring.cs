using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Amazon;
using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using Amazon.Runtime;
using SshKms.Core.Aws;

namespace SshKms.Core.Envelope
{
    /// <summary>
    /// awskms: keys, as the ESDK's KMS keyring: provider id "aws-kms", provider info = the key ARN KMS returned,
    /// one GenerateDataKey (AES_256) per message and one Decrypt per unwrap, both with the encryption context
    /// so KMS itself checks it.
    /// </summary>
    internal sealed class KmsEnvelopeKeyring : IEnvelopeKeyring, IDisposable
    {
        public const string ProviderId = "aws-kms";

        private readonly Lazy<AmazonKeyManagementServiceClient> _client;
        private readonly string? _keyId;
        private string? _resolvedArn;

        /// <summary>A named key; null means discovery: any KMS key ARN the message names (decrypt only).</summary>
        public KmsEnvelopeKeyring(AwsSettings settings, string? keyId)
        {
            // Lazy: discovery over a message with only local keys must not need AWS settings at all.
            _client = new Lazy<AmazonKeyManagementServiceClient>(() => CreateClient(settings));
            _keyId = keyId;
        }

        private IAmazonKeyManagementService _kms => _client.Value;

        /// <summary>Counts KMS calls, for the benchmark's "calls per message".</summary>
        public static int CallCount;

        public async Task<(byte[] DataKey, EncryptedDataKey Wrapped)> GenerateAsync(EnvelopeKeyContext context, CancellationToken ct)
        {
            string keyId = _keyId ?? throw new InvalidOperationException("Encrypting needs a named KMS key.");
            GenerateDataKeyResponse response = await Call(() => _kms.GenerateDataKeyAsync(new GenerateDataKeyRequest
            {
                KeyId = keyId,
                KeySpec = DataKeySpec.AES_256,
                EncryptionContext = new Dictionary<string, string>(context.Map),
            }, ct)).ConfigureAwait(false);
            byte[] dataKey = TakeAndZero(response.Plaintext);
            return (dataKey, new EncryptedDataKey(ProviderId, Encoding.UTF8.GetBytes(response.KeyId), response.CiphertextBlob.ToArray()));
        }

        public async Task<bool> CanUnwrapAsync(EncryptedDataKey edk, CancellationToken ct)
        {
            if (edk.ProviderId != ProviderId)
            {
                return false;
            }

            if (_keyId == null)
            {
                return true;
            }

            string arn = Encoding.UTF8.GetString(edk.ProviderInfo);
            return arn == await ResolveArnAsync(ct).ConfigureAwait(false);
        }

        public async Task<byte[]?> TryUnwrapAsync(EncryptedDataKey edk, EnvelopeKeyContext context, CancellationToken ct)
        {
            try
            {
                DecryptResponse response = await Call(() => _kms.DecryptAsync(new DecryptRequest
                {
                    CiphertextBlob = new MemoryStream(edk.Ciphertext),
                    KeyId = Encoding.UTF8.GetString(edk.ProviderInfo),
                    EncryptionContext = new Dictionary<string, string>(context.Map),
                }, ct)).ConfigureAwait(false);
                return TakeAndZero(response.Plaintext);
            }
            catch (SshKmsException ex) when (ex.ErrorId == "EnvelopeKmsRefused")
            {
                return null;
            }
        }

        public void Dispose()
        {
            if (_client.IsValueCreated)
            {
                _client.Value.Dispose();
            }
        }

        /// <summary>
        /// A minimal client from AwsSettings. Branch `keys` adds the shared AwsClientFactory.CreateKms; this helper is
        /// the stand-in until the lead switches Envelope to it.
        /// </summary>
        internal static AmazonKeyManagementServiceClient CreateClient(AwsSettings settings)
        {
            try
            {
                return CreateClientOrThrow(settings);
            }
            catch (AmazonClientException ex)
            {
                throw new SshKmsException("AwsSettingsInvalid", SshKmsErrorCategory.InvalidArgument, $"Could not configure the KMS client: {ex.Message}");
            }
        }

        private static AmazonKeyManagementServiceClient CreateClientOrThrow(AwsSettings settings)
        {
            var config = new AmazonKeyManagementServiceConfig();
            string? endpoint = !string.IsNullOrWhiteSpace(settings.EndpointUrl) ? settings.EndpointUrl : Environment.GetEnvironmentVariable("AWS_ENDPOINT_URL");
            string? region = string.IsNullOrWhiteSpace(settings.Region) ? null : settings.Region;
            if (!string.IsNullOrWhiteSpace(endpoint))
            {
                config.ServiceURL = endpoint;
                config.AuthenticationRegion = region ?? FallbackRegionFactory.GetRegionEndpoint()?.SystemName ?? "us-east-1";
            }
            else if (region != null)
            {
                config.RegionEndpoint = RegionEndpoint.GetBySystemName(region);
            }

            if (!string.IsNullOrWhiteSpace(settings.ProfileName))
            {
                var chain = new Amazon.Runtime.CredentialManagement.CredentialProfileStoreChain();
                if (!chain.TryGetAWSCredentials(settings.ProfileName, out AWSCredentials credentials))
                {
                    throw new SshKmsException("AwsProfileNotFound", SshKmsErrorCategory.ObjectNotFound, $"The AWS profile '{settings.ProfileName}' was not found.");
                }

                return new AmazonKeyManagementServiceClient(credentials, config);
            }

            return new AmazonKeyManagementServiceClient(config);
        }

        private async Task<string> ResolveArnAsync(CancellationToken ct)
        {
            if (_resolvedArn == null)
            {
                DescribeKeyResponse described = await Call(() => _kms.DescribeKeyAsync(new DescribeKeyRequest { KeyId = _keyId }, ct)).ConfigureAwait(false);
                _resolvedArn = described.KeyMetadata.Arn;
            }

            return _resolvedArn;
        }

        private static async Task<T> Call<T>(Func<Task<T>> call)
        {
            Interlocked.Increment(ref CallCount);
            try
            {
                return await call().ConfigureAwait(false);
            }
            catch (NotFoundException ex)
            {
                throw new SshKmsException("KmsKeyNotFound", SshKmsErrorCategory.ObjectNotFound, $"KMS key not found: {ex.Message}");
            }
            catch (Exception ex) when (ex is InvalidCiphertextException || ex is IncorrectKeyException || ex is KMSInvalidStateException || ex is DisabledException
                || (ex is AmazonServiceException ase && ase.StatusCode == System.Net.HttpStatusCode.BadRequest && ase.ErrorCode == "AccessDeniedException"))
            {
                throw new SshKmsException("EnvelopeKmsRefused", SshKmsErrorCategory.PermissionDenied, $"KMS refused to decrypt the data key: {ex.Message}");
            }
            catch (AmazonServiceException ex)
            {
                throw new SshKmsException("KmsRequestFailed", SshKmsErrorCategory.ConnectionError, $"KMS request failed: {ex.Message}");
            }
            catch (AmazonClientException ex)
            {
                throw new SshKmsException("KmsRequestFailed", SshKmsErrorCategory.ConnectionError, $"KMS request failed: {ex.Message}");
            }
        }

        private static byte[] TakeAndZero(MemoryStream plaintext)
        {
            byte[] key = plaintext.ToArray();
            if (plaintext.TryGetBuffer(out ArraySegment<byte> buffer) && buffer.Array != null)
            {
                Array.Clear(buffer.Array, 0, buffer.Array.Length);
            }

            return key;
        }
    }
}
