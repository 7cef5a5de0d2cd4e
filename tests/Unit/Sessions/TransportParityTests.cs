using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using SshKms.Core.Sessions;
using SshKms.Tests.Infrastructure;
using Xunit;

namespace SshKms.Tests.Sessions
{
    /// <summary>
    /// Each behaviour once per transport, against the same kind of real sshd, through the surface users touch (the
    /// session engine, the cmdlet in a runspace, the CLI as a process): the Managed transport must do what the
    /// system ssh and scp do.
    /// </summary>
    [Collection("sessions")]
    public sealed class TransportParityTests : IDisposable
    {
        private readonly InMemoryCertificateMinter _minter = new InMemoryCertificateMinter();
        private readonly TempDir _tmp = new TempDir("sshkms-parity");
        private readonly string _ca = TestHome.NewLocalCa("parity-ca");

        public void Dispose()
        {
            _minter.Dispose();
            _tmp.Dispose();
        }

        private static string Name(SshTransportKind transport) => transport.ToString().ToLowerInvariant();

        /// <summary>scp speaks SFTP by default, and so does the Managed copy: the fixture's sshd offers it.</summary>
        private SshdServer Server(string? caLine = null) =>
            new SshdServer(trustedUserCaKeys: new[] { caLine ?? _minter.CaPublicKeyLine }, extraConfig: new[] { "Subsystem sftp internal-sftp" });

        private async Task<SshSessionResult> Run(SshdServer server, string command, SshTransportKind transport, Action<SshSessionOptions>? adjust = null)
        {
            SshSessionOptions options = SshSessionTests.OptionsFor(server, command);
            options.Transport = transport;
            adjust?.Invoke(options);
            return (await SshSession.WithCertificates(_minter.IssueAsync, options).RunAsync(new[] { "127.0.0.1" }, null, CancellationToken.None)).Single();
        }

        private string[] CliLogin(SshdServer server, SshTransportKind transport) => new[]
        {
            "--transport", Name(transport), "--ca", _ca, "--user", SshdServer.CurrentUser, "--port", server.Port.ToString(), "--ssh-config", "/dev/null",
            "--ssh-option", "UserKnownHostsFile=" + server.KnownHostsPath, "--ssh-option", "GlobalKnownHostsFile=/dev/null",
        };

        [Theory]
        [InlineData(SshTransportKind.OpenSsh)]
        [InlineData(SshTransportKind.Managed)]
        public async Task ExitCodesPassThroughAndASignalledCommandIs255(SshTransportKind transport)
        {
            using SshdServer server = Server();
            SshSessionResult zero = await Run(server, "true", transport);
            SshSessionResult three = await Run(server, "exit 3", transport);
            SshSessionResult killed = await Run(server, "echo before; kill -9 $$", transport);

            Assert.True(zero.Succeeded, zero.ErrorMessage + zero.Error);
            Assert.Equal((3, (string?)null), (three.ExitCode, three.ErrorId));
            Assert.Equal(255, killed.ExitCode);
            Assert.Equal("before\n", killed.Output);
        }

        [Theory]
        [InlineData(SshTransportKind.OpenSsh)]
        [InlineData(SshTransportKind.Managed)]
        public async Task EachLineReachesTheSinkWhileTheCommandStillRuns(SshTransportKind transport)
        {
            using SshdServer server = Server();
            string marker = _tmp.File("seen-" + Name(transport));

            // The command waits until the test has seen its first line: output given only at the end would time it out.
            string command = $"echo first; echo oops >&2; i=0; while [ ! -e '{marker}' ] && [ $i -lt 150 ]; do sleep 0.1; i=$((i+1)); done; "
                + $"[ -e '{marker}' ] && echo second || echo timed-out";
            var lines = new List<string>();
            SshSessionResult r = await Run(server, command, transport, o =>
            {
                o.OnOutputLine = (host, line) =>
                {
                    lock (lines) { lines.Add(host + " out: " + line); }
                    File.WriteAllText(marker, string.Empty);
                };
                o.OnErrorLine = (host, line) => { lock (lines) { lines.Add(host + " err: " + line); } };
            });

            Assert.True(r.Succeeded, r.ErrorMessage + r.Error);
            Assert.Equal("first\nsecond\n", r.Output);
            Assert.Equal("oops\n", r.Error);
            Assert.Equal(new[] { "127.0.0.1 out: first", "127.0.0.1 out: second" }, lines.Where(l => l.Contains(" out: ")));
            Assert.Contains("127.0.0.1 err: oops", lines);
        }

