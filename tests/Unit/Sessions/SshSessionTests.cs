using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using SshKms.Core;
using SshKms.Core.OpenSsh;
using SshKms.Core.Sessions;
using SshKms.Tests.Infrastructure;
using Xunit;

namespace SshKms.Tests.Sessions
{
    /// <summary>Sessions against real sshd instances on loopback; serialised with the agent tests so /tmp scans see only ours.</summary>
    [Collection("sessions")]
    public sealed class SshSessionTests : IDisposable
    {
        private readonly InMemoryCertificateMinter _minter = new InMemoryCertificateMinter();
        private readonly TempDir _tmp = new TempDir("sshkms-session-test");

        private SshdServer Server() => new SshdServer(trustedUserCaKeys: new[] { _minter.CaPublicKeyLine });

        internal static SshSessionOptions OptionsFor(SshdServer server, string command, string? knownHosts = null)
        {
            var options = new SshSessionOptions { UserName = SshdServer.CurrentUser, Port = server.Port, Command = command, ConfigFile = "/dev/null" };
            options.SshOptions.Add(new KeyValuePair<string, string>("UserKnownHostsFile", knownHosts ?? server.KnownHostsPath));
            options.SshOptions.Add(new KeyValuePair<string, string>("GlobalKnownHostsFile", "/dev/null"));
            options.SshOptions.Add(new KeyValuePair<string, string>("ConnectTimeout", "10"));
            return options;
        }

        private Task<IReadOnlyList<SshSessionResult>> Run(SshSessionOptions options, params string[] hosts) =>
            SshSession.WithCertificates(_minter.IssueAsync, options).RunAsync(hosts.Length == 0 ? new[] { "127.0.0.1" } : hosts, null, CancellationToken.None);

        /// <summary>This process's agent folders only: other test runs on the machine share /tmp.</summary>
        private static string[] AgentDirs() => Directory.GetDirectories(Path.GetTempPath(), $"sshkms-agent-{Environment.ProcessId}-*");

        [Theory]
        [InlineData(SshKeyAlgorithm.EcdsaP256, 5)]
        [InlineData(SshKeyAlgorithm.Ed25519, 3)]
        public async Task LoginWorksWithACertificateForTheMinutesAskedAndTheUserAsPrincipal(SshKeyAlgorithm algorithm, int minutes)
        {
            using SshdServer server = Server();
            SshSessionOptions options = OptionsFor(server, "echo hello-$(id -un)");
            options.KeyAlgorithm = algorithm;
            options.Validity = TimeSpan.FromMinutes(minutes);
            SshSessionResult r = (await Run(options)).Single();

            Assert.True(r.ErrorId == null, r.ErrorMessage + r.Error);
            Assert.Equal(0, r.ExitCode);
            Assert.Equal($"hello-{SshdServer.CurrentUser}\n", r.Output);
            SshCertificate cert = _minter.Issued.Single();
            Assert.Equal((ulong)(minutes * 60), cert.ValidBefore - cert.ValidAfter);
            Assert.Equal(new[] { SshdServer.CurrentUser }, cert.Principals);
            Assert.Equal(algorithm == SshKeyAlgorithm.Ed25519 ? SshKeyTypes.Ed25519 : SshKeyTypes.EcdsaP256, cert.Key.KeyType);
            Assert.Equal(cert.Serial, r.CertificateSerial);
            Assert.Equal(cert.KeyId, r.KeyId);
            Assert.Equal(SshdServer.CurrentUser, r.Principal);
            Assert.Matches($@"Accepted publickey for {SshdServer.CurrentUser} .* ID {Regex.Escape(cert.KeyId)} \(serial {cert.Serial}\) CA ", server.Log);
        }

        [Fact]
        public async Task ExitCodeStdoutAndStderrPropagate()
        {
            using SshdServer server = Server();
            var errLines = new List<string>();
            SshSessionOptions options = OptionsFor(server, "echo out; echo err >&2; exit 7");
            options.OnErrorLine = (host, line) => { lock (errLines) { errLines.Add(host + ": " + line); } };
            SshSessionResult r = (await Run(options)).Single();
            Assert.Null(r.ErrorId);
            Assert.Equal(7, r.ExitCode);
            Assert.Equal("out\n", r.Output);
            Assert.Contains("err\n", r.Error);
            Assert.Contains("127.0.0.1: err", errLines);
        }

