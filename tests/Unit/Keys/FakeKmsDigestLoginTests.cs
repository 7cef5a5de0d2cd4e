using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using SshKms.Core.Authority;
using SshKms.Core.Aws;
using SshKms.Core.Keys;
using SshKms.Core.OpenSsh;
using SshKms.Tests.Aws;
using SshKms.Tests.Infrastructure;
using Xunit;

namespace SshKms.Tests.Keys
{
    /// <summary>
    /// moto signs DIGEST messages wrongly, so a FAKE KMS answers GetPublicKey and Sign for one made-up P-256 key with a
    /// local .NET ECDSA key, signing the digest KMS would be sent exactly as KMS does (SignHash over the SHA-256 digest,
    /// DER out). A certificate whose body is over 4 KiB then goes through the DIGEST path and must log in to real sshd.
    /// </summary>
    [Collection("aws")]
    public sealed class FakeKmsDigestLoginTests : IDisposable
    {
        private readonly MotoServer _moto;
        private readonly TempDir _dir = new TempDir("sshkms-digest");
        private readonly ECDsa _local = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        private readonly string _keyId = Guid.NewGuid().ToString();

        public FakeKmsDigestLoginTests(MotoServer moto) => _moto = moto;

        public void Dispose()
        {
            _local.Dispose();
            _dir.Dispose();
        }

        private string Arn => "arn:aws:kms:us-east-1:123456789012:key/" + _keyId;

        private HttpResponseMessage? Answer(RecordedAwsRequest request)
        {
            if (request.Operation == "GetPublicKey")
            {
                return FakeKmsResponse.Json(new { KeyId = Arn, KeySpec = "ECC_NIST_P256", KeyUsage = "SIGN_VERIFY", PublicKey = Convert.ToBase64String(_local.ExportSubjectPublicKeyInfo()), SigningAlgorithms = new[] { "ECDSA_SHA_256" } });
            }

            if (request.Operation == "Sign")
            {
                byte[] message = Convert.FromBase64String(request.Body.GetProperty("Message").GetString()!);
                byte[] der = request.Body.GetProperty("MessageType").GetString() == "DIGEST"
                    ? _local.SignHash(message, DSASignatureFormat.Rfc3279DerSequence)
                    : _local.SignData(message, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
                return FakeKmsResponse.Json(new { KeyId = Arn, Signature = Convert.ToBase64String(der), SigningAlgorithm = "ECDSA_SHA_256" });
            }

            return null;
        }

        [Fact]
        public async Task ACertificateOverFourKiBIsSignedThroughDigestAndLogsInToSshd()
        {
            var recorder = new RecordingHttpClientFactory { Intercept = Answer };
            AwsSettings settings = _moto.Settings;
            settings.HttpClientFactory = recorder;
            ISigningKey key = await SigningKeys.OpenAsync(KeyUri.Parse("awskms:" + _keyId), settings, CancellationToken.None);
            var ca = new CertificateAuthority(key, "op@fake-kms", new CertificatePolicy(), null);
            using var subject = SshPrivateKey.Generate(SshKeyAlgorithm.Ed25519, "digest");
            var request = new CertificateRequest(subject.PublicKey);
            request.Principals.Add(SshdServer.CurrentUser);
            for (int i = 0; i < 200; i++)
            {
                request.Principals.Add($"padding-principal-{i:D4}-xxxxx");
            }

            SshCertificate cert = await ca.IssueAsync(request, CancellationToken.None);

            Assert.True(cert.GetSignedBytes().Length > KmsSigningKey.MaxRawMessage);
            Assert.Equal("DIGEST", recorder.Requests.Single(r => r.Operation == "Sign").Body.GetProperty("MessageType").GetString());
            using var sshd = new SshdServer(trustedUserCaKeys: new[] { key.PublicKey.ToString() });
            string keyFile = _dir.File("id_digest");
            File.WriteAllText(keyFile, subject.ToOpenSshFormat());
            File.SetUnixFileMode(keyFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            File.WriteAllText(keyFile + "-cert.pub", cert + "\n");
            var args = new List<string>(sshd.ClientOptions())
            {
                "-i", keyFile, "-o", "CertificateFile=" + keyFile + "-cert.pub", "-o", "IdentitiesOnly=yes",
                SshdServer.CurrentUser + "@127.0.0.1", "echo", "digest-signed",
            };
            Tool.Result login = Tool.Run("ssh", args);
            Assert.True(login.ExitCode == 0, login.Error + sshd.Log);
            Assert.Equal("digest-signed", login.Output.Trim());
            Assert.Contains("Accepted publickey", sshd.Log);
        }
    }
}
