using System;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Threading.Tasks;
using SshKms.Cli;
using SshKms.Cli.Commands;
using SshKms.Core.Sessions;
using SshKms.Tests.Infrastructure;
using Xunit;

namespace SshKms.Tests.Sessions
{
    /// <summary>`sshkms ssh` / `sshkms scp` in-process against real sshd, with the real local CA provider and its audit journal.</summary>
    [Collection("sessions")]
    public sealed class SessionCliTests : IDisposable
    {
        private readonly string _ca = TestHome.NewLocalCa("cli-session-ca");
        private readonly string _caLine;
        private readonly TempDir _tmp = new TempDir("sshkms-cli-session");

        public SessionCliTests() => _caLine = TestHome.CaPublicKeyLine(_ca);

        private string[] Common(SshdServer server) => new[]
        {
            "--ca", _ca, "--user", SshdServer.CurrentUser, "--ssh-config", "/dev/null",
            "--ssh-option", "UserKnownHostsFile=" + server.KnownHostsPath, "--ssh-option", "GlobalKnownHostsFile=/dev/null",
        };

        private static async Task<(int Code, string Out, string Err)> Run(params string[] args)
        {
            var stdout = new StringWriter();
            var stderr = new StringWriter();
            var console = new CliConsole(() => Stream.Null, () => Stream.Null, stdout, stderr);
            int code = await Program.RunAsync(args, console);
            return (code, stdout.ToString(), stderr.ToString());
        }

        [Fact]
        public async Task OneHostPassesOutputErrorAndExitCodeThrough()
        {
            using var server = new SshdServer(trustedUserCaKeys: new[] { _caLine });
            var (code, stdout, stderr) = await Run(new[] { "ssh", "--port", server.Port.ToString(), "--validity", "2m" }
                .Concat(Common(server)).Concat(new[] { "127.0.0.1", "--", "echo", "out;", "echo", "err", ">&2;", "exit", "7" }).ToArray());
            Assert.Equal(7, code);
            Assert.Equal("out\n", stdout);
            Assert.Contains("err\n", stderr);
            JsonElement issued = TestHome.IssuedBy(_ca).Single();
            TimeSpan validity = DateTimeOffset.Parse(issued.GetProperty("validBefore").GetString()!) - DateTimeOffset.Parse(issued.GetProperty("validAfter").GetString()!);
            Assert.Equal(TimeSpan.FromMinutes(2), validity);
            Assert.Equal(new[] { SshdServer.CurrentUser }, issued.GetProperty("principals").EnumerateArray().Select(p => p.GetString()));
        }

        [Fact]
        public void OneHostOnTheProcessConsolePassesStdinAndOutputThroughByteForByte()
        {
            using var server = new SshdServer(trustedUserCaKeys: new[] { _caLine });
            // A NUL, a non-ASCII byte and no final newline: line-by-line capture would lose or change all three.
            const string input = "first line\n\u0000second \u00e9 line, no newline at the end";
            Tool.Result r = Tool.Sshkms(new[] { "ssh", "--port", server.Port.ToString() }.Concat(Common(server))
                .Concat(new[] { "127.0.0.1", "--", "cat; printf ' [tail]' >&2; exit 4" }), stdin: input);
            Assert.Equal(4, r.ExitCode);
            Assert.Equal(input, r.Output);
            Assert.Equal(" [tail]", r.Error);
        }

        [Fact]
        public async Task SeveralHostsGiveTheHighestExitCodeAndOneJsonObjectEach()
        {
            using var a = new SshdServer(trustedUserCaKeys: new[] { _caLine });
            using var b = new SshdServer(trustedUserCaKeys: new[] { _caLine });
            string config = _tmp.File("config");
            File.WriteAllText(config, $"Host a\n  HostName 127.0.0.1\n  Port {a.Port}\nHost b\n  HostName 127.0.0.1\n  Port {b.Port}\n");
            string known = _tmp.File("known");
            File.WriteAllText(known, $"[127.0.0.1]:{a.Port} {a.HostPublicKey}\n[127.0.0.1]:{b.Port} {b.HostPublicKey}\n");
            var (code, stdout, stderr) = await Run("ssh", "--ca", _ca, "--user", SshdServer.CurrentUser, "--ssh-config", config,
                "--ssh-option", "UserKnownHostsFile=" + known, "--json", "a", "b", "--", $"[ \"${{SSH_CONNECTION##* }}\" = {a.Port} ] && exit 3 || exit 5");
            Assert.Equal(5, code);
            var objects = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
            Assert.Equal(new[] { "a", "b" }, objects.Select(o => o.GetProperty("hostName").GetString()).OrderBy(h => h));
            Assert.Equal(new[] { 3, 5 }, objects.OrderBy(o => o.GetProperty("hostName").GetString()).Select(o => o.GetProperty("exitCode").GetInt32()));
            Assert.All(objects, o => Assert.Equal(JsonValueKind.Null, o.GetProperty("errorId").ValueKind));
            Assert.Equal(TestHome.IssuedBy(_ca).Select(e => e.GetProperty("serial").GetUInt64()).OrderBy(s => s), objects.Select(o => o.GetProperty("certificateSerial").GetUInt64()).OrderBy(s => s));
        }

        [Fact]
        public async Task AnUnreachableHostIsReportedWithItsErrorId()
        {
            var (code, _, stderr) = await Run("ssh", "--ca", _ca, "--ssh-config", "/dev/null", "--port", FreePort.Next().ToString(), "127.0.0.1", "--", "true");
            Assert.Equal(255, code);
            Assert.Contains("sshkms: 127.0.0.1: The host could not be reached", stderr);
            Assert.Contains("[HostUnreachable]", stderr);
        }

        [Fact]
        public async Task ScpCopiesToTheHost()
        {
            using var server = new SshdServer(trustedUserCaKeys: new[] { _caLine }, extraConfig: new[] { "Subsystem sftp internal-sftp" });
            string src = _tmp.File("src.txt");
            File.WriteAllText(src, "cli-copy");
            var (code, _, stderr) = await Run(new[] { "scp", "--port", server.Port.ToString() }.Concat(Common(server))
                .Concat(new[] { src, "127.0.0.1:" + _tmp.File("dst.txt") }).ToArray());
            Assert.True(code == 0, stderr);
            Assert.Equal("cli-copy", File.ReadAllText(_tmp.File("dst.txt")));
        }

        [Theory]
        [InlineData("--validity", "5x", "CertificateValidityInvalid")]
        [InlineData("--validity", "-1m", "CertificateValidityInvalid")]
        [InlineData("--key-type", "rsa", "SessionKeyTypeUnsupported")]
        [InlineData("--ssh-option", "NoEquals", "CliOptionInvalid")]
        [InlineData("--parallel", "0", "ThrottleLimitInvalid")]
        public async Task BadOptionsGiveOneLineWithAnErrorId(string option, string value, string errorId)
        {
            var (code, stdout, stderr) = await Run("ssh", option, value, "host", "--", "true");
            Assert.Equal(errorId.StartsWith("Cli", System.StringComparison.Ordinal) ? 2 : 1, code);
            Assert.Equal(string.Empty, stdout);
            Assert.Matches($@"^sshkms: .+ \[{errorId}\]\n$", stderr.Replace("\r", string.Empty));
        }

        [Fact]
        public async Task InteractiveSessionsTakeOneHost()
        {
            var (code, _, stderr) = await Run("ssh", "--ca", _ca, "h1", "h2");
            Assert.Equal(1, code);
            Assert.Contains("[SessionInteractiveManyHosts]", stderr);
        }

        public void Dispose()
        {
            _tmp.Dispose();
        }
    }
}
