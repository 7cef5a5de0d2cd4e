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
        private readonly KmsDiscoveryFilter? _filter;
        private string? _resolvedArn;

        /// <summary>A named key; null means discovery: any KMS key ARN the message names (decrypt only), within the filter when one is given.</summary>
        public KmsEnvelopeKeyring(AwsSettings settings, string? keyId, KmsDiscoveryFilter? filter = null)
        {
            _filter = filter;
            // Lazy: discovery over a message with only local keys must not need AWS settings at all.
            _client = new Lazy<AmazonKeyManagementServiceClient>(() => AwsClientFactory.CreateKms(settings));
            _keyId = keyId;
        }

        private IAmazonKeyManagementService _kms => _client.Value;

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

            string arn = Encoding.UTF8.GetString(edk.ProviderInfo);
            if (_keyId == null)
            {
                // Discovery: skipped unless the filter (when given) allows the key's account and partition.
                return _filter == null || _filter.Allows(arn);
            }

            // Key ids are lowercase hex in KMS's ARNs; a key ARN typed in capitals still names the same key.
            return string.Equals(arn, await ResolveArnAsync(ct).ConfigureAwait(false), StringComparison.OrdinalIgnoreCase);
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
        /// The key ARN messages record for the allowed key. A key ARN already is that (the ESDK's strict mode
        /// compares it as is), so only a key id or an alias costs a DescribeKey, once per keyring.
        /// </summary>
        private async Task<string> ResolveArnAsync(CancellationToken ct)
        {
            if (_resolvedArn == null && IsKeyArn(_keyId!))
            {
                _resolvedArn = _keyId;
            }

            if (_resolvedArn == null)
            {
                DescribeKeyResponse described = await Call(() => _kms.DescribeKeyAsync(new DescribeKeyRequest { KeyId = _keyId }, ct)).ConfigureAwait(false);
                _resolvedArn = described.KeyMetadata.Arn;
            }

            return _resolvedArn;
        }

        /// <summary>arn:PARTITION:kms:REGION:ACCOUNT:key/ID; not an alias ARN, which must be resolved.</summary>
        internal static bool IsKeyArn(string keyId)
        {
            string[] parts = keyId.Split(':');
            return parts.Length == 6 && parts[0] == "arn" && parts[2] == "kms" && parts[5].StartsWith("key/", StringComparison.Ordinal);
        }

        private static async Task<T> Call<T>(Func<Task<T>> call)
        {
            try
            {
                T response = await call().ConfigureAwait(false);
                AwsErrors.ReportCall("KMS " + typeof(T).Name.Replace("Response", string.Empty) + KeyOf(response), response);
                return response;
            }
            catch (Exception ex) when (ex is InvalidCiphertextException || ex is IncorrectKeyException || ex is KMSInvalidStateException || ex is DisabledException
                || (ex is AmazonServiceException ase && ase.StatusCode == System.Net.HttpStatusCode.BadRequest && ase.ErrorCode == "AccessDeniedException"))
            {
                // Refusals are not failures here: the next encrypted data key in the message may still open.
                throw new SshKmsException("EnvelopeKmsRefused", SshKmsErrorCategory.PermissionDenied, $"KMS refused to decrypt the data key: {ex.Message}");
            }
            catch (Exception ex) when (!(ex is OperationCanceledException))
            {
                throw AwsErrors.Map(ex, "KMS");
            }
        }

        private static string KeyOf(object? response) => response switch
        {
            GenerateDataKeyResponse g => " with " + g.KeyId,
            DecryptResponse d => " with " + d.KeyId,
            DescribeKeyResponse k => " of " + k.KeyMetadata?.Arn,
            _ => string.Empty,
        };

        private static byte[] TakeAndZero(MemoryStream plaintext)
        {
            byte[] key = plaintext.ToArray();
            if (plaintext.TryGetBuffer(out ArraySegment<byte> buffer) && buffer.Array != null)
            {
                Wipe.Bytes(buffer.Array);
            }

            return key;
        }
    }
}
