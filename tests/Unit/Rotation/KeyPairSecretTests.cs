using System;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using SshKms.Core;
using SshKms.Core.Aws;
using SshKms.Core.OpenSsh;
using SshKms.Core.Rotation;
using SshKms.Tests.Infrastructure;
using Xunit;

namespace SshKms.Tests.Rotation
{
    [Collection("aws")]
    public sealed class KeyPairSecretTests
    {
        private readonly MotoServer _moto;

        public KeyPairSecretTests(MotoServer moto)
        {
            _moto = moto;
        }

        [Theory]
        [InlineData(SshKeyAlgorithm.Ed25519, "ssh-ed25519")]
        [InlineData(SshKeyAlgorithm.EcdsaP256, "ecdsa-sha2-nistp256")]
        [InlineData(SshKeyAlgorithm.Rsa3072, "ssh-rsa")]
        public async Task CreatedKeyPairReadsBackAndItsPrivateKeyMatchesThePublicLine(SshKeyAlgorithm algorithm, string keyType)
        {
            using var sm = new SecretsManagerClient(_moto.Settings);
            string name = "kp/" + Guid.NewGuid().ToString("N");
            KeyPairInfo created = await KeyPairSecrets.CreateAsync(sm, name, algorithm, "deploy", null, CancellationToken.None);
            Assert.Equal(keyType, created.KeyType);
            Assert.EndsWith(" " + KeyPairSecret.Tag(name, created.VersionId), created.PublicKey);

            var (info, secret) = await KeyPairSecrets.ReadAsync(sm, name, null, CancellationToken.None);
            using (secret)
            {
                Assert.Equal(created.VersionId, info.VersionId);
                Assert.Equal("deploy", info.UserName);
                Assert.Contains("AWSCURRENT", info.VersionStages);
                using SshPrivateKey key = SshPrivateKey.ParseOpenSsh(Encoding.UTF8.GetString(secret.PrivateKeyUtf8));
                Assert.Equal(created.Fingerprint, key.PublicKey.Fingerprint);

                // ssh-keygen, reading the key from stdin (never a file), derives the same public key.
                var derived = Tool.Run("ssh-keygen", new[] { "-y", "-f", "/dev/stdin" }, Encoding.UTF8.GetString(secret.PrivateKeyUtf8));
                Assert.Equal(SshPublicKey.Parse(created.PublicKey).WithComment("").ToString().Trim(), derived.Output.Trim().Split(' ').Take(2).Aggregate((a, b) => a + " " + b));
            }

            Assert.All(secret.PrivateKeyUtf8, b => Assert.Equal(0, b));
        }

        [Fact]
        public async Task SecretIsCreatedUnderTheGivenKmsKey()
        {
            using var kms = new AmazonKeyManagementServiceClient(new AmazonKeyManagementServiceConfig { ServiceURL = _moto.Endpoint, AuthenticationRegion = MotoServer.TestRegion });
            string keyId = (await kms.CreateKeyAsync(new CreateKeyRequest())).KeyMetadata.KeyId;
            using var sm = new SecretsManagerClient(_moto.Settings);
            string name = "kp/" + Guid.NewGuid().ToString("N");
            await KeyPairSecrets.CreateAsync(sm, name, SshKeyAlgorithm.Ed25519, null, "awskms:" + keyId, CancellationToken.None);
            DescribeSecretResponse described = await sm.DescribeSecretAsync(name, CancellationToken.None);
            Assert.Contains(keyId, described.KmsKeyId);
        }

        [Fact]
        public async Task ReadingAMissingStageOrAnEmptySecretFailsClearly()
        {
            using var sm = new SecretsManagerClient(_moto.Settings);
            string name = "kp/" + Guid.NewGuid().ToString("N");
            await sm.CreateSecretAsync(name, Encoding.UTF8.GetBytes("{}"), null, Guid.NewGuid().ToString(), null, CancellationToken.None);
            var empty = await Assert.ThrowsAsync<SshKmsException>(() => KeyPairSecrets.ReadAsync(sm, name, "awscurrent", CancellationToken.None));
            Assert.Equal("KeyPairSecretEmpty", empty.ErrorId);
            var badStage = await Assert.ThrowsAsync<SshKmsException>(() => KeyPairSecrets.ReadAsync(sm, name, "LATEST", CancellationToken.None));
            Assert.Equal("SecretStageInvalid", badStage.ErrorId);
            var local = await Assert.ThrowsAsync<SshKmsException>(() => KeyPairSecrets.CreateAsync(sm, name + "x", SshKeyAlgorithm.Ed25519, null, "local:dev", CancellationToken.None));
            Assert.Equal("SecretKmsKeyNotAws", local.ErrorId);
            var badName = await Assert.ThrowsAsync<SshKmsException>(() => KeyPairSecrets.CreateAsync(sm, "bad name;rm", SshKeyAlgorithm.Ed25519, null, null, CancellationToken.None));
            Assert.Equal("SecretNameInvalid", badName.ErrorId);
        }

        [Fact]
        public void UnknownFieldsSurviveANewKeyAndGarbageIsRejected()
        {
            byte[] json = Encoding.UTF8.GetBytes("{\"privateKey\":\"old\",\"publicKey\":\"x\",\"userName\":\"u\",\"note\":\"keep me\",\"ports\":[22,2222]}");
            using KeyPairSecret old = KeyPairSecret.Parse(json);
            using SshPrivateKey key = SshPrivateKey.Generate(SshKeyAlgorithm.Ed25519);
            using KeyPairSecret next = old.WithNewKey(key, "sshkms:s:v2");
            string text = Encoding.UTF8.GetString(next.ToUtf8());
            Assert.Contains("\"note\":\"keep me\"", text);
            Assert.Contains("\"ports\":[22,2222]", text);
            Assert.Contains("\"userName\":\"u\"", text);
            Assert.DoesNotContain("\"old\"", text);
            Assert.EndsWith(" sshkms:s:v2", next.PublicKey);

            var ex = Assert.Throws<SshKmsException>(() => KeyPairSecret.Parse(Encoding.UTF8.GetBytes("not json")));
            Assert.Equal("KeyPairSecretInvalid", ex.ErrorId);
        }
    }
}
