using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using SshKms.Core.Envelope;
using SshKms.Core.Keys;
using SshKms.Tests.Aws;
using SshKms.Tests.Infrastructure;
using Xunit;
using static SshKms.Tests.Envelope.EnvelopeTestKit;

namespace SshKms.Tests.Envelope
{
    /// <summary>
    /// Against moto KMS, and interop both ways with the official AWS Encryption SDK for JavaScript
    /// (tests/interop/esdk-js, installed by scripts/test.sh): its KMS keyring pointed at moto and its raw AES keyring.
    /// </summary>
    [Collection("aws")]
    public sealed class EnvelopeKmsAndInteropTests
    {
        private static readonly string ScriptDir = Path.GetFullPath(Path.Combine(System.AppContext.BaseDirectory, "../../../../interop/esdk-js"));
        private readonly MotoServer _moto;

        public EnvelopeKmsAndInteropTests(MotoServer moto)
        {
            _moto = moto;
            EnsureHome();
        }

        [Theory]
        [InlineData(false)]
        [InlineData(true)]
        public void KmsRoundTripWithOneGenerateDataKeyAndOneDecrypt(bool signed)
        {
            string arn = CreateKey();
            byte[] plaintext = RandomBytes(10000);
            var recorder = new RecordingHttpClientFactory();
            byte[] message = Encrypt(plaintext, new EnvelopeEncryptOptions(KeyUri.Parse("awskms:" + arn)) { Aws = Recorded(_moto.Settings, recorder), Signed = signed, Context = Context("tenant", "t1") });
            Assert.Equal(new[] { "GenerateDataKey" }, recorder.Requests.Select(r => r.Operation));

            recorder = new RecordingHttpClientFactory();
            (byte[] back, EnvelopeMessageInfo info) = Decrypt(message, new EnvelopeDecryptOptions { Aws = Recorded(_moto.Settings, recorder), ExpectedContext = Context("tenant", "t1") });
            Assert.Equal(new[] { "Decrypt" }, recorder.Requests.Select(r => r.Operation));
            Assert.Equal(plaintext, back);
            Assert.Equal(arn, info.KeyName);
            Assert.Equal("aws-kms", info.KeyProvider);
        }

        [Fact]
        public void KmsAllowListAndWrongContext()
        {
            string arn = CreateKey();
            string other = CreateKey();
            byte[] message = Encrypt(new byte[] { 1, 2, 3 }, new EnvelopeEncryptOptions(KeyUri.Parse(arn)) { Aws = _moto.Settings, Context = Context("k", "v") });

            Assert.Equal(new byte[] { 1, 2, 3 }, Decrypt(message, new EnvelopeDecryptOptions { Aws = _moto.Settings, AllowedKeys = { KeyUri.Parse(arn) } }).Plaintext);
            DecryptFails(message, new EnvelopeDecryptOptions { Aws = _moto.Settings, AllowedKeys = { KeyUri.Parse(other) } }, "EnvelopeKeyNotAllowed");
            DecryptFails(message, new EnvelopeDecryptOptions { Aws = _moto.Settings, ExpectedContext = Context("k", "w") }, "EnvelopeContextMismatch");

            // Change the context in the header itself: KMS refuses the data key because the context is bound to it.
            byte[] bad = (byte[])message.Clone();
            int at = IndexOf(bad, new byte[] { (byte)'k', 0, 1, (byte)'v' }) + 3;
            Assert.True(at > 3);
            bad[at] = (byte)'w';
            DecryptFails(bad, new EnvelopeDecryptOptions { Aws = _moto.Settings }, "EnvelopeNoDecryptableKey");
        }

        /// <summary>An allow-listed key ARN is compared as is: one Decrypt. A key id or alias is resolved first: DescribeKey + Decrypt.</summary>
        [Fact]
        public void AllowListedKeyArnCostsOnlyTheDecryptCall()
        {
            string arn = CreateKey();
            string alias = "alias/envelope-" + System.Guid.NewGuid().ToString("N").Substring(0, 8);
            using (var kms = Client())
            {
                kms.CreateAliasAsync(new CreateAliasRequest { AliasName = alias, TargetKeyId = arn }).GetAwaiter().GetResult();
            }

            byte[] message = Encrypt(new byte[] { 5 }, new EnvelopeEncryptOptions(KeyUri.Parse(arn)) { Aws = _moto.Settings });
            string keyId = arn.Substring(arn.IndexOf("key/", System.StringComparison.Ordinal) + 4);
            foreach ((string allowed, int calls) in new[] { (arn, 1), (arn.Replace(keyId, keyId.ToUpperInvariant()), 1), (keyId, 2), (alias, 2) })
            {
                var recorder = new RecordingHttpClientFactory();
                Assert.Equal(new byte[] { 5 }, Decrypt(message, new EnvelopeDecryptOptions { Aws = Recorded(_moto.Settings, recorder), AllowedKeys = { KeyUri.Parse(allowed) } }).Plaintext);
                Assert.True(calls == recorder.Requests.Count, $"{allowed}: {recorder.Requests.Count} KMS calls");
            }

            // Another key's ARN is refused without asking KMS anything.
            string another = CreateKey();
            var refused = new RecordingHttpClientFactory();
            DecryptFails(message, new EnvelopeDecryptOptions { Aws = Recorded(_moto.Settings, refused), AllowedKeys = { KeyUri.Parse(another) } }, "EnvelopeKeyNotAllowed");
            Assert.Empty(refused.Requests);
        }

