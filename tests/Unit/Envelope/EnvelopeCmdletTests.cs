using System.IO;
using System.Linq;
using System.Security;
using SshKms.Core.Keys;
using SshKms.Tests.Infrastructure;
using Xunit;
using static SshKms.Tests.Envelope.EnvelopeTestKit;

namespace SshKms.Tests.Envelope
{
    /// <summary>Protect-SshKmsData and Unprotect-SshKmsData in a real runspace: binding, the pipeline's byte records, output shapes, errors.</summary>
    [Collection("envelope")]
    public sealed class EnvelopeCmdletTests : System.IDisposable
    {
        private readonly ModuleRunspace _ps = new ModuleRunspace();

        public void Dispose() => _ps.Dispose();

        [Fact]
        public void ProtectStringThenUnprotectAsSecureStringPlainTextAndBytes()
        {
            string key = NewLocalKey().ToString();
            byte[] message = _ps.Run("'pässword' | Protect-SshKmsData -KeyId $k -EncryptionContext @{ env = 'prod' } -Signed", ("k", key)).Single<byte[]>();

            var secure = (SecureString)Assert.Single(_ps.Ok("Unprotect-SshKmsData -Message $m -KeyId $k -EncryptionContext @{ env = 'prod' }", ("m", message), ("k", key))).BaseObject;
            Assert.Equal(8, secure.Length);
            Assert.Equal("pässword", Assert.Single(_ps.Ok("Unprotect-SshKmsData -Message $m -AsPlainText", ("m", message))).BaseObject);
            string b64 = (string)Assert.Single(_ps.Ok("'pässword' | Protect-SshKmsData -KeyId $k -AsBase64", ("k", key))).BaseObject;
            Assert.Equal(System.Text.Encoding.UTF8.GetBytes("pässword"), _ps.Run("Unprotect-SshKmsData -Base64 $b -AsBytes", ("b", b64)).Single<byte[]>());
            Assert.Equal("EnvelopeContextMismatch", _ps.Run("Unprotect-SshKmsData -Message $m -EncryptionContext @{ env = 'dev' }", ("m", message)).ErrorId);
        }

        [Fact]
        public void ProtectSecureStringAndFilesToFiles()
        {
            string key = NewLocalKey().ToString();
            using var dir = new TempDir();
            byte[] data = RandomBytes(5000);
            File.WriteAllBytes(dir.File("in"), data);
            var msg = (FileInfo)Assert.Single(_ps.Ok("Protect-SshKmsData -Path $in -KeyId $k -OutFile $o", ("in", dir.File("in")), ("k", key), ("o", dir.File("msg")))).BaseObject;
            Assert.Equal(dir.File("msg"), msg.FullName);
            _ps.Ok("Get-Item $m | Unprotect-SshKmsData -OutFile $o", ("m", dir.File("msg")), ("o", dir.File("out")));
            Assert.Equal(data, File.ReadAllBytes(dir.File("out")));
            Assert.Equal("FileExists", _ps.Run("Unprotect-SshKmsData -Path $m -OutFile $o", ("m", dir.File("msg")), ("o", dir.File("out"))).ErrorId);

            byte[] fromSecure = _ps.Run("ConvertTo-SecureString 's3cret' -AsPlainText -Force | Protect-SshKmsData -KeyId $k", ("k", key)).Single<byte[]>();
            Assert.Equal("s3cret", Assert.Single(_ps.Ok("Unprotect-SshKmsData -Message $m -AsPlainText", ("m", fromSecure))).BaseObject);
        }

        /// <summary>$bytes | Protect-SshKmsData: PowerShell sends one record per byte (or -ReadCount chunks); all of them make one message.</summary>
        [Fact]
        public void PipedByteRecordsMakeOneMessageAndAPipedMessageDecryptsAsOne()
        {
            string key = NewLocalKey().ToString();
            byte[] data = RandomBytes(5000);
            byte[] message = _ps.Run("$d | Protect-SshKmsData -KeyId $k", ("d", data), ("k", key)).Single<byte[]>();
            Assert.Equal(data, _ps.Run("$m | Unprotect-SshKmsData -KeyId $k -AsBytes", ("m", message), ("k", key)).Single<byte[]>());

            using var dir = new TempDir();
            File.WriteAllBytes(dir.File("msg"), message);
            _ps.Ok("Get-Content -AsByteStream -ReadCount 100 $m | Unprotect-SshKmsData -OutFile $o", ("m", dir.File("msg")), ("o", dir.File("out")));
            Assert.Equal(data, File.ReadAllBytes(dir.File("out")));
        }

