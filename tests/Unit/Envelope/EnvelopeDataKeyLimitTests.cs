using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using SshKms.Core;
using SshKms.Core.Envelope;
using SshKms.Core.Keys;
using SshKms.Tests.Aws;
using SshKms.Tests.Infrastructure;
using Xunit;
using static SshKms.Tests.Envelope.EnvelopeTestKit;

namespace SshKms.Tests.Envelope
{
    /// <summary>
    /// Builds valid messages with the encrypted data keys a test wants: our writer's message, its header rewritten with
    /// another list of keys (EnvelopeHeader.Serialize) and authenticated again with the message's own data key. The frames
    /// stay as they are: their AAD is the message id and sequence, not the header.
    /// </summary>
    internal static class DataKeyMessages
    {
        public static byte[] WithDataKeys(byte[] message, byte[] dataKey, Func<EncryptedDataKey, IEnumerable<EncryptedDataKey>> keys)
        {
            var input = new EnvelopeInput(new MemoryStream(message));
            (EnvelopeHeader header, byte[] headerBytes) = EnvelopeHeader.ReadAsync(input, default, ushort.MaxValue).GetAwaiter().GetResult();
            Assert.False(EnvelopeSuite.IsSigned(header.SuiteId), "a signed message's footer covers the header: rewrite unsigned ones only");
            var edited = new EnvelopeHeader
            {
                SuiteId = header.SuiteId,
                MessageId = header.MessageId,
                Context = header.Context,
                FrameLength = header.FrameLength,
                Commitment = header.Commitment,
            };
            edited.DataKeys.AddRange(keys(header.DataKeys.Single()));
            byte[] bytes = edited.Serialize();
            byte[] tag = new byte[AesGcmCipher.TagLength];
            using (IAesGcmCipher gcm = AesGcmCipher.Create(EnvelopeKdf.DeriveDataKey(header.SuiteId, dataKey, header.MessageId)))
            {
                gcm.Encrypt(new byte[AesGcmCipher.IvLength], Array.Empty<byte>(), 0, 0, bytes, Array.Empty<byte>(), tag);
            }

            return bytes.Concat(tag).Concat(message.Skip(headerBytes.Length + AesGcmCipher.TagLength)).ToArray();
        }

        /// <summary>The message's data key, unwrapped by the keyring that made it.</summary>
        public static byte[] DataKey(byte[] message, IEnvelopeKeyring keyring)
        {
            var input = new EnvelopeInput(new MemoryStream(message));
            (EnvelopeHeader header, _) = EnvelopeHeader.ReadAsync(input, default).GetAwaiter().GetResult();
            return keyring.TryUnwrapAsync(header.DataKeys.Single(), new EnvelopeKeyContext(header.Context), default).GetAwaiter().GetResult()!;
        }

        /// <summary>An aws-kms encrypted data key naming a key in another account; its ciphertext is noise.</summary>
        public static EncryptedDataKey ForeignKms(string account, string partition = "aws") =>
            new EncryptedDataKey(KmsEnvelopeKeyring.ProviderId,
                Encoding.UTF8.GetBytes($"arn:{partition}:kms:us-east-1:{account}:key/0b0e8c1a-6d3f-4a55-9d7e-{account}"), RandomBytes(184));
    }

    [Collection("envelope")]
    public sealed class EnvelopeDataKeyLimitTests
    {
        private static byte[] LocalMessage(byte[] plaintext, int dataKeys, out KeyUri key)
        {
            key = NewLocalKey();
            byte[] message = Encrypt(plaintext, new EnvelopeEncryptOptions(key) { Context = Context("app", "limit") });
            byte[] dataKey = DataKeyMessages.DataKey(message, new LocalEnvelopeKeyring(null));
            return DataKeyMessages.WithDataKeys(message, dataKey, edk => Enumerable.Repeat(edk, dataKeys));
        }

        [Fact]
        public void TenEncryptedDataKeysDecryptAndElevenAreRefusedUnlessTheLimitIsRaised()
        {
            byte[] plaintext = RandomBytes(5000);
            byte[] ten = LocalMessage(plaintext, 10, out _);
            byte[] eleven = LocalMessage(plaintext, 11, out _);

            Assert.Equal(plaintext, Decrypt(ten).Plaintext);
            SshKmsException ex = DecryptFails(eleven, null, "EnvelopeTooManyDataKeys");
            Assert.Contains("11 encrypted data keys, more than the 10 allowed", ex.Message);
            Assert.Equal(plaintext, Decrypt(eleven, new EnvelopeDecryptOptions { MaxEncryptedDataKeys = 11 }).Plaintext);
            DecryptFails(ten, new EnvelopeDecryptOptions { MaxEncryptedDataKeys = 0 }, "EnvelopeOptionInvalid");
        }