        [Theory]
        [InlineData(false)]
        [InlineData(true)]
        public void JavaScriptSdkDecryptsOurKmsMessages(bool signed)
        {
            string arn = CreateKey();
            using var dir = new TempDir();
            byte[] plaintext = RandomBytes(9000);
            File.WriteAllBytes(dir.File("msg"), Encrypt(plaintext, new EnvelopeEncryptOptions(KeyUri.Parse(arn)) { Aws = _moto.Settings, Signed = signed, Context = Context("app", "ssh") }));
            JsonElement header = Node("decrypt.js", "--in", dir.File("msg"), "--out", dir.File("plain"), "--kms", arn, "--endpoint", _moto.Endpoint);
            Assert.Equal(plaintext, File.ReadAllBytes(dir.File("plain")));
            Assert.Equal(signed ? 0x0578 : 0x0478, header.GetProperty("suiteId").GetInt32());
            Assert.Equal("ssh", header.GetProperty("encryptionContext").GetProperty("app").GetString());
        }

        [Theory]
        [InlineData("0x0578", "4096")]
        [InlineData("0x0478", "100")]
        public void WeDecryptJavaScriptSdkKmsMessages(string suite, string frame)
        {
            string arn = CreateKey();
            using var dir = new TempDir();
            byte[] plaintext = RandomBytes(5000);
            File.WriteAllBytes(dir.File("plain"), plaintext);
            Node("encrypt.js", "--in", dir.File("plain"), "--out", dir.File("msg"), "--kms", arn, "--endpoint", _moto.Endpoint,
                "--context", "{\"app\":\"js\"}", "--suite", suite, "--frame", frame);
            (byte[] back, EnvelopeMessageInfo info) = Decrypt(File.ReadAllBytes(dir.File("msg")),
                new EnvelopeDecryptOptions { Aws = _moto.Settings, AllowedKeys = { KeyUri.Parse(arn) }, ExpectedContext = Context("app", "js") });
            Assert.Equal(plaintext, back);
            Assert.Equal(System.Convert.ToUInt16(suite, 16), info.SuiteId);
        }

        [Theory]
        [InlineData(false)]
        [InlineData(true)]
        public void JavaScriptRawAesKeyringReadsAndWritesLocalKeyMessages(bool signed)
        {
            KeyUri key = NewLocalKey();
            using var dir = new TempDir();
            byte[] plaintext = RandomBytes(4097);
            File.WriteAllBytes(dir.File("ours"), Encrypt(plaintext, new EnvelopeEncryptOptions(key) { Signed = signed, Context = Context("c", "d") }));
            string keyFile = Path.Combine(EnsureHome(), "keys", key.KeyId + ".aes256");

            Node("decrypt.js", "--in", dir.File("ours"), "--out", dir.File("js-plain"), "--raw-key", keyFile, "--key-name", key.KeyId);
            Assert.Equal(plaintext, File.ReadAllBytes(dir.File("js-plain")));

            File.WriteAllBytes(dir.File("plain"), plaintext);
            Node("encrypt.js", "--in", dir.File("plain"), "--out", dir.File("theirs"), "--raw-key", keyFile, "--key-name", key.KeyId,
                "--context", "{\"c\":\"d\"}", "--suite", signed ? "0x0578" : "0x0478");
            Assert.Equal(plaintext, Decrypt(File.ReadAllBytes(dir.File("theirs")), new EnvelopeDecryptOptions { AllowedKeys = { key } }).Plaintext);
        }

        [Fact]
        public void JavaScriptSdkRefusesOurTamperedMessageToo()
        {
            KeyUri key = NewLocalKey();
            using var dir = new TempDir();
            byte[] message = Encrypt(RandomBytes(100), new EnvelopeEncryptOptions(key));
            message[message.Length - 1] ^= 1;
            File.WriteAllBytes(dir.File("msg"), message);
            string keyFile = Path.Combine(EnsureHome(), "keys", key.KeyId + ".aes256");
            Tool.Result r = Tool.Run("node", new[] { Path.Combine(ScriptDir, "decrypt.js"), "--in", dir.File("msg"), "--out", dir.File("p"), "--raw-key", keyFile, "--key-name", key.KeyId });
            Assert.NotEqual(0, r.ExitCode);
            DecryptFails(message, null, "EnvelopeFrameTampered");
        }

        private string CreateKey()
        {
            using var kms = Client();
            return kms.CreateKeyAsync(new CreateKeyRequest()).GetAwaiter().GetResult().KeyMetadata.Arn;
        }

        private AmazonKeyManagementServiceClient Client() =>
            new AmazonKeyManagementServiceClient(new Amazon.Runtime.BasicAWSCredentials("testing", "testing"),
                new AmazonKeyManagementServiceConfig { ServiceURL = _moto.Endpoint, AuthenticationRegion = MotoServer.TestRegion });

        private static JsonElement Node(string script, params string[] args)
        {
            Assert.True(Directory.Exists(Path.Combine(ScriptDir, "node_modules", "@aws-crypto", "client-node")),
                "the JavaScript ESDK is not installed: run scripts/test.sh (npm ci in tests/interop/esdk-js)");
            Tool.Result r = Tool.Run("node", new[] { Path.Combine(ScriptDir, script) }.Concat(args));
            Assert.True(r.ExitCode == 0, $"node {script} failed: {r.Error}");
            return JsonDocument.Parse(r.Output).RootElement.Clone();
        }

        private static int IndexOf(byte[] haystack, byte[] needle)
        {
            for (int i = 0; i <= haystack.Length - needle.Length; i++)
            {
                if (haystack.Skip(i).Take(needle.Length).SequenceEqual(needle))
                {
                    return i;
                }
            }

            return -1;
        }
    }
}
