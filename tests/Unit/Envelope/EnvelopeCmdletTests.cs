using System.Collections;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Net;
using System.Security;
using SshKms.Core;
using SshKms.PowerShell.Envelope;
using SshKms.Tests.Infrastructure;
using Xunit;
using static SshKms.Tests.Envelope.EnvelopeTestKit;

namespace SshKms.Tests.Envelope
{
    [Collection("envelope")]
    public sealed class EnvelopeCmdletTests
    {
        [Fact]
        public void ProtectStringThenUnprotectAsSecureStringPlainTextAndBytes()
        {
            EnsureHome();
            string key = NewLocalKey().ToString();
            var protect = new ProtectSshKmsDataCommand { String = "pässword", KeyId = key, EncryptionContext = new Hashtable { ["env"] = "prod" } };
            byte[] message = protect.ProtectAsync(null, true, default).GetAwaiter().GetResult();

            var unprotect = new UnprotectSshKmsDataCommand { Message = message, KeyId = new[] { key }, EncryptionContext = new Hashtable { ["env"] = "prod" } };
            Assert.Equal(0x05, message[1]);
            var secure = Assert.IsType<SecureString>(UnprotectSshKmsDataCommand.Shape(unprotect.UnprotectAsync(null, default).GetAwaiter().GetResult(), false, false));
            Assert.Equal("pässword", new NetworkCredential(string.Empty, secure).Password);

            Assert.Equal("pässword", UnprotectSshKmsDataCommand.Shape(unprotect.UnprotectAsync(null, default).GetAwaiter().GetResult(), true, false));

            var fromBase64 = new UnprotectSshKmsDataCommand { Base64 = System.Convert.ToBase64String(message) };
            Assert.Equal(System.Text.Encoding.UTF8.GetBytes("pässword"), UnprotectSshKmsDataCommand.Shape(fromBase64.UnprotectAsync(null, default).GetAwaiter().GetResult(), false, true));

            var wrongContext = new UnprotectSshKmsDataCommand { Message = message, EncryptionContext = new Hashtable { ["env"] = "dev" } };
            Assert.Equal("EnvelopeContextMismatch", Assert.Throws<SshKmsException>(() => wrongContext.UnprotectAsync(null, default).GetAwaiter().GetResult()).ErrorId);
        }

        [Fact]
        public void ProtectSecureStringAndFilesToFiles()
        {
            EnsureHome();
            string key = NewLocalKey().ToString();
            using var dir = new TempDir();
            File.WriteAllBytes(dir.File("in"), RandomBytes(5000));
            new ProtectSshKmsDataCommand { KeyId = key }.ProtectToFileAsync(dir.File("in"), dir.File("msg"), false, false, default).GetAwaiter().GetResult();
            new UnprotectSshKmsDataCommand().UnprotectToFileAsync(dir.File("msg"), dir.File("out"), false, default).GetAwaiter().GetResult();
            Assert.Equal(File.ReadAllBytes(dir.File("in")), File.ReadAllBytes(dir.File("out")));

            var secure = new NetworkCredential(string.Empty, "s3cret").SecurePassword;
            byte[] message = new ProtectSshKmsDataCommand { SecureString = secure, KeyId = key }.ProtectAsync(null, false, default).GetAwaiter().GetResult();
            var unprotect = new UnprotectSshKmsDataCommand { Message = message };
            Assert.Equal("s3cret", UnprotectSshKmsDataCommand.Shape(unprotect.UnprotectAsync(null, default).GetAwaiter().GetResult(), true, false));
        }

        /// <summary>$bytes | Protect-SshKmsData: PowerShell sends one record per byte (or -ReadCount chunks); all of them make one message.</summary>
        [Fact]
        public void PipedByteRecordsMakeOneMessageAndAPipedMessageDecryptsAsOne()
        {
            EnsureHome();
            string key = NewLocalKey().ToString();
            byte[] data = RandomBytes(5000);
            var protect = new ProtectSshKmsDataCommand { KeyId = key };
            foreach (byte b in data.Take(1000))
            {
                protect.AddPiped(new[] { b });
            }

            protect.AddPiped(null);
            protect.AddPiped(new byte[0]);
            protect.AddPiped(data.Skip(1000).ToArray());
            byte[] message = protect.ProtectAsync(null, false, default).GetAwaiter().GetResult();

            var unprotect = new UnprotectSshKmsDataCommand { KeyId = new[] { key } };
            foreach (byte b in message)
            {
                unprotect.AddPiped(new[] { b });
            }

            Assert.Equal(data, UnprotectSshKmsDataCommand.Shape(unprotect.UnprotectAsync(null, default).GetAwaiter().GetResult(), false, true));

            using var dir = new TempDir();
            var toFile = new UnprotectSshKmsDataCommand();
            toFile.AddPiped(message.Take(100).ToArray());
            toFile.AddPiped(message.Skip(100).ToArray());
            toFile.UnprotectToFileAsync(null, dir.File("out"), false, default).GetAwaiter().GetResult();
            Assert.Equal(data, File.ReadAllBytes(dir.File("out")));
        }

