using System;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Threading;
using System.Threading.Tasks;
using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using SshKms.Core;
using SshKms.Core.Aws;
using SshKms.Core.Keys;
using SshKms.Core.OpenSsh;
using SshKms.Tests.Aws;
using SshKms.Tests.Infrastructure;
using Xunit;

namespace SshKms.Tests.Keys
{
    /// <summary>awskms: keys against a real moto_server. moto has no Ed25519 (see FakeKmsEd25519Tests) and signs DIGEST wrongly,
    /// so DIGEST is checked by the request it sends.</summary>
    [Collection("aws")]
    public class KmsSigningKeyTests
    {
        private readonly MotoServer _moto;

        public KmsSigningKeyTests(MotoServer moto) => _moto = moto;

        private static string NewAlias() => "alias/test-ca-" + Guid.NewGuid().ToString("N").Substring(0, 10);

        private static byte[] RandomBytes(int n)
        {
            var data = new byte[n];
            RandomNumberGenerator.Fill(data);
            return data;
        }

        private AmazonKeyManagementServiceClient Kms() => AwsClientFactory.CreateKms(_moto.Settings);

        [Theory]
        [InlineData("ECC_NIST_P256", SshKeyTypes.EcdsaP256, null, "ecdsa-sha2-nistp256")]
        [InlineData("ECC_NIST_P384", SshKeyTypes.EcdsaP384, null, "ecdsa-sha2-nistp384")]
        [InlineData("ECC_NIST_P521", SshKeyTypes.EcdsaP521, null, "ecdsa-sha2-nistp521")]
        [InlineData("RSA_2048", SshKeyTypes.Rsa, null, "rsa-sha2-512")]
        [InlineData("RSA_3072", SshKeyTypes.Rsa, "rsa-sha2-256", "rsa-sha2-256")]
        [InlineData("RSA_4096", SshKeyTypes.Rsa, null, "rsa-sha2-512")]
        public async Task EverySigningSpecMotoHas_SignsRawAndVerifiesAgainstTheKmsPublicKey(string spec, string keyType, string? rsaAlgorithm, string expectedAlgorithm)
        {
            KeyUri uri = KeyUri.Parse("awskms:" + NewAlias());
            ISigningKey key = await SigningKeys.CreateAsync(uri, spec, _moto.Settings, CancellationToken.None);

            Assert.Equal(keyType, key.PublicKey.KeyType);
            Assert.StartsWith("arn:aws:kms:us-east-1:", key.KeyArn);
            AssertSameKeyAsDotNetReadsFromSpki(key);
            foreach (int size in new[] { 1, 700, KmsSigningKey.MaxRawMessage })
            {
                byte[] data = RandomBytes(size);
                SigningResult result = await key.SignAsync(data, rsaAlgorithm, CancellationToken.None);
                Assert.Equal(expectedAlgorithm, result.Algorithm);
                Assert.Equal(expectedAlgorithm, SshSignature.AlgorithmOf(result.SignatureBlob));
                Assert.False(string.IsNullOrEmpty(result.RequestId));
                Assert.True(SignatureCheck.Verify(key.PublicKey, data, result.SignatureBlob), $"{spec} signature over {size} bytes does not verify");
                data[0] ^= 1;
                Assert.False(SignatureCheck.Verify(key.PublicKey, data, result.SignatureBlob));
            }
        }

        /// <summary>Our SPKI conversion must give the key .NET itself imports from KMS's DER.</summary>
        private void AssertSameKeyAsDotNetReadsFromSpki(ISigningKey key)
        {
            using AmazonKeyManagementServiceClient kms = Kms();
            byte[] der = kms.GetPublicKeyAsync(new GetPublicKeyRequest { KeyId = key.KeyArn }).GetAwaiter().GetResult().PublicKey.ToArray();
            if (key.PublicKey.KeyType == SshKeyTypes.Rsa)
            {
                using RSA rsa = RSA.Create();
                rsa.ImportSubjectPublicKeyInfo(der, out _);
                Assert.Equal(rsa.ExportParameters(false).Modulus, key.PublicKey.RsaModulus);
            }
            else
            {
                using ECDsa ecdsa = ECDsa.Create();
                ecdsa.ImportSubjectPublicKeyInfo(der, out _);
                ECParameters p = ecdsa.ExportParameters(false);
                Assert.Equal(new byte[] { 4 }.Concat(p.Q.X!).Concat(p.Q.Y!).ToArray(), key.PublicKey.EcPoint);
            }
        }

