using System;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using SshKms.Core;
using SshKms.Core.Aws;
using SshKms.Core.Keys;
using SshKms.Core.OpenSsh;
using SshKms.Tests.Aws;
using SshKms.Tests.Infrastructure;
using Xunit;

namespace SshKms.Tests.Keys
{
    /// <summary>
    /// moto has no ECC_NIST_EDWARDS25519 keys, so a FAKE KMS answers GetPublicKey and Sign for one made-up key id
    /// with a BouncyCastle Ed25519 key, in the JSON KMS sends. Everything else still goes to moto.
    /// </summary>
    [Collection("aws")]
    public class FakeKmsEd25519Tests
    {
        private readonly MotoServer _moto;

        public FakeKmsEd25519Tests(MotoServer moto) => _moto = moto;

        private sealed class FakeKmsEd25519
        {
            public readonly string KeyId = Guid.NewGuid().ToString();
            public readonly byte[] Seed = RandomNumberGenerator.GetBytes(32);
            public readonly byte[] Public = new byte[32];

            public FakeKmsEd25519() => Org.BouncyCastle.Math.EC.Rfc8032.Ed25519.GeneratePublicKey(Seed, 0, Public, 0);

            public string Arn => "arn:aws:kms:us-east-1:123456789012:key/" + KeyId;

            public HttpResponseMessage? Answer(RecordedAwsRequest request)
            {
                if (request.Operation == "GetPublicKey")
                {
                    // SubjectPublicKeyInfo for id-Ed25519 (RFC 8410): 30 2a 30 05 06 03 2b 65 70 03 21 00 || key
                    byte[] spki = Convert.FromHexString("302a300506032b6570032100").Concat(Public).ToArray();
                    return FakeKmsResponse.Json(new { KeyId = Arn, KeySpec = "ECC_NIST_EDWARDS25519", KeyUsage = "SIGN_VERIFY", PublicKey = Convert.ToBase64String(spki), SigningAlgorithms = new[] { "ED25519_SHA_512" } });
                }

                if (request.Operation == "Sign")
                {
                    byte[] message = Convert.FromBase64String(request.Body.GetProperty("Message").GetString()!);
                    var sig = new byte[64];
                    Org.BouncyCastle.Math.EC.Rfc8032.Ed25519.Sign(Seed, 0, message, 0, message.Length, sig, 0);
                    return FakeKmsResponse.Json(new { KeyId = Arn, Signature = Convert.ToBase64String(sig), SigningAlgorithm = "ED25519_SHA_512" });
                }

                return null;
            }
        }

        private (FakeKmsEd25519 fake, RecordingHttpClientFactory recorder, AwsSettings settings) Setup()
        {
            var fake = new FakeKmsEd25519();
            var recorder = new RecordingHttpClientFactory { Intercept = fake.Answer };
            AwsSettings settings = _moto.Settings;
            settings.HttpClientFactory = recorder;
            return (fake, recorder, settings);
        }

        [Fact]
        public async Task Ed25519Key_SignsRawWithEd25519Sha512_AndVerifies()
        {
            var (fake, recorder, settings) = Setup();
            ISigningKey key = await SigningKeys.OpenAsync(KeyUri.Parse("awskms:" + fake.KeyId), settings, CancellationToken.None);
            Assert.Equal(SshKeyTypes.Ed25519, key.PublicKey.KeyType);
            Assert.Equal(fake.Public, key.PublicKey.Ed25519Key);
            Assert.Equal(fake.Arn, key.KeyArn);

            byte[] data = RandomNumberGenerator.GetBytes(KmsSigningKey.MaxRawMessage);
            SigningResult result = await key.SignAsync(data, null, CancellationToken.None);

            Assert.Equal(SshKeyTypes.Ed25519, result.Algorithm);
            Assert.StartsWith("fake-", result.RequestId);
            Assert.True(SignatureCheck.Verify(key.PublicKey, data, result.SignatureBlob));
            RecordedAwsRequest sign = recorder.Requests.Single(r => r.Operation == "Sign");
            Assert.Equal("RAW", sign.Body.GetProperty("MessageType").GetString());
            Assert.Equal("ED25519_SHA_512", sign.Body.GetProperty("SigningAlgorithm").GetString());
        }

        [Fact]
        public async Task Ed25519Key_AboveFourKiB_IsAClearErrorWithoutASignCall()
        {
            var (fake, recorder, settings) = Setup();
            ISigningKey key = await SigningKeys.OpenAsync(KeyUri.Parse("awskms:" + fake.KeyId), settings, CancellationToken.None);
            var ex = await Assert.ThrowsAsync<SshKmsException>(() => key.SignAsync(new byte[KmsSigningKey.MaxRawMessage + 1], null, CancellationToken.None));
            Assert.Equal("KmsEd25519MessageTooLarge", ex.ErrorId);
            Assert.Contains("4096", ex.Message);
            Assert.Equal(0, recorder.Count("Sign"));
        }
    }
}
