using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using SshKms.Core.Audit;
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
            Assert.Equal((255, "SshFailed"), (killed.ExitCode, killed.ErrorId));
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

        /// <summary>An sshd whose SFTP server starts in its own folder, so relative remote paths land there and not in this machine's home.</summary>
        private SshdServer CopyServer(string startDirectory) => new SshdServer(trustedUserCaKeys: new[] { TestHome.CaPublicKeyLine(_ca) },
            extraConfig: new[] { $"Subsystem sftp internal-sftp -d {Directory.CreateDirectory(startDirectory).FullName}" });

        [Theory]
        [InlineData(SshTransportKind.OpenSsh)]
        [InlineData(SshTransportKind.Managed)]
        public void TheCliCopiesAFileUpAndBackWithARelativeRemotePathAndUserAtHost(SshTransportKind transport)
        {
            string start = _tmp.File("start-" + Name(transport));
            using SshdServer server = CopyServer(start);
            string local = _tmp.File("up-" + Name(transport) + ".bin");
            byte[] payload = Enumerable.Range(0, 70000).Select(i => (byte)(i * 7)).ToArray();
            File.WriteAllBytes(local, payload);

            Tool.Result up = Tool.Sshkms(new[] { "scp" }.Concat(CliLogin(server, transport)).Concat(new[] { local, "127.0.0.1:up.bin" }));
            Assert.True(up.ExitCode == 0, up.Error);
            Assert.Equal(payload, File.ReadAllBytes(Path.Combine(start, "up.bin")));

            string back = _tmp.File("back-" + Name(transport) + ".bin");
            Tool.Result down = Tool.Sshkms(new[] { "scp" }.Concat(CliLogin(server, transport)).Concat(new[] { $"{SshdServer.CurrentUser}@127.0.0.1:up.bin", back }));
            Assert.True(down.ExitCode == 0, down.Error);
            Assert.Equal(payload, File.ReadAllBytes(back));
            Assert.Equal(2, TestHome.IssuedBy(_ca).Count(e => e.GetProperty("principals").EnumerateArray().Single().GetString() == SshdServer.CurrentUser));
        }

        [Theory]
        [InlineData(SshTransportKind.OpenSsh)]
        [InlineData(SshTransportKind.Managed)]
        public void TheCmdletCopiesDirectoriesRecursivelyAndSeveralSourcesIntoADirectoryBothWays(SshTransportKind transport)
        {
            string start = _tmp.File("start-dir-" + Name(transport));
            using SshdServer server = CopyServer(start);
            string tree = _tmp.File("tree-" + Name(transport));
            Directory.CreateDirectory(Path.Combine(tree, "sub", "deeper"));
            File.WriteAllText(Path.Combine(tree, "top.txt"), "top");
            File.WriteAllText(Path.Combine(tree, "sub", "deeper", "leaf.txt"), "leaf");
            string single = _tmp.File("single-" + Name(transport) + ".txt");
            File.WriteAllText(single, "single");
            Directory.CreateDirectory(Path.Combine(start, "inbox"));

            using var ps = new ModuleRunspace();
            const string login = "-Transport $t -CaKey $ca -UserName $u -Port $p -ConfigFile /dev/null -SshOption @{ UserKnownHostsFile = $kh; GlobalKnownHostsFile = '/dev/null' }";
            (string, object?)[] vars = { ("t", transport.ToString()), ("ca", _ca), ("u", SshdServer.CurrentUser), ("p", server.Port), ("kh", server.KnownHostsPath),
                ("src", new[] { tree, single }), ("back", _tmp.File("back-" + Name(transport))) };
            var up = (SshSessionResult)Assert.Single(ps.Ok("Copy-SshKmsItem -Path $src -Destination 127.0.0.1:inbox " + login, vars)).BaseObject;
            Assert.True(up.Succeeded, up.ErrorMessage + up.Error);
            string inbox = Path.Combine(start, "inbox");
            Assert.Equal("top", File.ReadAllText(Path.Combine(inbox, Path.GetFileName(tree), "top.txt")));
            Assert.Equal("leaf", File.ReadAllText(Path.Combine(inbox, Path.GetFileName(tree), "sub", "deeper", "leaf.txt")));
            Assert.Equal("single", File.ReadAllText(Path.Combine(inbox, Path.GetFileName(single))));

            // A directory to a path that does not exist yet becomes that path, as with scp -r.
            var down = (SshSessionResult)Assert.Single(ps.Ok("Copy-SshKmsItem -Path 127.0.0.1:inbox -Destination $back " + login, vars)).BaseObject;
            Assert.True(down.Succeeded, down.ErrorMessage + down.Error);
            string back = _tmp.File("back-" + Name(transport));
            Assert.Equal("leaf", File.ReadAllText(Path.Combine(back, Path.GetFileName(tree), "sub", "deeper", "leaf.txt")));
            Assert.Equal("single", File.ReadAllText(Path.Combine(back, Path.GetFileName(single))));

            // Nothing was written beside the destination: every name came from the listing or from the caller.
            Assert.Equal(new[] { "back-" + Name(transport) }, Directory.GetFileSystemEntries(_tmp.Path)
                .Select(Path.GetFileName).Where(n => n!.StartsWith("back-" + Name(transport), StringComparison.Ordinal)));
        }

        [Theory]
        [InlineData(SshTransportKind.OpenSsh)]
        [InlineData(SshTransportKind.Managed)]
        public void AMissingLocalSourceStopsTheCopyThereWithExit255AsScpDoes(SshTransportKind transport)
        {
            string start = _tmp.File("start-missing-local-" + Name(transport));
            using SshdServer server = CopyServer(start);
            string present = _tmp.File("present-" + Name(transport) + ".txt");
            File.WriteAllText(present, "here");
            string absent = _tmp.File("absent-" + Name(transport) + ".txt");

            string after = _tmp.File("after-" + Name(transport) + ".txt");
            File.WriteAllText(after, "after");

            Tool.Result up = Tool.Sshkms(new[] { "scp" }.Concat(CliLogin(server, transport)).Concat(new[] { present, absent, after, "127.0.0.1:." }));
            Assert.True(up.ExitCode == 255, up.ExitCode + ": " + up.Error);
            Assert.Equal("SshFailed", Parity.FrontEndParity.CliErrorId(up.Error));
            Assert.Contains($"stat local \"{absent}\": No such file or directory", up.Error);
            Assert.Equal(new[] { Path.GetFileName(present) }, Directory.GetFileSystemEntries(start).Select(Path.GetFileName));
        }

        [Theory]
        [InlineData(SshTransportKind.OpenSsh)]
        [InlineData(SshTransportKind.Managed)]
        public void AMissingRemoteSourceIsExit1WithItsNameAndTheOtherSourcesStillCopy(SshTransportKind transport)
        {
            string start = _tmp.File("start-missing-remote-" + Name(transport));
            using SshdServer server = CopyServer(start);
            File.WriteAllText(Path.Combine(start, "there.txt"), "there");
            string into = Directory.CreateDirectory(_tmp.File("into-" + Name(transport))).FullName;

            Tool.Result down = Tool.Sshkms(new[] { "scp" }.Concat(CliLogin(server, transport)).Concat(new[] { "127.0.0.1:no-such-file", "127.0.0.1:there.txt", into }));
            Assert.True(down.ExitCode == 1, down.ExitCode + ": " + down.Error);
            Assert.Contains("scp: no-such-file: No such file or directory", down.Error);
            Assert.DoesNotContain("sshkms:", down.Error);
            Assert.Equal("there", File.ReadAllText(Path.Combine(into, "there.txt")));

            using var ps = new ModuleRunspace();
            RunResult cmdlet = ps.Run("Copy-SshKmsItem -Path 127.0.0.1:no-such-file -Destination $d -Transport $t -CaKey $ca -UserName $u -Port $p -ConfigFile /dev/null "
                + "-SshOption @{ UserKnownHostsFile = $kh }", ("d", _tmp.File("never-" + Name(transport))), ("t", transport.ToString()), ("ca", _ca),
                ("u", SshdServer.CurrentUser), ("p", server.Port), ("kh", server.KnownHostsPath));
            var result = (SshSessionResult)Assert.Single(cmdlet.Output).BaseObject;
            Assert.Equal((1, (string?)null), (result.ExitCode, result.ErrorId));
            Assert.Empty(cmdlet.Errors);
            Assert.Contains("No such file or directory", result.Error);
            Assert.False(File.Exists(_tmp.File("never-" + Name(transport))));
        }

        [Theory]
        [InlineData(SshTransportKind.OpenSsh)]
        [InlineData(SshTransportKind.Managed)]
        public void ACopyToAnUnreachableHostIsHostUnreachable(SshTransportKind transport)
        {
            string src = _tmp.File("unreachable-" + Name(transport));
            File.WriteAllText(src, "x");
            Tool.Result r = Tool.Sshkms(new[] { "scp", "--transport", Name(transport), "--ca", _ca, "--ssh-config", "/dev/null", "--port", FreePort.Next().ToString(),
                src, "127.0.0.1:x" });
            Assert.Equal(255, r.ExitCode);
            Assert.Equal("HostUnreachable", Parity.FrontEndParity.CliErrorId(r.Error));
        }

        [Theory]
        [InlineData(SshTransportKind.OpenSsh)]
        [InlineData(SshTransportKind.Managed)]
        public void AShellWithStdinRedirectedReadsItsCommandsFromStdinWithoutATerminal(SshTransportKind transport)
        {
            using SshdServer server = Server(TestHome.CaPublicKeyLine(_ca));
            Tool.Result r = Tool.Sshkms(new[] { "ssh" }.Concat(CliLogin(server, transport)).Concat(new[] { "127.0.0.1" }),
                stdin: "echo hi; tty; echo to-stderr >&2; exit 3\n");
            Assert.True(r.ExitCode == 3, r.ExitCode + ": " + r.Output + r.Error);
            Assert.Equal("hi\nnot a tty\n", r.Output);
            // (ssh asked for a terminal adds that it will not allocate one.)
            Assert.EndsWith("to-stderr\n", r.Error);
        }

        [Theory]
        [InlineData(SshTransportKind.OpenSsh)]
        [InlineData(SshTransportKind.Managed)]
        public void AShellOnATerminalGetsAPseudoTerminalWithTheTermAndSizeAndGivesItsExitStatus(SshTransportKind transport)
        {
            using SshdServer server = Server(TestHome.CaPublicKeyLine(_ca));

            // script(1) gives sshkms a terminal of its own (37x101, TERM vt100); the keys typed are the shell's commands.
            string sshkms = string.Join(" ", new[] { "dotnet", Path.Combine(AppContext.BaseDirectory, "sshkms.dll"), "ssh" }
                .Concat(CliLogin(server, transport)).Append("127.0.0.1").Select(a => "'" + a + "'"));
            Tool.Result r = Tool.Run("script", new[] { "-qec", $"stty rows 37 cols 101; {sshkms}", "/dev/null" },
                stdin: "echo TERM=$TERM SIZE=$(stty size) TTY=$(tty); exit 5\n", env: new Dictionary<string, string?> { ["TERM"] = "vt100" });
            Assert.True(r.ExitCode == 5, r.ExitCode + ": " + r.Output + r.Error);
            Assert.Contains("TERM=vt100 SIZE=37 101 TTY=/dev/pts/", r.Output);
        }

        [Theory]
        [InlineData(SshTransportKind.OpenSsh)]
        [InlineData(SshTransportKind.Managed)]
        public async Task CancellingARunStopsItPromptlyAndTheJournalRecordsSessionCancelled(SshTransportKind transport)
        {
            using SshdServer server = Server(TestHome.CaPublicKeyLine(_ca));
            string marker = _tmp.File("cancel-started-" + Name(transport));
            var options = new OpenSessionOptions
            {
                Targets = new[] { new SshTarget("127.0.0.1") }, Command = $"touch '{marker}'; echo started; sleep 60", CaKey = _ca,
                UserName = SshdServer.CurrentUser, Port = server.Port, ConfigFile = "/dev/null", Transport = transport,
                SshOptions = { new KeyValuePair<string, string>("UserKnownHostsFile", server.KnownHostsPath) },
            };
            using var cts = new CancellationTokenSource();
            options.OnOutputLine = (_, line) => cts.Cancel();
            options.CancelReason = () => "test-" + Name(transport);
            var watch = Stopwatch.StartNew();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => OpenSessionOperation.RunAsync(options, cts.Token));
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(20), "the run was not stopped: " + watch.Elapsed);
            Assert.True(File.Exists(marker));

            AuditRecord ended = Assert.Single(AuditJournal.Default().Read(new AuditFilter { Types = { AuditEvent.SessionEnded } }),
                e => e["command"] is string c && c.Contains(marker));
            Assert.Equal((130L, "SessionCancelled", (object?)("test-" + Name(transport))), (ended.ExitCode, ended.ErrorId, ended["reason"]));
        }

        [Theory]
        [InlineData(SshTransportKind.OpenSsh)]
        [InlineData(SshTransportKind.Managed)]
        public void AStoredKeyPairLogsInForACommandAndACopy(SshTransportKind transport)
        {
            using var moto = new MotoServer();
            string[] aws = { "--endpoint-url", moto.Endpoint, "--region", MotoServer.TestRegion };
            string secret = "parity/" + Name(transport) + "-" + Guid.NewGuid().ToString("N").Substring(0, 8);
            Tool.Result created = Tool.Sshkms(new[] { "keypair", "new", "--secret-id", secret, "--key-type", "ecdsa", "--user", SshdServer.CurrentUser }.Concat(aws));
            Assert.True(created.ExitCode == 0, created.Error);
            string start = _tmp.File("start-secret-" + Name(transport));
            using var server = new SshdServer(authorizedKeys: new[] { created.Output.Trim() },
                extraConfig: new[] { $"Subsystem sftp internal-sftp -d {Directory.CreateDirectory(start).FullName}" });
            string[] login = { "--transport", Name(transport), "--secret-id", secret, "--user", SshdServer.CurrentUser, "--port", server.Port.ToString(),
                "--ssh-config", "/dev/null", "--ssh-option", "UserKnownHostsFile=" + server.KnownHostsPath };

            Tool.Result ssh = Tool.Sshkms(new[] { "ssh", "--json" }.Concat(login).Concat(aws).Concat(new[] { "127.0.0.1", "--", "echo via-secret" }));
            Assert.True(ssh.ExitCode == 0, ssh.Output + ssh.Error);
            JsonElement result = JsonDocument.Parse(ssh.Output).RootElement;
            Assert.Equal("via-secret\n", result.GetProperty("output").GetString());
            Assert.Equal(JsonValueKind.Null, result.GetProperty("certificateSerial").ValueKind);

            string local = _tmp.File("secret-copy-" + Name(transport));
            File.WriteAllText(local, "secret-copy");
            Tool.Result scp = Tool.Sshkms(new[] { "scp" }.Concat(login).Concat(aws).Concat(new[] { local, "127.0.0.1:copied" }));
            Assert.True(scp.ExitCode == 0, scp.Error);
            Assert.Equal("secret-copy", File.ReadAllText(Path.Combine(start, "copied")));
            Assert.Equal(2, System.Text.RegularExpressions.Regex.Matches(server.Log, "Accepted publickey for .* ECDSA SHA256:").Count);
        }
    }
}