        [Fact]
        public async Task OpensTheSameKeyByKeyIdAliasKeyArnAndAliasArn()
        {
            string alias = NewAlias();
            ISigningKey created = await SigningKeys.CreateAsync(KeyUri.Parse(alias), null, _moto.Settings, CancellationToken.None);
            Assert.Equal(SshKeyTypes.EcdsaP256, created.PublicKey.KeyType);
            string keyId = created.KeyArn.Substring(created.KeyArn.IndexOf("key/", StringComparison.Ordinal) + 4);
            string aliasArn = created.KeyArn.Substring(0, created.KeyArn.IndexOf("key/", StringComparison.Ordinal)) + alias;

            foreach (string name in new[] { keyId, "awskms:" + keyId, "awskms:" + alias, created.KeyArn, "awskms:" + aliasArn })
            {
                ISigningKey key = await SigningKeys.OpenAsync(KeyUri.Parse(name), _moto.Settings, CancellationToken.None);
                Assert.Equal(created.PublicKey, key.PublicKey);
                Assert.Equal(created.KeyArn, key.KeyArn);
                byte[] data = RandomBytes(100);
                Assert.True(SignatureCheck.Verify(created.PublicKey, data, (await key.SignAsync(data, null, CancellationToken.None)).SignatureBlob), name);
            }
        }

        [Fact]
        public async Task GetPublicKeyOncePerKeyPerProcess_SignOncePerSignature()
        {
            ISigningKey created = await SigningKeys.CreateAsync(KeyUri.Parse(NewAlias()), "ECC_NIST_P384", _moto.Settings, CancellationToken.None);
            KeyUri byArn = KeyUri.Parse(created.KeyArn);
            var recorder = new RecordingHttpClientFactory();
            AwsSettings settings = _moto.Settings;
            settings.HttpClientFactory = recorder;

            ISigningKey first = await SigningKeys.OpenAsync(byArn, settings, CancellationToken.None);
            ISigningKey second = await SigningKeys.OpenAsync(byArn, settings, CancellationToken.None);
            await first.SignAsync(RandomBytes(10), null, CancellationToken.None);
            await second.SignAsync(RandomBytes(10), null, CancellationToken.None);
            await second.SignAsync(RandomBytes(10), null, CancellationToken.None);

            Assert.Equal(1, recorder.Count("GetPublicKey"));
            Assert.Equal(3, recorder.Count("Sign"));
            // moto answers GetPublicKey with the bare key id, so the ARN is looked up once too; nothing else is called.
            Assert.True(recorder.Count("DescribeKey") <= 1);
            Assert.Equal(4 + recorder.Count("DescribeKey"), recorder.Requests.Count);
        }

        [Theory]
        [InlineData("ECC_NIST_P256", null, "ECDSA_SHA_256")]
        [InlineData("ECC_NIST_P521", null, "ECDSA_SHA_512")]
        [InlineData("RSA_2048", null, "RSASSA_PKCS1_V1_5_SHA_512")]
        [InlineData("RSA_2048", "rsa-sha2-256", "RSASSA_PKCS1_V1_5_SHA_256")]
        public async Task AboveFourKiB_SendsDigestHashedWithTheSpecsHash_AtOrBelow_SendsRaw(string spec, string? rsaAlgorithm, string kmsAlgorithm)
        {
            ISigningKey created = await SigningKeys.CreateAsync(KeyUri.Parse(NewAlias()), spec, _moto.Settings, CancellationToken.None);
            var recorder = new RecordingHttpClientFactory();
            AwsSettings settings = _moto.Settings;
            settings.HttpClientFactory = recorder;
            ISigningKey key = await SigningKeys.OpenAsync(KeyUri.Parse(created.KeyArn), settings, CancellationToken.None);

            byte[] small = RandomBytes(KmsSigningKey.MaxRawMessage);
            byte[] large = RandomBytes(KmsSigningKey.MaxRawMessage + 1);
            await key.SignAsync(small, rsaAlgorithm, CancellationToken.None);
            await key.SignAsync(large, rsaAlgorithm, CancellationToken.None);

            RecordedAwsRequest[] signs = recorder.Requests.Where(r => r.Operation == "Sign").ToArray();
            Assert.Equal(2, signs.Length);
            Assert.Equal("RAW", signs[0].Body.GetProperty("MessageType").GetString());
            Assert.Equal(Convert.ToBase64String(small), signs[0].Body.GetProperty("Message").GetString());
            Assert.Equal("DIGEST", signs[1].Body.GetProperty("MessageType").GetString());
            byte[] digest = kmsAlgorithm.EndsWith("256") ? SHA256.HashData(large) : SHA512.HashData(large);
            Assert.Equal(Convert.ToBase64String(digest), signs[1].Body.GetProperty("Message").GetString());
            Assert.All(signs, s => Assert.Equal(kmsAlgorithm, s.Body.GetProperty("SigningAlgorithm").GetString()));
            Assert.All(signs, s => Assert.Equal(created.KeyArn, s.Body.GetProperty("KeyId").GetString()));
        }