        [Fact]
        public void TwoMessagesPipedAsBytesAreOneInputWithTrailingData()
        {
            string key = NewLocalKey().ToString();
            RunResult r = _ps.Run("$a = 'one' | Protect-SshKmsData -KeyId $k; $b = 'two' | Protect-SshKmsData -KeyId $k; [byte[]]($a + $b) | Unprotect-SshKmsData -AsPlainText", ("k", key));
            Assert.Equal("EnvelopeTrailingData", r.ErrorId);
            Assert.Empty(r.Output);
        }

        [Fact]
        public void ATruncatedMessageReleasesNothing()
        {
            string key = NewLocalKey().ToString();
            byte[] message = _ps.Run("$d | Protect-SshKmsData -KeyId $k", ("d", RandomBytes(100_000)), ("k", key)).Single<byte[]>();
            RunResult r = _ps.Run("Unprotect-SshKmsData -Message $m -AsBytes", ("m", message.Take(message.Length / 2).ToArray()));
            Assert.Equal("EnvelopeTruncated", r.ErrorId);
            Assert.Empty(r.Output);
        }

        [Theory]
        [InlineData("", "\n", null)]
        [InlineData("", "\n***", "EnvelopeTrailingData")]
        [InlineData("", "AAAA", "EnvelopeTrailingData")]
        [InlineData("!", "", "EnvelopeBase64Invalid")]
        [InlineData("\u00e9", "", "EnvelopeBase64Invalid")]
        public void UnprotectBase64ReadsTextLikePathDoes(string prefix, string suffix, string? errorId)
        {
            string key = NewLocalKey().ToString();
            string b64 = (string)Assert.Single(_ps.Ok("'x' | Protect-SshKmsData -KeyId $k -Signed -AsBase64", ("k", key))).BaseObject;
            RunResult r = _ps.Run("Unprotect-SshKmsData -Base64 $b -AsPlainText", ("b", prefix + b64 + suffix));
            if (errorId == null)
            {
                Assert.Equal("x", r.Single<string>());
                return;
            }

            Assert.Equal(errorId, r.ErrorId);
        }

        [Fact]
        public void UnprotectPathWithInvalidBase64IsBase64Invalid()
        {
            using var dir = new TempDir();
            File.WriteAllText(dir.File("msg.b64"), "A!!!!@@@");
            Assert.Equal("EnvelopeBase64Invalid", _ps.Run("Unprotect-SshKmsData -Path $p", ("p", dir.File("msg.b64"))).ErrorId);
        }

        [Fact]
        public void AMissingKeyIsKeyNotFoundUntilCreateMakesItWithAWarning()
        {
            KeyUri key = NewLocalKeyName();
            string file = Path.Combine(TestHome.Path, "keys", key.KeyId + ".aes256");
            RunResult missing = _ps.Run("'x' | Protect-SshKmsData -KeyId $k", ("k", key.ToString()));
            Assert.Equal("KeyNotFound", missing.ErrorId);
            Assert.Contains("key creation allowed", missing.Error.Exception.Message);
            Assert.False(File.Exists(file));

            RunResult created = _ps.Run("'x' | Protect-SshKmsData -KeyId $k -Create", ("k", key.ToString()));
            Assert.Empty(created.Errors);
            string warning = Assert.Single(created.Warnings);
            Assert.Contains(file, warning);
            Assert.Contains("SHA256:", warning);
            Assert.Equal("x", Assert.Single(_ps.Ok("Unprotect-SshKmsData -Message $m -AsPlainText", ("m", created.Single<byte[]>()))).BaseObject);
        }

        [Fact]
        public void WhatIfEncryptsNothingCreatesNoKeyAndWritesNoFile()
        {
            KeyUri key = NewLocalKeyName();
            string file = Path.Combine(TestHome.Path, "keys", key.KeyId + ".aes256");
            using var dir = new TempDir();
            RunResult r = _ps.Run("'x' | Protect-SshKmsData -KeyId $k -Create -WhatIf; 'x' | Protect-SshKmsData -KeyId $k -Create -OutFile $o -WhatIf",
                ("k", key.ToString()), ("o", dir.File("msg")));
            Assert.Empty(r.Errors);
            Assert.Empty(r.Output);
            Assert.False(File.Exists(file));
            Assert.False(File.Exists(dir.File("msg")));

            string existing = NewLocalKey().ToString();
            byte[] message = _ps.Run("'y' | Protect-SshKmsData -KeyId $k", ("k", existing)).Single<byte[]>();
            Assert.Empty(_ps.Ok("Unprotect-SshKmsData -Message $m -OutFile $o -WhatIf", ("m", message), ("o", dir.File("plain"))));
            Assert.False(File.Exists(dir.File("plain")));
        }
    }
}
