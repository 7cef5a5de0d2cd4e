using System;
using System.Collections.Concurrent;
using System.IO;
using System.Security.Cryptography;
using System.Threading;
using System.Threading.Tasks;
using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using SshKms.Core.Aws;
using SshKms.Core.OpenSsh;

namespace SshKms.Core.Keys
{
    /// <summary>What GetPublicKey told us about a key; cached for the life of the process.</summary>
    internal sealed class KmsKeyInfo
    {
        internal KmsKeyInfo(string arn, string keySpec, SshPublicKey publicKey)
        {
            Arn = arn;
            KeySpec = keySpec;
            PublicKey = publicKey;
        }

        internal string Arn { get; }

        internal string KeySpec { get; }

        internal SshPublicKey PublicKey { get; }
    }

    /// <summary>
    /// A CA key in AWS KMS. GetPublicKey runs once per process per (endpoint, region, key id); each SignAsync is
    /// exactly one KMS Sign call: RAW up to 4096 bytes, DIGEST (hashed here) above.
    /// </summary>
    internal sealed class KmsSigningKey : ISigningKey
    {
        internal const int MaxRawMessage = 4096;

        private static readonly ConcurrentDictionary<string, Task<KmsKeyInfo>> KeyInfos = new ConcurrentDictionary<string, Task<KmsKeyInfo>>();
        private static readonly ConcurrentDictionary<string, IAmazonKeyManagementService> Clients = new ConcurrentDictionary<string, IAmazonKeyManagementService>();

        private readonly IAmazonKeyManagementService _kms;
        private readonly KmsKeyInfo _info;

        private KmsSigningKey(KeyUri uri, IAmazonKeyManagementService kms, KmsKeyInfo info)
        {
            Uri = uri;
            _kms = kms;
            _info = info;
        }

        public KeyUri Uri { get; }

        public string KeyArn => _info.Arn;

        public SshPublicKey PublicKey => _info.PublicKey;

        internal string KeySpec => _info.KeySpec;

        internal static async Task<ISigningKey> OpenAsync(KeyUri uri, AwsSettings aws, CancellationToken cancellationToken)
        {
            ResolvedAwsSettings resolved = AwsClientFactory.ResolveCredentialsAndRegion(aws);
            IAmazonKeyManagementService kms = ClientFor(aws, resolved);
            // The profile too: the same alias in another account is another key.
            string cacheKey = (resolved.EndpointUrl ?? "aws") + "|" + resolved.Region + "|" + aws.ProfileName + "|" + uri.KeyId;
            Task<KmsKeyInfo> fetch = KeyInfos.GetOrAdd(cacheKey, _ => FetchKeyInfoAsync(kms, uri, cancellationToken));
            KmsKeyInfo info;
            try
            {
                info = await fetch.ConfigureAwait(false);
            }
            catch
            {
                // Failures (a typo, a missing grant, a cancelled first caller) are not cached: the next call asks again.
                ((System.Collections.Generic.IDictionary<string, Task<KmsKeyInfo>>)KeyInfos).Remove(
                    new System.Collections.Generic.KeyValuePair<string, Task<KmsKeyInfo>>(cacheKey, fetch));
                throw;
            }

            return new KmsSigningKey(uri, kms, info);
        }

        public async Task<SigningResult> SignAsync(byte[] data, string? rsaAlgorithm, CancellationToken cancellationToken)
        {
            if (data == null)
            {
                throw new ArgumentNullException(nameof(data));
            }

            KmsSignPlan plan = KmsKeySpecs.PlanSign(_info.KeySpec, KmsKeySpecs.ValidateRsaAlgorithm(rsaAlgorithm));
            bool raw = data.Length <= MaxRawMessage;
            if (!raw && plan.RawOnly)
            {
                throw new SshKmsException("KmsEd25519MessageTooLarge", SshKmsErrorCategory.LimitsExceeded,
                    $"KMS Ed25519 keys sign at most {MaxRawMessage} bytes and this certificate is {data.Length} bytes; remove principals or options, or use an ECDSA CA key.");
            }

            var request = new SignRequest
            {
                KeyId = _info.Arn,
                SigningAlgorithm = plan.SigningAlgorithm,
                MessageType = raw ? MessageType.RAW : MessageType.DIGEST,
                Message = new MemoryStream(raw ? data : Hash(plan.Hash, data)),
            };
            SignResponse response = await AwsErrors.RunAsync(
                $"KMS Sign with {Uri}", () => _kms.SignAsync(request, cancellationToken), cancellationToken).ConfigureAwait(false);
            byte[] signature = response.Signature?.ToArray()
                ?? throw new SshKmsException("KmsResponseInvalid", SshKmsErrorCategory.InvalidData, $"KMS Sign with {Uri} returned no signature.");
            byte[] sshSignature = PublicKey.Curve != null
                ? DerSignature.EcdsaToSsh(signature, SshKeyTypes.EcdsaCoordinateLength(PublicKey.Curve))
                : signature;
            return new SigningResult(SshSignature.Encode(plan.SshAlgorithm, sshSignature), plan.SshAlgorithm, response.ResponseMetadata?.RequestId);
        }