        [Fact]
        public void OverTheLimitNoKeyIsTriedNotEvenAKmsKeyBehindAnEndpointThatDoesNotAnswer()
        {
            // Eleven aws-kms keys and an endpoint nothing listens on: any KMS call would fail with a connection error first.
            byte[] plaintext = RandomBytes(100);
            KeyUri key = NewLocalKey();
            byte[] message = Encrypt(plaintext, new EnvelopeEncryptOptions(key));
            byte[] dataKey = DataKeyMessages.DataKey(message, new LocalEnvelopeKeyring(null));
            byte[] kmsKeys = DataKeyMessages.WithDataKeys(message, dataKey, edk => Enumerable.Range(0, 11).Select(_ => DataKeyMessages.ForeignKms("123456789012")));
            var recorder = new RecordingHttpClientFactory();
            var unreachable = new EnvelopeDecryptOptions { Aws = new Core.Aws.AwsSettings { Region = "us-east-1", EndpointUrl = "http://127.0.0.1:9", HttpClientFactory = recorder } };

            DecryptFails(kmsKeys, unreachable, "EnvelopeTooManyDataKeys");

            Assert.Empty(recorder.Requests);
        }

        [Fact]
        public void TheCliTakesMaxEncryptedDataKeys()
        {
            byte[] plaintext = RandomBytes(3000);
            using var dir = new TempDir();
            File.WriteAllBytes(dir.File("msg"), LocalMessage(plaintext, 11, out _));
            var env = new Dictionary<string, string?> { ["SSHKMS_HOME"] = EnsureHome() };

            Tool.Result refused = Tool.Sshkms(new[] { "decrypt", "--in", dir.File("msg"), "--out", dir.File("plain") }, env);
            Tool.Result raised = Tool.Sshkms(new[] { "decrypt", "--in", dir.File("msg"), "--out", dir.File("plain"), "--max-encrypted-data-keys", "11" }, env);

            Assert.Equal(1, refused.ExitCode);
            Assert.Contains("[EnvelopeTooManyDataKeys]", refused.Error);
            Assert.True(raised.ExitCode == 0, raised.Error);
            Assert.Equal(plaintext, File.ReadAllBytes(dir.File("plain")));
        }
        [Fact]
        public void TheCmdletTakesMaxEncryptedDataKeys()
        {
            byte[] plaintext = RandomBytes(300);
            byte[] eleven = LocalMessage(plaintext, 11, out _);

            using var ps = new ModuleRunspace();
            Assert.Equal("EnvelopeTooManyDataKeys", ps.Run("Unprotect-SshKmsData -Message $m -AsBytes", ("m", eleven)).ErrorId);
            Assert.Equal(plaintext, ps.Run("Unprotect-SshKmsData -Message $m -AsBytes -MaxEncryptedDataKeys 11", ("m", eleven)).Single<byte[]>());
        }
    }

    /// <summary>Discovery's filter against moto's KMS (account 123456789012), with a message whose first key names another account.</summary>
    [Collection("aws")]
    public sealed class EnvelopeDiscoveryFilterTests
    {
        private const string MotoAccount = "123456789012";
        private readonly MotoServer _moto;

        public EnvelopeDiscoveryFilterTests(MotoServer moto)
        {
            _moto = moto;
            EnsureHome();
        }

        /// <summary>Encrypted under a moto key, then given a first encrypted data key whose ARN is in <paramref name="foreignAccount"/>.</summary>
        private byte[] MessageNamingAnotherAccountFirst(byte[] plaintext, string foreignAccount, string partition = "aws")
        {
            string arn;
            using (var kms = new AmazonKeyManagementServiceClient(new Amazon.Runtime.BasicAWSCredentials("testing", "testing"),
                new AmazonKeyManagementServiceConfig { ServiceURL = _moto.Endpoint, AuthenticationRegion = MotoServer.TestRegion }))
            {
                arn = kms.CreateKeyAsync(new CreateKeyRequest()).GetAwaiter().GetResult().KeyMetadata.Arn;
            }

            Assert.Contains(":" + MotoAccount + ":", arn);
            byte[] message = Encrypt(plaintext, new EnvelopeEncryptOptions(KeyUri.Parse("awskms:" + arn)) { Aws = _moto.Settings, Context = Context("app", "discovery") });
            using var keyring = new KmsEnvelopeKeyring(_moto.Settings, null);
            byte[] dataKey = DataKeyMessages.DataKey(message, keyring);
            return DataKeyMessages.WithDataKeys(message, dataKey, edk => new[] { DataKeyMessages.ForeignKms(foreignAccount, partition), edk });
        }

