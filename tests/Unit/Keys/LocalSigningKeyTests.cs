using System;
using System.IO;
using System.Security.Cryptography;
using System.Threading;
using System.Threading.Tasks;
using SshKms.Core;
using SshKms.Core.Aws;
using SshKms.Core.Keys;
using SshKms.Core.OpenSsh;
using SshKms.Tests.Infrastructure;
using Xunit;

namespace SshKms.Tests.Keys
{
    /// <summary>SSHKMS_HOME is process-wide, so every test that sets it is in this one collection (run one at a time).</summary>
    [CollectionDefinition("local-home")]
    public sealed class LocalHomeCollection
    {
    }

    [Collection("local-home")]
    public class LocalSigningKeyTests
    {
        private readonly string _prefix = "lk" + Guid.NewGuid().ToString("N").Substring(0, 8) + "-";
        private readonly AwsSettings _noAws = new AwsSettings();

        /// <summary>Key names are unique per test so tests share TestHome without seeing each other's files.</summary>
        private string Name(string name) => _prefix + name;

        private string KeyFile(string name) => TestHome.KeyFile(Name(name));

        [Fact]
        public async Task OpenNeverCreates_SigningCreatesANamedKeyOnlyWithCreate_OwnerOnly_ThatSshKeygenReads()
        {
            KeyUri uri = KeyUri.Parse("local:" + Name("named"));
            var missing = await Assert.ThrowsAsync<SshKmsException>(() => SigningKeys.OpenAsync(uri, _noAws, CancellationToken.None));
            Assert.Equal("KeyNotFound", missing.ErrorId);
            Assert.Contains("New-SshKmsCaKey", missing.Message);
            Assert.Contains("sshkms ca create", missing.Message);
            var notAllowed = await Assert.ThrowsAsync<SshKmsException>(() => SigningKeys.OpenForSigningAsync(uri, false, _noAws, CancellationToken.None));
            Assert.Equal("KeyNotFound", notAllowed.ErrorId);
            Assert.False(File.Exists(KeyFile("named")));

            (ISigningKey key, KeyCreated? created) = await SigningKeys.OpenForSigningAsync(uri, true, _noAws, CancellationToken.None);
            Assert.Equal(KeyFile("named"), created!.Path);
            Assert.Equal(key.PublicKey.Fingerprint, created.Fingerprint);
            Assert.Contains(created.Path, created.Message);
            Assert.Equal(SshKeyTypes.EcdsaP256, key.PublicKey.KeyType);
            Assert.Equal(uri.ToString(), key.KeyArn);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(KeyFile("named")));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.Combine(TestHome.Path, "keys")));
            string derived = Tool.Check("ssh-keygen", "-y", "-f", KeyFile("named")).Trim();
            Assert.StartsWith(key.PublicKey.WithComment(string.Empty).ToString(), derived);

            Assert.Equal(key.PublicKey, (await SigningKeys.OpenAsync(uri, _noAws, CancellationToken.None)).PublicKey);
            Assert.Null((await SigningKeys.OpenForSigningAsync(uri, true, _noAws, CancellationToken.None)).Created);
        }

        [Fact]
        public void OnlyLocalDefaultIsMadeOnUseWithoutCreate()
        {
            Assert.Equal("local:default", KeyUri.ParseOrDefaultCa(null).ToString());
            Assert.True(LocalKeyCreation.MayCreateOnUse(KeyUri.Parse("local:default"), false));
            Assert.False(LocalKeyCreation.MayCreateOnUse(KeyUri.Parse("local:other"), false));
            Assert.True(LocalKeyCreation.MayCreateOnUse(KeyUri.Parse("local:other"), true));
            Assert.False(LocalKeyCreation.MayCreateOnUse(KeyUri.Parse("awskms:alias/x"), true));
        }

        /// <summary>A fresh SSHKMS_HOME, the CLI as a process: reading creates nothing; the first certificate makes local:default and says so on stderr.</summary>
        [Fact]
        public void OnAFreshMachineTheFirstCertificateMakesLocalDefaultWithOneWarningLine()
        {
            using var home = new TempDir();
            var env = new System.Collections.Generic.Dictionary<string, string?> { ["SSHKMS_HOME"] = home.Path, ["SSHKMS_CA"] = null };
            Tool.Result read = Tool.Sshkms(new[] { "ca", "public-key" }, env);
            Assert.Equal(1, read.ExitCode);
            Assert.Contains("[KeyNotFound]", read.Error);
            Assert.False(Directory.Exists(Path.Combine(home.Path, "keys")));

            Tool.Result first = Tool.Sshkms(new[] { "cert", "new", "--out", home.File("id_ed25519"), "--principal", "a" }, env);
            Assert.True(first.ExitCode == 0, first.Error);
            string keyFile = Path.Combine(home.Path, "keys", "default.key");
            string warning = Assert.Single(first.Error.Split('\n'), l => l.Contains("warning"));
            Assert.StartsWith("sshkms: warning: Created the local key local:default at " + keyFile + " (SHA256:", warning);
            Assert.Contains(SshPublicKey.Parse(Tool.Sshkms(new[] { "ca", "public-key" }, env).Output).Fingerprint, warning);

            Tool.Result second = Tool.Sshkms(new[] { "cert", "new", "--out", home.File("id_2"), "--principal", "a" }, env);
            Assert.DoesNotContain("warning", second.Error);
        }

        [Theory]
        [InlineData("ECC_NIST_P256", SshKeyTypes.EcdsaP256, null, "ecdsa-sha2-nistp256")]
        [InlineData("ECC_NIST_P384", SshKeyTypes.EcdsaP384, null, "ecdsa-sha2-nistp384")]
        [InlineData("ECC_NIST_P521", SshKeyTypes.EcdsaP521, null, "ecdsa-sha2-nistp521")]
        [InlineData("ECC_NIST_EDWARDS25519", SshKeyTypes.Ed25519, null, "ssh-ed25519")]
        [InlineData("RSA_2048", SshKeyTypes.Rsa, null, "rsa-sha2-512")]
        [InlineData("rsa_3072", SshKeyTypes.Rsa, "rsa-sha2-256", "rsa-sha2-256")]
        [InlineData("RSA_4096", SshKeyTypes.Rsa, "rsa-sha2-512", "rsa-sha2-512")]
        public async Task EveryLocalSpec_SignsAnySize_AndVerifies(string spec, string keyType, string? rsaAlgorithm, string algorithm)
        {
            ISigningKey key = await SigningKeys.CreateAsync(KeyUri.Parse("local:" + Name("ca-" + spec.ToLowerInvariant())), spec, _noAws, CancellationToken.None);
            Assert.Equal(keyType, key.PublicKey.KeyType);
            string derived = Tool.Check("ssh-keygen", "-y", "-f", KeyFile("ca-" + spec.ToLowerInvariant())).Trim();
            Assert.StartsWith(key.PublicKey.WithComment(string.Empty).ToString(), derived);

            foreach (int size in new[] { 1, 4096, 20000 })
            {
                byte[] data = RandomNumberGenerator.GetBytes(size);
                SigningResult result = await key.SignAsync(data, rsaAlgorithm, CancellationToken.None);
                Assert.Equal(algorithm, result.Algorithm);
                Assert.Null(result.RequestId);
                Assert.True(SignatureCheck.Verify(key.PublicKey, data, result.SignatureBlob));
                data[size - 1] ^= 0x80;
                Assert.False(SignatureCheck.Verify(key.PublicKey, data, result.SignatureBlob));
            }
        }

        [Fact]
        public async Task Create_RefusesAnExistingKey_AndKeepsIt()
        {
            ISigningKey first = await SigningKeys.CreateAsync(KeyUri.Parse("local:" + Name("team")), null, _noAws, CancellationToken.None);
            var ex = await Assert.ThrowsAsync<SshKmsException>(() => SigningKeys.CreateAsync(KeyUri.Parse("local:" + Name("team")), "RSA_2048", _noAws, CancellationToken.None));
            Assert.Equal("LocalKeyExists", ex.ErrorId);
            Assert.Equal(SshKmsErrorCategory.ResourceExists, ex.Category);
            Assert.Equal(first.PublicKey, (await SigningKeys.OpenAsync(KeyUri.Parse("local:" + Name("team")), _noAws, CancellationToken.None)).PublicKey);
        }

        [Theory]
        [InlineData("ECC_SECG_P256K1")]
        [InlineData("SM2")]
        [InlineData("HMAC_256")]
        [InlineData("nonsense")]
        public async Task Create_UnsupportedSpec_IsRefusedWithoutAFile(string spec)
        {
            var ex = await Assert.ThrowsAsync<SshKmsException>(() => SigningKeys.CreateAsync(KeyUri.Parse("local:" + Name("odd")), spec, _noAws, CancellationToken.None));
            Assert.Equal("LocalKeySpecUnsupported", ex.ErrorId);
            Assert.Contains("ECC_NIST_P256", ex.Message);
            Assert.False(File.Exists(KeyFile("odd")));
        }

        [Fact]
        public async Task GroupOrWorldReadableKeyFile_IsRefused_OnOpenAndOnSign()
        {
            ISigningKey key = await SigningKeys.CreateAsync(KeyUri.Parse("local:" + Name("loose")), null, _noAws, CancellationToken.None);
            File.SetUnixFileMode(KeyFile("loose"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);

            var onSign = await Assert.ThrowsAsync<SshKmsException>(() => key.SignAsync(new byte[] { 1 }, null, CancellationToken.None));
            var onOpen = await Assert.ThrowsAsync<SshKmsException>(() => SigningKeys.OpenAsync(KeyUri.Parse("local:" + Name("loose")), _noAws, CancellationToken.None));

            Assert.Equal("LocalKeyPermissions", onSign.ErrorId);
            Assert.Equal("LocalKeyPermissions", onOpen.ErrorId);
            Assert.Contains("chmod 600", onOpen.Message);
        }

        [Fact]
        public async Task CorruptKeyFile_IsLocalKeyInvalid_WithoutLeakingItsContent()
        {
            Directory.CreateDirectory(Path.Combine(TestHome.Path, "keys"));
            OwnerOnly.WriteAllText(KeyFile("broken"), "-----BEGIN OPENSSH PRIVATE KEY-----\nc2VjcmV0LXN0dWZm\n-----END OPENSSH PRIVATE KEY-----\n");
            var ex = await Assert.ThrowsAsync<SshKmsException>(() => SigningKeys.OpenAsync(KeyUri.Parse("local:" + Name("broken")), _noAws, CancellationToken.None));
            Assert.Equal("LocalKeyInvalid", ex.ErrorId);
            Assert.DoesNotContain("c2VjcmV0", ex.Message);
        }

        [Fact]
        public async Task RsaKeys_RefuseSha1AndUnknownAlgorithms()
        {
            ISigningKey key = await SigningKeys.CreateAsync(KeyUri.Parse("local:" + Name("rsa")), "RSA_2048", _noAws, CancellationToken.None);
            foreach (string bad in new[] { "ssh-rsa", "rsa-sha2-384" })
            {
                var ex = await Assert.ThrowsAsync<SshKmsException>(() => key.SignAsync(new byte[] { 1 }, bad, CancellationToken.None));
                Assert.Equal("SignatureAlgorithmUnsupported", ex.ErrorId);
            }
        }

        [Fact]
        public async Task OperatorIdentity_IsLocalUserAtHost()
        {
            string identity = await SigningKeys.GetOperatorIdentityAsync(KeyUri.Parse("local:default"), _noAws, CancellationToken.None);
            Assert.Equal($"local:{Environment.UserName}@{Environment.MachineName}", identity);
        }
    }
}