        [Fact]
        public void TwoMessagesPipedAsBytesAreOneInputWithTrailingData()
        {
            EnsureHome();
            string key = NewLocalKey().ToString();
            byte[] first = new ProtectSshKmsDataCommand { String = "one", KeyId = key }.ProtectAsync(null, false, default).GetAwaiter().GetResult();
            byte[] second = new ProtectSshKmsDataCommand { String = "two", KeyId = key }.ProtectAsync(null, false, default).GetAwaiter().GetResult();
            var unprotect = new UnprotectSshKmsDataCommand();
            unprotect.AddPiped(first);
            unprotect.AddPiped(second);
            Assert.Equal("EnvelopeTrailingData", Assert.Throws<SshKmsException>(() => unprotect.UnprotectAsync(null, default).GetAwaiter().GetResult()).ErrorId);
        }

        [Fact]
        public void PipedPlaintextIsZeroedOnceEncrypted()
        {
            EnsureHome();
            var protect = new ProtectSshKmsDataCommand { KeyId = NewLocalKey().ToString() };
            protect.AddPiped(new byte[] { 7, 7, 7 });
            var gathered = Assert.IsType<SshKms.Core.Envelope.PlaintextMemoryStream>(protect.OpenInput(null));
            byte[] buffer = gathered.GetBuffer();
            Assert.Contains(buffer, b => b == 7);
            protect.ProtectAsync(null, false, default).GetAwaiter().GetResult();
            Assert.All(buffer, b => Assert.Equal(0, b));
        }

        [Theory]
        [InlineData("", "\n", null)]
        [InlineData("", "\n***", "EnvelopeTrailingData")]
        [InlineData("", "AAAA", "EnvelopeTrailingData")]
        [InlineData("!", "", "EnvelopeBase64Invalid")]
        [InlineData("\u00e9", "", "EnvelopeBase64Invalid")]
        public void UnprotectBase64ReadsTextLikePathDoes(string prefix, string suffix, string? errorId)
        {
            EnsureHome();
            string key = NewLocalKey().ToString();
            byte[] message = new ProtectSshKmsDataCommand { String = "x", KeyId = key }.ProtectAsync(null, true, default).GetAwaiter().GetResult();
            var unprotect = new UnprotectSshKmsDataCommand { Base64 = prefix + System.Convert.ToBase64String(message) + suffix };
            if (errorId == null)
            {
                Assert.Equal("x", UnprotectSshKmsDataCommand.Shape(unprotect.UnprotectAsync(null, default).GetAwaiter().GetResult(), true, false));
                return;
            }

            Assert.Equal(errorId, Assert.Throws<SshKmsException>(() => unprotect.UnprotectAsync(null, default).GetAwaiter().GetResult()).ErrorId);
        }

        [Fact]
        public void UnprotectPathWithInvalidBase64IsBase64Invalid()
        {
            using var dir = new TempDir();
            File.WriteAllText(dir.File("msg.b64"), "A!!!!@@@");
            var ex = Assert.Throws<SshKmsException>(() => new UnprotectSshKmsDataCommand().UnprotectAsync(dir.File("msg.b64"), default).GetAwaiter().GetResult());
            Assert.Equal("EnvelopeBase64Invalid", ex.ErrorId);
        }

        [Theory]
        [InlineData(typeof(ProtectSshKmsDataCommand), "Protect", "SshKmsData")]
        [InlineData(typeof(UnprotectSshKmsDataCommand), "Unprotect", "SshKmsData")]
        public void CmdletMetadata(System.Type type, string verb, string noun)
        {
            var cmdlet = type.GetCustomAttributesData().Single(a => a.AttributeType == typeof(CmdletAttribute));
            Assert.Equal(verb, cmdlet.ConstructorArguments[0].Value);
            Assert.Equal(noun, cmdlet.ConstructorArguments[1].Value);
            Assert.Contains(cmdlet.NamedArguments, n => n.MemberName == "SupportsShouldProcess" && (bool)n.TypedValue.Value!);
            Assert.Contains(type.GetCustomAttributesData(), a => a.AttributeType == typeof(OutputTypeAttribute));
            Assert.True(File.Exists(Path.Combine(RepoRoot(), "docs", "cmdlets", $"{verb}-{noun}.md")));
            Assert.Contains($"'{verb}-{noun}'", File.ReadAllText(Path.Combine(RepoRoot(), "SshKms.psd1")));
        }

        private static string RepoRoot() => Path.GetFullPath(Path.Combine(System.AppContext.BaseDirectory, "../../../../.."));
    }
}