        [Fact]
        public void AKeyInAnAccountOutsideTheFilterIsSkippedWithoutAKmsCall()
        {
            byte[] plaintext = RandomBytes(2000);
            byte[] message = MessageNamingAnotherAccountFirst(plaintext, "999999999999");

            // Unfiltered discovery sends the foreign ARN to KMS first; KMS (here moto, which has no such key) answers for it.
            var recorder = new RecordingHttpClientFactory();
            var unfiltered = Assert.Throws<SshKmsException>(() => Decrypt(message, new EnvelopeDecryptOptions { Aws = Recorded(_moto.Settings, recorder) }));
            Assert.Equal("KmsKeyNotFound", unfiltered.ErrorId);
            Assert.Contains(":999999999999:key/", unfiltered.Message);
            Assert.Equal(1, recorder.Requests.Count);

            recorder = new RecordingHttpClientFactory();
            var filtered = Decrypt(message, new EnvelopeDecryptOptions { Aws = Recorded(_moto.Settings, recorder), DiscoveryAccountIds = { MotoAccount }, DiscoveryPartition = "aws" });

            Assert.Equal(plaintext, filtered.Plaintext);
            Assert.Equal(1, recorder.Count("Decrypt"));
            Assert.Equal(1, recorder.Requests.Count);
            Assert.Contains(":" + MotoAccount + ":", filtered.Info.KeyName);
        }

        [Fact]
        public void AFilterThatAllowsNoKeyOfTheMessageFailsWithoutAnyKmsCall()
        {
            byte[] message = MessageNamingAnotherAccountFirst(RandomBytes(100), "999999999999", partition: "aws-cn");
            var recorder = new RecordingHttpClientFactory();

            DecryptFails(message, new EnvelopeDecryptOptions { Aws = Recorded(_moto.Settings, recorder), DiscoveryAccountIds = { "999999999999" } }, "EnvelopeKeyNotAllowed");

            Assert.Empty(recorder.Requests);
        }

        [Theory]
        [InlineData("12345", null, false)]
        [InlineData(null, "aws", false)]
        [InlineData(MotoAccount, null, true)]
        public void AFilterThatCannotApplyIsRefused(string? account, string? partition, bool withKey)
        {
            var options = new EnvelopeDecryptOptions { Aws = _moto.Settings, DiscoveryPartition = partition };
            if (account != null)
            {
                options.DiscoveryAccountIds.Add(account);
            }

            if (withKey)
            {
                options.AllowedKeys.Add(KeyUri.Parse("awskms:alias/some-key"));
            }

            DecryptFails(MessageNamingAnotherAccountFirst(RandomBytes(10), "999999999999"), options, "EnvelopeOptionInvalid");
        }

        [Fact]
        public void TheCmdletTakesADiscoveryFilter()
        {
            byte[] plaintext = RandomBytes(100);
            byte[] message = MessageNamingAnotherAccountFirst(plaintext, "999999999999");
            var settings = _moto.Settings;
            using var ps = new ModuleRunspace();
            (string, object?)[] aws = { ("m", message), ("r", settings.Region), ("e", settings.EndpointUrl) };
            Assert.Equal(plaintext, ps.Run($"Unprotect-SshKmsData -Message $m -AsBytes -DiscoveryAccountId {MotoAccount} -DiscoveryPartition aws -Region $r -EndpointUrl $e", aws).Single<byte[]>());
            Assert.Equal("EnvelopeKeyNotAllowed", ps.Run("Unprotect-SshKmsData -Message $m -AsBytes -DiscoveryAccountId 111111111111 -Region $r -EndpointUrl $e", aws).ErrorId);
        }

        [Fact]
        public void TheCliTakesAccountIdsAndAPartition()
        {
            byte[] plaintext = RandomBytes(1000);
            using var dir = new TempDir();
            File.WriteAllBytes(dir.File("msg"), MessageNamingAnotherAccountFirst(plaintext, "999999999999"));
            var env = new Dictionary<string, string?> { ["SSHKMS_HOME"] = EnsureHome(), ["AWS_ACCESS_KEY_ID"] = "testing", ["AWS_SECRET_ACCESS_KEY"] = "testing" };
            string[] aws = { "--endpoint-url", _moto.Endpoint, "--region", MotoServer.TestRegion };

            Tool.Result allowed = Tool.Sshkms(new[] { "decrypt", "--in", dir.File("msg"), "--out", dir.File("plain"), "--account-id", "111111111111", MotoAccount, "--partition", "aws" }.Concat(aws), env);
            Tool.Result none = Tool.Sshkms(new[] { "decrypt", "--in", dir.File("msg"), "--out", dir.File("none"), "--account-id", "111111111111" }.Concat(aws), env);

            Assert.True(allowed.ExitCode == 0, allowed.Error);
            Assert.Equal(plaintext, File.ReadAllBytes(dir.File("plain")));
            Assert.Equal(1, none.ExitCode);
            Assert.Contains("[EnvelopeKeyNotAllowed]", none.Error);
            Assert.False(File.Exists(dir.File("none")));
        }
    }
}