        [Fact]
        public async Task AnUnknownHostKeyIsRefusedUnlessAcceptNewHostKey()
        {
            using SshdServer server = Server();
            string knownHosts = _tmp.File("known_hosts_empty");
            File.WriteAllText(knownHosts, string.Empty);
            SshSessionResult refused = (await Run(OptionsFor(server, "true", knownHosts))).Single();
            Assert.Equal("HostKeyUnknown", refused.ErrorId);
            Assert.Equal(255, refused.ExitCode);
            Assert.Equal(string.Empty, File.ReadAllText(knownHosts));

            SshSessionOptions accept = OptionsFor(server, "true", knownHosts);
            accept.AcceptNewHostKey = true;
            SshSessionResult accepted = (await Run(accept)).Single();
            Assert.Null(accepted.ErrorId);
            Assert.Equal(0, accepted.ExitCode);
            Assert.Contains(server.HostPublicKey.Split(' ')[1], File.ReadAllText(knownHosts));
        }

        [Fact]
        public async Task AChangedHostKeyIsRefusedEvenWithAcceptNewHostKey()
        {
            using SshdServer server = Server();
            using SshPrivateKey impostor = SshPrivateKey.Generate(SshKeyAlgorithm.Ed25519);
            string knownHosts = _tmp.File("known_hosts_changed");
            File.WriteAllText(knownHosts, $"[127.0.0.1]:{server.Port} {impostor.PublicKey}\n");
            SshSessionOptions options = OptionsFor(server, "echo should-not-run", knownHosts);
            options.AcceptNewHostKey = true;
            SshSessionResult r = (await Run(options)).Single();
            Assert.Equal("HostKeyMismatch", r.ErrorId);
            Assert.DoesNotContain("should-not-run", r.Output);
        }

        [Fact]
        public async Task AServerThatDoesNotTrustTheCaRefusesTheLogin()
        {
            using var otherCa = new InMemoryCertificateMinter();
            using var server = new SshdServer(trustedUserCaKeys: new[] { otherCa.CaPublicKeyLine });
            SshSessionResult r = (await Run(OptionsFor(server, "true"))).Single();
            Assert.Equal("LoginRefused", r.ErrorId);
            Assert.Contains("Permission denied", r.Error);
        }

        [Fact]
        public async Task TheAgentSocketIs0600InA0700DirectoryWhileRunningAndBothAreGoneAfter()
        {
            using SshdServer server = Server();
            string tmp = Path.GetTempPath().TrimEnd('/');
            // sshd runs on this machine, so the remote command can look at our agent's files.
            SshSessionResult r = (await Run(OptionsFor(server, $"stat -c '%a %F %n' {tmp}/sshkms-agent-{Environment.ProcessId}-* {tmp}/sshkms-agent-{Environment.ProcessId}-*/agent.sock"))).Single();
            Assert.Equal(0, r.ExitCode);
            string[] lines = r.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(2, lines.Length);
            Assert.StartsWith("700 directory ", lines[0]);
            Assert.StartsWith("600 socket ", lines[1]);
            string dir = lines[0].Substring("700 directory ".Length);
            Assert.False(Directory.Exists(dir));
            Assert.Empty(AgentDirs());
        }

        [Fact]
        public async Task AFailedSessionAlsoRemovesItsAgent()
        {
            int deadPort = FreePort.Next();
            var seenDuring = new List<string>();
            var options = new SshSessionOptions { Port = deadPort, Command = "true", ConfigFile = "/dev/null" };
            options.OnErrorLine = (_, __) => { lock (seenDuring) { seenDuring.AddRange(AgentDirs()); } };
            SshSessionResult r = (await Run(options)).Single();
            Assert.Equal("HostUnreachable", r.ErrorId);
            Assert.Contains("Connection refused", r.Error);
            Assert.NotEmpty(seenDuring);
            Assert.All(seenDuring, d => Assert.False(Directory.Exists(d)));
            Assert.Empty(AgentDirs());
        }

        [Fact]
        public async Task CancellingStopsSshAndRemovesTheAgent()
        {
            using SshdServer server = Server();
            var started = new TaskCompletionSource<string[]>();
            SshSessionOptions options = OptionsFor(server, "echo started; sleep 60");
            options.OnOutputLine = (_, __) => started.TrySetResult(AgentDirs());
            using var cts = new CancellationTokenSource();
            var watch = System.Diagnostics.Stopwatch.StartNew();
            Task<IReadOnlyList<SshSessionResult>> run = SshSession.WithCertificates(_minter.IssueAsync, options).RunAsync(new[] { "127.0.0.1" }, null, cts.Token);
            string[] during = await started.Task.WaitAsync(TimeSpan.FromSeconds(30));
            cts.Cancel();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(30), "ssh was not stopped");
            Assert.Single(during);
            Assert.False(Directory.Exists(during[0]));
            Assert.Empty(AgentDirs());
        }