        [Theory]
        [InlineData(SshTransportKind.OpenSsh)]
        [InlineData(SshTransportKind.Managed)]
        public void TheCliPassesStdinAndBinaryOutputThroughByteForByte(SshTransportKind transport)
        {
            using SshdServer server = Server(TestHome.CaPublicKeyLine(_ca));
            string remote = _tmp.File("from-stdin-" + Name(transport));

            // A NUL, a non-ASCII byte and no final newline: line-by-line handling would lose or change all three.
            const string input = "first line\n\u0000second \u00e9 line, no newline at the end";
            Tool.Result write = Tool.Sshkms(new[] { "ssh" }.Concat(CliLogin(server, transport)).Concat(new[] { "127.0.0.1", "--", $"cat > '{remote}'" }), stdin: input);
            Assert.True(write.ExitCode == 0, write.Error);
            Assert.Equal(input, File.ReadAllText(remote));

            Tool.Result echo = Tool.Sshkms(new[] { "ssh" }.Concat(CliLogin(server, transport))
                .Concat(new[] { "127.0.0.1", "--", "cat; printf ' [tail]' >&2; exit 4" }), stdin: input);
            Assert.Equal(4, echo.ExitCode);
            Assert.Equal(input, echo.Output);
            Assert.Equal(" [tail]", echo.Error);
        }

        [Theory]
        [InlineData(SshTransportKind.OpenSsh)]
        [InlineData(SshTransportKind.Managed)]
        public void ThreeHostsUnderAThrottleOfTwoGiveTheirOwnResultsThroughTheCmdletAndOneJsonLineEachThroughTheCli(SshTransportKind transport)
        {
            // One sshd on three loopback addresses: three hosts, each answering with the last number of its address.
            using var server = new SshdServer(trustedUserCaKeys: new[] { TestHome.CaPublicKeyLine(_ca) },
                extraConfig: new[] { "ListenAddress 127.0.0.2", "ListenAddress 127.0.0.3" });
            string[] hosts = { "127.0.0.1", "127.0.0.2", "127.0.0.3" };
            string known = _tmp.File("known-" + Name(transport));
            File.WriteAllLines(known, hosts.Select(h => $"[{h}]:{server.Port} {server.HostPublicKey}"));
            const string command = "set -- $SSH_CONNECTION; echo out-${3##*.}; echo err-${3##*.} >&2; exit ${3##*.}";

            using (var ps = new ModuleRunspace())
            {
                List<SshSessionResult> results = ps.Ok(
                    "Invoke-SshKmsSession -HostName $hosts -Command $c -ThrottleLimit 2 -Transport $t -CaKey $ca -UserName $u -Port $p -ConfigFile /dev/null "
                    + "-SshOption @{ UserKnownHostsFile = $kh; GlobalKnownHostsFile = '/dev/null' }",
                    ("hosts", hosts), ("c", command), ("t", transport.ToString()), ("ca", _ca), ("u", SshdServer.CurrentUser), ("p", server.Port), ("kh", known))
                    .Select(o => (SshSessionResult)o.BaseObject).OrderBy(r => r.HostName).ToList();
                Assert.Equal(hosts, results.Select(r => r.HostName));
                for (int i = 0; i < 3; i++)
                {
                    Assert.True(results[i].ErrorId == null, results[i].ErrorMessage + results[i].Error);
                    Assert.Equal((i + 1, $"out-{i + 1}\n", $"err-{i + 1}\n"), (results[i].ExitCode, results[i].Output, results[i].Error));
                }
            }

            string[] login = CliLogin(server, transport);
            login[Array.IndexOf(login, "--ssh-option") + 1] = "UserKnownHostsFile=" + known;
            Tool.Result cli = Tool.Sshkms(new[] { "ssh", "--json", "--parallel", "2" }.Concat(login).Concat(hosts).Concat(new[] { "--", command }));
            List<JsonElement> objects = cli.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement)
                .OrderBy(o => o.GetProperty("hostName").GetString()).ToList();
            Assert.True(objects.Count == 3, cli.Output + cli.Error);
            Assert.Equal(3, cli.ExitCode);
            for (int i = 0; i < 3; i++)
            {
                Assert.Equal(hosts[i], objects[i].GetProperty("hostName").GetString());
                Assert.Equal(i + 1, objects[i].GetProperty("exitCode").GetInt32());
                Assert.Equal($"out-{i + 1}\n", objects[i].GetProperty("output").GetString());
                Assert.Equal($"err-{i + 1}\n", objects[i].GetProperty("error").GetString());
                Assert.Equal(JsonValueKind.Null, objects[i].GetProperty("errorId").ValueKind);
                Assert.Equal(JsonValueKind.Number, objects[i].GetProperty("certificateSerial").ValueKind);
            }
        }
    }
}
