using System.IO;
using System.Linq;
using System.Text;
using SshKms.Cli;
using SshKms.Tests.Infrastructure;
using Xunit;
using static SshKms.Tests.Envelope.EnvelopeTestKit;

namespace SshKms.Tests.Envelope
{
    [Collection("envelope")]
    public sealed class EnvelopeCliTests
    {
        [Fact]
        public void EncryptBase64ThroughStdoutThenDecryptFromStdin()
        {
            EnsureHome();
            string key = NewLocalKey().ToString();
            (int code, byte[] b64, string err) = Run(Encoding.UTF8.GetBytes("secret text"), "encrypt", "--key", key, "--context", "app=cli", "--base64", "--signed");
            Assert.True(code == 0, err);
            Assert.StartsWith("A", Encoding.ASCII.GetString(b64));

            (code, byte[] plain, err) = Run(b64, "decrypt", "--key", key, "--context", "app=cli");
            Assert.True(code == 0, err);
            Assert.Equal("secret text", Encoding.UTF8.GetString(plain));

            (code, _, err) = Run(b64, "decrypt", "--context", "app=other");
            Assert.Equal(1, code);
            Assert.Contains("[EnvelopeContextMismatch]", err);
        }

        [Fact]
        public void FilesInAndOutAndAFailedDecryptLeavesNoFile()
        {
            EnsureHome();
            string key = NewLocalKey().ToString();
            using var dir = new TempDir();
            File.WriteAllBytes(dir.File("in"), RandomBytes(10000));
            Assert.Equal(0, Run(null, "encrypt", "--key", key, "--in", dir.File("in"), "--out", dir.File("msg")).Code);
            Assert.Equal(0, Run(null, "decrypt", "--in", dir.File("msg"), "--out", dir.File("back")).Code);
            Assert.Equal(File.ReadAllBytes(dir.File("in")), File.ReadAllBytes(dir.File("back")));

            byte[] msg = File.ReadAllBytes(dir.File("msg"));
            File.WriteAllBytes(dir.File("short"), msg[..(msg.Length - 10)]);
            (int code, _, string err) = Run(null, "decrypt", "--in", dir.File("short"), "--out", dir.File("partial"));
            Assert.Equal(1, code);
            Assert.Contains("[EnvelopeTruncated]", err);
            Assert.False(File.Exists(dir.File("partial")));
            Assert.Equal(4, Directory.GetFiles(dir.Path).Length);
        }

        [Theory]
        [InlineData("A!!!!@@@")]
        [InlineData("AgR4\n\u00e9")]
        public void InvalidBase64IsRefusedWithItsOwnIdNotUnexpected(string text)
        {
            (int code, byte[] stdout, string err) = Run(Encoding.UTF8.GetBytes(text), "decrypt");
            Assert.Equal(1, code);
            Assert.Contains("[EnvelopeBase64Invalid]", err);
            Assert.DoesNotContain("[Unexpected]", err);
            Assert.Empty(stdout);
        }

        [Fact]
        public void AStrayCharacterInsideBase64MessageTextIsBase64Invalid()
        {
            EnsureHome();
            string key = NewLocalKey().ToString();
            (_, byte[] b64, _) = Run(RandomBytes(5000), "encrypt", "--key", key, "--base64");
            string text = Encoding.ASCII.GetString(b64);
            string broken = text.Substring(0, 100) + "!" + text.Substring(100);
            (int code, byte[] stdout, string err) = Run(Encoding.ASCII.GetBytes(broken), "decrypt");
            Assert.Equal(1, code);
            Assert.Contains("[EnvelopeBase64Invalid]", err);
            Assert.Empty(stdout);
        }

        [Theory]
        [InlineData("***")]
        [InlineData("\n***")]
        [InlineData("AB")]
        [InlineData("\nA")]
        [InlineData("\nAAAA\n")]
        [InlineData("=")]
        [InlineData("\n\u00e9")]
        public void AnythingButWhitespaceAfterABase64MessageIsTrailingData(string junk)
        {
            EnsureHome();
            string key = NewLocalKey().ToString();
            (_, byte[] b64, _) = Run(Encoding.UTF8.GetBytes("secret"), "encrypt", "--key", key, "--base64");
            (int code, byte[] stdout, string err) = Run(b64.Concat(Encoding.UTF8.GetBytes(junk)).ToArray(), "decrypt");
            Assert.Equal(1, code);
            Assert.Contains("[EnvelopeTrailingData]", err);
            Assert.Empty(stdout);

            (code, stdout, err) = Run(b64.Concat(Encoding.UTF8.GetBytes(" \r\n\t\n")).ToArray(), "decrypt");
            Assert.True(code == 0, err);
            Assert.Equal("secret", Encoding.UTF8.GetString(stdout));
        }

        [Fact]
        public void ALocalKeyOfTheWrongSizeIsNamedNotUnexpected()
        {
            string home = EnsureHome();
            string key = NewLocalKey().ToString();
            (_, byte[] message, _) = Run(Encoding.UTF8.GetBytes("secret"), "encrypt", "--key", key);
            File.WriteAllBytes(Path.Combine(home, "keys", key.Substring("local:".Length) + ".aes256"), new byte[] { 1, 2, 3 });
            (int code, byte[] stdout, string err) = Run(message, "decrypt");
            Assert.Equal(1, code);
            Assert.Contains("[EnvelopeLocalKeyInvalid]", err);
            Assert.DoesNotContain("[Unexpected]", err);
            Assert.Empty(stdout);
        }

        /// <summary>What the docs promise: stdout streams verified frames and fails late; --out is all or nothing.</summary>
        [Fact]
        public void ABadSignatureAfterMiBsFailsLateOnStdoutAndLeavesNoOutFile()
        {
            EnsureHome();
            string key = NewLocalKey().ToString();
            byte[] plaintext = RandomBytes(2 * 1024 * 1024);
            (_, byte[] message, _) = Run(plaintext, "encrypt", "--key", key, "--signed");
            message[message.Length - 3] ^= 1;

            (int code, byte[] stdout, string err) = Run(message, "decrypt");
            Assert.Equal(1, code);
            Assert.Contains("[EnvelopeSignatureInvalid]", err);
            Assert.True(stdout.Length > 0 && stdout.Length <= plaintext.Length, $"{stdout.Length} bytes streamed");
            Assert.Equal(plaintext.Take(stdout.Length), stdout);

            using var dir = new TempDir();
            (code, stdout, err) = Run(message, "decrypt", "--out", dir.File("plain"));
            Assert.Equal(1, code);
            Assert.Contains("[EnvelopeSignatureInvalid]", err);
            Assert.Empty(stdout);
            Assert.Empty(Directory.GetFiles(dir.Path));
        }

        private static (int Code, byte[] Out, string Err) Run(byte[]? stdin, params string[] args)
        {
            var stdout = new MemoryStream();
            var err = new StringWriter();
            var console = new CliConsole(() => new MemoryStream(stdin ?? new byte[0]), () => stdout, new StringWriter(), err);
            int code = Program.RunAsync(args, console).GetAwaiter().GetResult();
            return (code, stdout.ToArray(), err.ToString());
        }
    }
}
