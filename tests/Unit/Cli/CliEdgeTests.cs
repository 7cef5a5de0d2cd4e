using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;
using SshKms.Tests.Envelope;
using SshKms.Tests.Infrastructure;
using Xunit;

namespace SshKms.Tests.Cli
{
    /// <summary>The CLI's edges, each through `sshkms` run as its own process: usage errors, closed streams, odd paths, a full disk.</summary>
    [Collection("envelope")]
    public sealed class CliEdgeTests : IDisposable
    {
        private readonly TempDir _dir = new TempDir("sshkms-cli-edges");
        private readonly Dictionary<string, string?> _env = new Dictionary<string, string?> { ["SSHKMS_HOME"] = EnvelopeTestKit.EnsureHome() };
        private readonly string _key = EnvelopeTestKit.NewLocalKey().ToString();

        public void Dispose() => _dir.Dispose();

        private Tool.Result Sshkms(params string[] args) => Tool.Sshkms(args, _env);

        private static string SshkmsDll => Path.Combine(AppContext.BaseDirectory, "sshkms.dll");

        /// <summary>A message of this many random bytes under the test's local key, in a file; returns (plaintext, message path).</summary>
        private (byte[] Plaintext, string Message) Encrypted(int size, bool base64 = false)
        {
            byte[] plaintext = EnvelopeTestKit.RandomBytes(size);
            File.WriteAllBytes(_dir.File("plain"), plaintext);
            string message = _dir.File(base64 ? "msg.b64" : "msg");
            var args = new List<string> { "encrypt", "--key", _key, "--in", _dir.File("plain"), "--out", message };
            if (base64)
            {
                args.Add("--base64");
            }

            Tool.Result r = Sshkms(args.ToArray());
            Assert.True(r.ExitCode == 0, r.Error);
            return (plaintext, message);
        }

        private static void AssertOneLineNoStackTrace(string stderr)
        {
            Assert.DoesNotContain("   at ", stderr);
            Assert.DoesNotContain("[Unexpected]", stderr);
        }

        [Theory]
        [InlineData("CliOptionMissing", "encrypt")]
        [InlineData("CliOptionMissing", "keypair", "get")]
        [InlineData("CliOptionInvalid", "encrypt", "--key", "local:k", "--context", "no-equals-sign")]
        [InlineData("CliOptionInvalid", "decrypt", "--max-encrypted-data-keys", "many")]
        [InlineData("CliOptionInvalid", "rotate", "--secret-id", "s", "--node", "h", "--parallel", "-3")]
        [InlineData("CliUsage", "rotate", "--secret-id", "s")]
        [InlineData("CliUsage", "decrypt", "--no-such-option")]
        [InlineData("CliUsage", "no-such-command")]
        public void EveryUsageErrorExits2(string errorId, params string[] args)
        {
            Tool.Result r = Sshkms(args);

            Assert.Equal(2, r.ExitCode);
            Assert.Contains($"[{errorId}]", r.Error);
            AssertOneLineNoStackTrace(r.Error);
        }

        [Fact]
        public void EncryptWithStdinClosedFailsFastInsteadOfHanging()
        {
            var timer = Stopwatch.StartNew();
            Tool.Result r = Tool.Run("sh", new[] { "-c", "exec dotnet \"$0\" encrypt --key \"$1\" <&-", SshkmsDll, _key }, timeoutMs: 60000, env: _env);

            Assert.Equal(1, r.ExitCode);
            Assert.Contains("[InputClosed]", r.Error);
            Assert.Contains("Standard input is closed", r.Error);
            AssertOneLineNoStackTrace(r.Error);
            Assert.True(timer.Elapsed < TimeSpan.FromSeconds(60));
        }

        [Fact]
        public void DecryptIntoAPipeClosedEarlyExitsNonZeroWithOutputClosed()
        {
            (_, string message) = Encrypted(4 * 1024 * 1024);
            var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (string a in new[] { SshkmsDll, "decrypt", "--in", message, "--out", "-" })
            {
                psi.ArgumentList.Add(a);
            }

            psi.Environment["SSHKMS_HOME"] = _env["SSHKMS_HOME"];
            using Process p = Process.Start(psi)!;
            var stderr = p.StandardError.ReadToEndAsync();

            // As `| head -c 10` does: read ten bytes, then close the pipe.
            byte[] ten = new byte[10];
            int got = 0;
            while (got < ten.Length)
            {
                int n = p.StandardOutput.BaseStream.Read(ten, got, ten.Length - got);
                Assert.True(n > 0, "decrypt wrote nothing");
                got += n;
            }

            p.StandardOutput.BaseStream.Dispose();
            Assert.True(p.WaitForExit(60000), "decrypt did not exit after its reader went away");

            Assert.NotEqual(0, p.ExitCode);
            Assert.Contains("[OutputClosed]", stderr.Result);
            AssertOneLineNoStackTrace(stderr.Result);
        }