        [Theory]
        [InlineData("ECC_SECG_P256K1", "SIGN_VERIFY", "KmsKeySpecUnsupported")]
        [InlineData("RSA_2048", "ENCRYPT_DECRYPT", "KmsKeyUsageUnsupported")]
        [InlineData("SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT", "KmsKeyUsageUnsupported")]
        [InlineData("HMAC_256", "GENERATE_VERIFY_MAC", "KmsKeyUsageUnsupported")]
        public async Task UnsupportedSpecOrUsage_IsRefusedAtOpen_BeforeAnySign(string spec, string usage, string errorId)
        {
            string keyArn;
            using (AmazonKeyManagementServiceClient kms = Kms())
            {
                keyArn = (await kms.CreateKeyAsync(new CreateKeyRequest { KeySpec = spec, KeyUsage = usage })).KeyMetadata.Arn;
            }

            var recorder = new RecordingHttpClientFactory();
            AwsSettings settings = _moto.Settings;
            settings.HttpClientFactory = recorder;
            var ex = await Assert.ThrowsAsync<SshKmsException>(() => SigningKeys.OpenAsync(KeyUri.Parse(keyArn), settings, CancellationToken.None));

            Assert.Equal(errorId, ex.ErrorId);
            Assert.Contains(errorId == "KmsKeySpecUnsupported" ? spec : usage, ex.Message);
            Assert.Equal(0, recorder.Count("Sign"));
        }

        [Theory]
        [InlineData("ECC_SECG_P256K1")]
        [InlineData("SM2")]
        [InlineData("HMAC_256")]
        [InlineData("ML_DSA_65")]
        public async Task CreateWithUnsupportedSpec_IsRefusedBeforeAnyAwsCall(string spec)
        {
            var recorder = new RecordingHttpClientFactory();
            AwsSettings settings = _moto.Settings;
            settings.HttpClientFactory = recorder;
            var ex = await Assert.ThrowsAsync<SshKmsException>(() => SigningKeys.CreateAsync(KeyUri.Parse(NewAlias()), spec, settings, CancellationToken.None));
            Assert.Equal("KmsKeySpecUnsupported", ex.ErrorId);
            Assert.Empty(recorder.Requests);
        }

        [Fact]
        public async Task CreateRefusesAnExistingAlias()
        {
            string alias = NewAlias();
            ISigningKey first = await SigningKeys.CreateAsync(KeyUri.Parse(alias), null, _moto.Settings, CancellationToken.None);
            var ex = await Assert.ThrowsAsync<SshKmsException>(() => SigningKeys.CreateAsync(KeyUri.Parse(alias), "RSA_2048", _moto.Settings, CancellationToken.None));
            Assert.Equal("KmsAliasExists", ex.ErrorId);
            Assert.Equal(SshKmsErrorCategory.ResourceExists, ex.Category);
            ISigningKey reopened = await SigningKeys.OpenAsync(KeyUri.Parse(alias), _moto.Settings, CancellationToken.None);
            Assert.Equal(first.PublicKey, reopened.PublicKey);
        }

        [Fact]
        public async Task CreateByKeyIdIsRefused_KmsChoosesKeyIds()
        {
            var ex = await Assert.ThrowsAsync<SshKmsException>(() => SigningKeys.CreateAsync(
                KeyUri.Parse("awskms:1234abcd-12ab-34cd-56ef-1234567890ab"), null, _moto.Settings, CancellationToken.None));
            Assert.Equal("KmsCreateNeedsAlias", ex.ErrorId);
        }

        [Theory]
        [InlineData("awskms:alias/does-not-exist-anywhere")]
        [InlineData("awskms:1234abcd-12ab-34cd-56ef-1234567890ab")]
        public async Task UnknownKey_IsKmsKeyNotFound(string uri)
        {
            var ex = await Assert.ThrowsAsync<SshKmsException>(() => SigningKeys.OpenAsync(KeyUri.Parse(uri), _moto.Settings, CancellationToken.None));
            Assert.Equal("KmsKeyNotFound", ex.ErrorId);
            Assert.Equal(SshKmsErrorCategory.ObjectNotFound, ex.Category);
            Assert.Contains("GetPublicKey", ex.Message);
        }

        [Fact]
        public async Task OperatorIdentity_IsTheStsCallerArn()
        {
            string identity = await SigningKeys.GetOperatorIdentityAsync(KeyUri.Parse("alias/anything"), _moto.Settings, CancellationToken.None);
            Assert.StartsWith("arn:aws:", identity);
            Assert.Contains(":123456789012:", identity);
        }
    }
}