        private static IAmazonKeyManagementService ClientFor(AwsSettings aws, ResolvedAwsSettings resolved)
        {
            if (aws.HttpClientFactory != null || aws.MaxErrorRetry != null)
            {
                return AwsClientFactory.CreateKms(aws, resolved);
            }

            // SDK clients are thread-safe and costly to build; one per endpoint/region/profile serves the process.
            string key = (resolved.EndpointUrl ?? "aws") + "|" + resolved.Region + "|" + aws.ProfileName;
            return Clients.GetOrAdd(key, _ => AwsClientFactory.CreateKms(aws, resolved));
        }

        private static async Task<KmsKeyInfo> FetchKeyInfoAsync(IAmazonKeyManagementService kms, KeyUri uri, CancellationToken cancellationToken)
        {
            GetPublicKeyResponse response;
            try
            {
                response = await AwsErrors.RunAsync(
                    $"KMS GetPublicKey for {uri}", () => kms.GetPublicKeyAsync(new GetPublicKeyRequest { KeyId = uri.KeyId }, cancellationToken), cancellationToken)
                    .ConfigureAwait(false);
            }
            catch (SshKmsException ex) when (ex.ErrorId == "AwsOperationUnsupported")
            {
                // KMS refuses GetPublicKey for symmetric and HMAC keys.
                throw new SshKmsException("KmsKeyUsageUnsupported", SshKmsErrorCategory.InvalidOperation,
                    $"KMS key {uri} has no public key (a symmetric or HMAC key); an SSH CA key must be an asymmetric SIGN_VERIFY key.", ex);
            }

#pragma warning disable CS0618 // CustomerMasterKeySpec is deprecated, but some KMS-compatible endpoints (moto) send only it.
            string spec = response.KeySpec?.Value ?? response.CustomerMasterKeySpec?.Value ?? "(unknown)";
#pragma warning restore CS0618
            string usage = response.KeyUsage?.Value ?? "(unknown)";
            if (usage != "SIGN_VERIFY")
            {
                throw new SshKmsException("KmsKeyUsageUnsupported", SshKmsErrorCategory.InvalidOperation,
                    $"KMS key {uri} has KeyUsage {usage}; an SSH CA key must be an asymmetric SIGN_VERIFY key.");
            }

            if (!KmsKeySpecs.IsSupported(spec))
            {
                throw KmsKeySpecs.UnsupportedSpec(spec, "KmsKeySpecUnsupported");
            }

            byte[] der = response.PublicKey?.ToArray()
                ?? throw new SshKmsException("KmsResponseInvalid", SshKmsErrorCategory.InvalidData, $"KMS GetPublicKey for {uri} returned no public key.");
            SshPublicKey publicKey = SubjectPublicKeyInfo.ToSshPublicKey(der, uri.ToString());
            string arn = response.KeyId ?? uri.KeyId;
            if (!arn.StartsWith("arn:", StringComparison.Ordinal))
            {
                // KMS answers with the key ARN; some compatible endpoints answer with the bare id, so ask once more.
                DescribeKeyResponse described = await AwsErrors.RunAsync(
                    $"KMS DescribeKey for {uri}", () => kms.DescribeKeyAsync(new DescribeKeyRequest { KeyId = uri.KeyId }, cancellationToken), cancellationToken)
                    .ConfigureAwait(false);
                arn = described.KeyMetadata?.Arn ?? arn;
            }

            return new KmsKeyInfo(arn, spec, publicKey);
        }

        private static byte[] Hash(HashAlgorithmName name, byte[] data)
        {
            using (HashAlgorithm hash = name == HashAlgorithmName.SHA256 ? SHA256.Create() : name == HashAlgorithmName.SHA384 ? (HashAlgorithm)SHA384.Create() : SHA512.Create())
            {
                return hash.ComputeHash(data);
            }
        }
    }
}