        [Fact]
        public void StandardOutputToAFileKeepsWhatTheShellWritesAfter()
        {
            (byte[] plaintext, string message) = Encrypted(100 * 1024);
            string file = _dir.File("appended");

            Tool.Result r = Tool.Run("sh", new[] { "-c", "{ echo start; dotnet \"$0\" decrypt --in \"$1\"; echo end; } > \"$2\"", SshkmsDll, message, file }, env: _env);

            Assert.True(r.ExitCode == 0, r.Error);
            byte[] expected = Encoding.ASCII.GetBytes("start\n").Concat(plaintext).Concat(Encoding.ASCII.GetBytes("end\n")).ToArray();
            Assert.Equal(expected, File.ReadAllBytes(file));
        }

        [Fact]
        public void PipedStandardInputStillEncrypts()
        {
            Tool.Result r = Tool.Run("sh", new[] { "-c", "printf piped | dotnet \"$0\" encrypt --key \"$1\" | dotnet \"$0\" decrypt", SshkmsDll, _key }, env: _env);

            Assert.True(r.ExitCode == 0, r.Error);
            Assert.Equal("piped", r.Output);
        }

        [Fact]
        public void Base64WithLeadingAndTrailingBlankSpaceDecrypts()
        {
            (byte[] plaintext, string message) = Encrypted(1000, base64: true);
            File.WriteAllText(_dir.File("indented.b64"), "   \n\t  " + File.ReadAllText(message) + "  \n\n");

            Tool.Result r = Sshkms("decrypt", "--in", _dir.File("indented.b64"), "--out", _dir.File("back"));

            Assert.True(r.ExitCode == 0, r.Error);
            Assert.Equal(plaintext, File.ReadAllBytes(_dir.File("back")));
        }

        [Fact]
        public void ADirectoryAsInOrAsJournalIsNamedAsADirectory()
        {
            string folder = Directory.CreateDirectory(_dir.File("a-folder")).FullName;

            Tool.Result asIn = Sshkms("encrypt", "--key", _key, "--in", folder, "--out", _dir.File("x"));
            Tool.Result asJournal = Sshkms("audit", "--journal", folder);

            Assert.Equal(1, asIn.ExitCode);
            Assert.Contains("[FileReadFailed]", asIn.Error);
            Assert.Contains($"{folder}: it is a directory", asIn.Error);
            Assert.Equal(1, asJournal.ExitCode);
            Assert.Contains("[FileReadFailed]", asJournal.Error);
            Assert.Contains("it is a directory", asJournal.Error);
            AssertOneLineNoStackTrace(asIn.Error + asJournal.Error);
        }

        [Fact]
        public void AFullDiskIsFileWriteFailedAndTheDeviceStaysADevice()
        {
            (_, string message) = Encrypted(200 * 1024);

            Tool.Result encryptOut = Sshkms("encrypt", "--key", _key, "--in", _dir.File("plain"), "--out", "/dev/full");
            Tool.Result decryptOut = Sshkms("decrypt", "--in", message, "--out", "/dev/full");
            Tool.Result stdout = Tool.Run("sh", new[] { "-c", "exec dotnet \"$0\" decrypt --in \"$1\" > /dev/full", SshkmsDll, message }, env: _env);

            foreach (Tool.Result r in new[] { encryptOut, decryptOut, stdout })
            {
                Assert.Equal(1, r.ExitCode);
                Assert.Contains("[FileWriteFailed]", r.Error);
                Assert.Contains("No space left on device", r.Error);
                AssertOneLineNoStackTrace(r.Error);
            }

            // Not replaced by a renamed temp file, and no temp file left beside it.
            Assert.Equal(0, Tool.Run("test", new[] { "-c", "/dev/full" }).ExitCode);
            Assert.Empty(Directory.GetFiles("/dev", "full.tmp-*"));
        }
    }
}