        [Fact]
        public async Task TwentyHostsInParallelSucceedAndTheDeadOneFailsAlone()
        {
            var servers = Enumerable.Range(0, 20).Select(_ => Server()).ToList();
            try
            {
                // One known_hosts for all; each sshd is a "host" on its own port, named by an ssh_config Host alias.
                string config = _tmp.File("ssh_config");
                string knownHosts = _tmp.File("known_hosts_all");
                File.WriteAllLines(knownHosts, servers.Select(s => $"[127.0.0.1]:{s.Port} {s.HostPublicKey}"));
                int deadPort = FreePort.Next();
                File.WriteAllLines(config, servers.Select((s, i) => $"Host node{i}\n  HostName 127.0.0.1\n  Port {s.Port}")
                    .Append($"Host dead\n  HostName 127.0.0.1\n  Port {deadPort}"));
                var options = new SshSessionOptions { UserName = SshdServer.CurrentUser, Command = "echo ok-$(hostname)", ConfigFile = config, ThrottleLimit = 21 };
                options.SshOptions.Add(new KeyValuePair<string, string>("UserKnownHostsFile", knownHosts));
                options.SshOptions.Add(new KeyValuePair<string, string>("ConnectTimeout", "10"));
                var reported = new List<string>();
                string[] hosts = Enumerable.Range(0, 20).Select(i => "node" + i).Append("dead").ToArray();
                IReadOnlyList<SshSessionResult> results = await SshSession.WithCertificates(_minter.IssueAsync, options)
                    .RunAsync(hosts, x => { lock (reported) { reported.Add(x.HostName); } }, CancellationToken.None);

                Assert.Equal(hosts, results.Select(x => x.HostName));
                Assert.Equal(hosts.OrderBy(h => h), reported.OrderBy(h => h));
                Assert.All(results.Take(20), x => Assert.True(x.Succeeded && x.Output.StartsWith("ok-"), x.HostName + ": " + x.ErrorMessage + x.Error));
                Assert.Equal("HostUnreachable", results[20].ErrorId);
                Assert.Equal(21, _minter.Issued.Select(c => c.Serial).Distinct().Count());
                Assert.All(servers, s => Assert.Contains("Accepted publickey", s.Log));
            }
            finally
            {
                servers.ForEach(s => s.Dispose());
            }
        }

        [Fact]
        public async Task CopiesFilesBothWaysThroughTheAgent()
        {
            // scp speaks sftp by default, which the fixture's sshd must offer.
            using var server = new SshdServer(trustedUserCaKeys: new[] { _minter.CaPublicKeyLine }, extraConfig: new[] { "Subsystem sftp internal-sftp" });
            string local = _tmp.File("up.txt");
            File.WriteAllText(local, "payload-up");
            string remote = _tmp.File("remote.txt");
            string back = _tmp.File("back.txt");
            SshSessionOptions options = OptionsFor(server, "unused");
            SshSession session = SshSession.WithCertificates(_minter.IssueAsync, options);

            SshSessionResult up = await session.CopyAsync(new[] { local }, "127.0.0.1:" + remote, CancellationToken.None);
            Assert.True(up.Succeeded, up.ErrorMessage + up.Error);
            Assert.Equal("payload-up", File.ReadAllText(remote));
            SshSessionResult down = await session.CopyAsync(new[] { "127.0.0.1:" + remote }, back, CancellationToken.None);
            Assert.True(down.Succeeded, down.ErrorMessage + down.Error);
            Assert.Equal("payload-up", File.ReadAllText(back));
            Assert.Equal(2, Regex.Matches(server.Log, "Accepted publickey .* ID sshkms-test:").Count);
        }

        [Fact]
        public void AMissingClientSaysHowToInstallIt()
        {
            var ex = Assert.Throws<SshKmsException>(() => OpenSshClient.Find("ssh-not-installed-anywhere"));
            Assert.Equal("SshClientNotFound", ex.ErrorId);
            Assert.Contains("apt install openssh-client", ex.Message);
        }

        [Fact]
        public void ScpHostIsFoundOnEitherSide()
        {
            Assert.Equal("u@h1", SshSession.ScpDestination(new[] { "./a", "u@h1:/tmp/x" }));
            Assert.Equal("h1", SshSession.HostOf("u@h1"));
            Assert.Equal("h2", SshSession.ScpDestination(new[] { "h2:x", "/local" }));
            Assert.Null(SshSession.ScpDestination(new[] { "/a:b", "./c" }));
            Assert.True(SshSession.IsRemoteOperand("u@h1:/tmp/x"));
            Assert.False(SshSession.IsRemoteOperand("./a:b"));
        }

        public void Dispose()
        {
            _minter.Dispose();
            _tmp.Dispose();
        }
    }
}
