using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using SshKms.Core.OpenSsh;
using SshKms.Core.Sessions;
using SshKms.Tests.Infrastructure;
using Xunit;

namespace SshKms.Tests.Sessions
{
    /// <summary>The in-process SSH.NET transport against real sshd instances, side by side with the system ssh.</summary>
    [Collection("sessions")]
    public sealed class ManagedTransportTests : IDisposable
    {
        private readonly InMemoryCertificateMinter _minter = new InMemoryCertificateMinter();
        private readonly TempDir _tmp = new TempDir("sshkms-managed-test");

        public void Dispose()
        {
            _minter.Dispose();
            _tmp.Dispose();
        }

        private SshdServer Server() => new SshdServer(trustedUserCaKeys: new[] { _minter.CaPublicKeyLine });

        private async Task<SshSessionResult> Run(SshSessionOptions options, SshTransportKind transport)
        {
            options.Transport = transport;
            return (await SshSession.WithCertificates(_minter.IssueAsync, options).RunAsync(new[] { "127.0.0.1" }, null, CancellationToken.None)).Single();
        }

        [Theory]
        [InlineData(SshKeyAlgorithm.EcdsaP256)]
        [InlineData(SshKeyAlgorithm.Ed25519)]
        public async Task BothTransportsGiveTheSameExitCodeOutputAndErrors(SshKeyAlgorithm algorithm)
        {
            using SshdServer server = Server();
            var results = new List<SshSessionResult>();
            var managedErrLines = new List<string>();
            foreach (SshTransportKind transport in new[] { SshTransportKind.OpenSsh, SshTransportKind.Managed })
            {
                SshSessionOptions options = SshSessionTests.OptionsFor(server, "echo out-$(id -un); echo err >&2; exit 7");
                options.KeyAlgorithm = algorithm;
                if (transport == SshTransportKind.Managed)
                {
                    options.OnErrorLine = (host, line) => { lock (managedErrLines) { managedErrLines.Add(host + ": " + line); } };
                }

                results.Add(await Run(options, transport));
            }

            Assert.All(results, r => Assert.True(r.ErrorId == null, r.ErrorId + " " + r.ErrorMessage + r.Error));
            Assert.All(results, r => Assert.Equal(7, r.ExitCode));
            Assert.All(results, r => Assert.Equal($"out-{SshdServer.CurrentUser}\n", r.Output));
            Assert.All(results, r => Assert.Contains("err\n", r.Error));
            Assert.Equal(new[] { "127.0.0.1: err" }, managedErrLines);

            // Both logins were with a certificate from the CA (two certificates, both seen by sshd).
            Assert.Equal(2, _minter.Issued.Count);
            Assert.All(_minter.Issued, cert => Assert.Contains($"ID {cert.KeyId} (serial {cert.Serial}) CA ", server.Log));
        }

        [Fact]
        public async Task AHashedKnownHostsNameIsRecognised()
        {
            using SshdServer server = Server();
            byte[] salt = RandomNumberGenerator.GetBytes(20);
            using var hmac = new HMACSHA1(salt);
            string hashed = $"|1|{Convert.ToBase64String(salt)}|{Convert.ToBase64String(hmac.ComputeHash(Encoding.UTF8.GetBytes($"[127.0.0.1]:{server.Port}")))}";
            string knownHosts = _tmp.File("known_hosts_hashed");
            File.WriteAllText(knownHosts, $"# a comment\n{hashed} {server.HostPublicKey}\n");
            SshSessionResult r = await Run(SshSessionTests.OptionsFor(server, "echo hashed-ok", knownHosts), SshTransportKind.Managed);
            Assert.True(r.ErrorId == null, r.ErrorMessage);
            Assert.Equal("hashed-ok\n", r.Output);
        }

        [Fact]
        public async Task ADifferentKnownKeyIsHostKeyMismatchEvenWithAcceptNew()
        {
            using SshdServer server = Server();
            using SshPrivateKey impostor = SshPrivateKey.Generate(SshKeyAlgorithm.Ed25519);
            string knownHosts = _tmp.File("known_hosts_changed");
            File.WriteAllText(knownHosts, $"[127.0.0.1]:{server.Port} {impostor.PublicKey}\n");
            SshSessionOptions options = SshSessionTests.OptionsFor(server, "echo should-not-run", knownHosts);
            options.AcceptNewHostKey = true;
            SshSessionResult r = await Run(options, SshTransportKind.Managed);
            Assert.Equal("HostKeyMismatch", r.ErrorId);
            Assert.Equal(255, r.ExitCode);
            Assert.DoesNotContain("should-not-run", r.Output);
            Assert.DoesNotContain("Accepted publickey", server.Log);
        }

        [Fact]
        public async Task ARevokedHostKeyIsRefusedEvenWhenAlsoListedAsKnown()
        {
            using SshdServer server = Server();
            string knownHosts = _tmp.File("known_hosts_revoked");
            File.WriteAllText(knownHosts, $"[127.0.0.1]:{server.Port} {server.HostPublicKey}\n@revoked * {server.HostPublicKey}\n");
            SshSessionResult r = await Run(SshSessionTests.OptionsFor(server, "echo should-not-run", knownHosts), SshTransportKind.Managed);
            Assert.Equal("HostKeyMismatch", r.ErrorId);
            Assert.DoesNotContain("should-not-run", r.Output);
        }

        [Fact]
        public async Task AnUnknownHostIsRefusedUnlessAcceptNewWhichRecordsItsKey()
        {
            using SshdServer server = Server();
            string knownHosts = _tmp.File("known_hosts_empty");
            File.WriteAllText(knownHosts, string.Empty);
            SshSessionResult refused = await Run(SshSessionTests.OptionsFor(server, "true", knownHosts), SshTransportKind.Managed);
            Assert.Equal("HostKeyUnknown", refused.ErrorId);
            Assert.Equal(string.Empty, File.ReadAllText(knownHosts));

            SshSessionOptions accept = SshSessionTests.OptionsFor(server, "true", knownHosts);
            accept.AcceptNewHostKey = true;
            SshSessionResult accepted = await Run(accept, SshTransportKind.Managed);
            Assert.True(accepted.Succeeded, accepted.ErrorMessage);
            Assert.Equal($"[127.0.0.1]:{server.Port} {server.HostPublicKey.Split(' ')[0]} {server.HostPublicKey.Split(' ')[1]}\n", File.ReadAllText(knownHosts));

            // The recorded key is then known to the system ssh as well.
            SshSessionResult viaOpenSsh = await Run(SshSessionTests.OptionsFor(server, "true", knownHosts), SshTransportKind.OpenSsh);
            Assert.True(viaOpenSsh.Succeeded, viaOpenSsh.ErrorMessage + viaOpenSsh.Error);
        }

        [Fact]
        public async Task AClosedPortIsHostUnreachable()
        {
            var options = new SshSessionOptions { Port = FreePort.Next(), Command = "true", UserName = SshdServer.CurrentUser };
            SshSessionResult r = await Run(options, SshTransportKind.Managed);
            Assert.Equal("HostUnreachable", r.ErrorId);
            Assert.Equal(255, r.ExitCode);
        }

        [Fact]
        public async Task AServerThatDoesNotTrustTheCaIsLoginRefused()
        {
            using var otherCa = new InMemoryCertificateMinter();
            using var server = new SshdServer(trustedUserCaKeys: new[] { otherCa.CaPublicKeyLine });
            SshSessionResult r = await Run(SshSessionTests.OptionsFor(server, "true"), SshTransportKind.Managed);
            Assert.Equal("LoginRefused", r.ErrorId);
        }

        [Fact]
        public void TheCmdletRunsThroughTheManagedTransport()
        {
            using var ps = new ModuleRunspace();
            string ca = TestHome.NewLocalCa("managed-ca");
            using var server = new SshdServer(trustedUserCaKeys: new[] { TestHome.CaPublicKeyLine(ca) });
            var result = (SshSessionResult)Assert.Single(ps.Ok(
                "Invoke-SshKmsSession 127.0.0.1 'echo managed-$(id -un)' -Transport Managed -CaKey $ca -UserName $u -Port $p -SshOption @{ UserKnownHostsFile = $kh }",
                ("ca", ca), ("u", SshdServer.CurrentUser), ("p", server.Port), ("kh", server.KnownHostsPath))).BaseObject;
            Assert.True(result.Succeeded, result.ErrorMessage + result.Error);
            Assert.Equal($"managed-{SshdServer.CurrentUser}\n", result.Output);
            Assert.Contains($"(serial {result.CertificateSerial}) CA ", server.Log);

            // A wrong transport name is Core's error, as from the CLI.
            RunResult bad = ps.Run("Invoke-SshKmsSession 127.0.0.1 'true' -Transport Telnet -CaKey $ca", ("ca", ca));
            Assert.StartsWith("SshTransportInvalid,", bad.Error.FullyQualifiedErrorId);
        }
        [Fact]
        public void TheCliWithoutAnSshOnPathFallsBackToManaged()
        {
            string ca = TestHome.NewLocalCa("managed-cli-ca");
            using var server = new SshdServer(trustedUserCaKeys: new[] { TestHome.CaPublicKeyLine(ca) });
            string[] common = { "ssh", "--ca", ca, "--user", SshdServer.CurrentUser, "--port", server.Port.ToString(),
                "--ssh-option", "UserKnownHostsFile=" + server.KnownHostsPath, "127.0.0.1", "--", "echo", "auto-ok" };

            // PATH holds dotnet alone: no ssh, so Auto must pick the in-process client.
            string dotnetDir = Path.GetDirectoryName(Tool.Check("sh", "-c", "readlink -f \"$(command -v dotnet)\"").Trim())!;
            Assert.False(File.Exists(Path.Combine(dotnetDir, "ssh")));
            Tool.Result r = Tool.Sshkms(common, new Dictionary<string, string?> { ["PATH"] = dotnetDir });
            Assert.True(r.ExitCode == 0, r.Error);
            Assert.Equal("auto-ok\n", r.Output);
            Assert.Contains("Accepted publickey", server.Log);

            Tool.Result bad = Tool.Sshkms(new[] { "ssh", "--transport", "telnet", "--ca", ca, "127.0.0.1", "--", "true" });
            Assert.NotEqual(0, bad.ExitCode);
            Assert.Contains("[SshTransportInvalid]", bad.Error);
        }

        [Fact]
        public void TheCliStoppedBySigtermClosesTheManagedSessionAndRecordsItsEnd()
        {
            string ca = TestHome.NewLocalCa("managed-cancel-ca");
            using var server = new SshdServer(trustedUserCaKeys: new[] { TestHome.CaPublicKeyLine(ca) });
            string marker = _tmp.File("managed-started");
            var psi = new System.Diagnostics.ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (string a in new[]
            {
                Path.Combine(AppContext.BaseDirectory, "sshkms.dll"), "ssh", "--transport", "managed", "--ca", ca, "--user", SshdServer.CurrentUser,
                "--port", server.Port.ToString(), "--ssh-option", "UserKnownHostsFile=" + server.KnownHostsPath, "127.0.0.1", "--", $"touch '{marker}'; sleep 60",
            })
            {
                psi.ArgumentList.Add(a);
            }

            using var sshkms = System.Diagnostics.Process.Start(psi)!;
            Task<string> stderr = sshkms.StandardError.ReadToEndAsync();
            try
            {
                DateTime deadline = DateTime.UtcNow.AddSeconds(60);
                while (!File.Exists(marker) && !sshkms.HasExited && DateTime.UtcNow < deadline)
                {
                    Thread.Sleep(50);
                }

                Assert.True(File.Exists(marker), "the remote command never started: " + (sshkms.HasExited ? stderr.Result : "timeout"));
                var watch = System.Diagnostics.Stopwatch.StartNew();
                Assert.Equal(0, Tool.Run("kill", new[] { "-TERM", sshkms.Id.ToString() }).ExitCode);
                Assert.True(sshkms.WaitForExit(20000), "sshkms did not stop after SIGTERM");
                Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), "stopping took " + watch.Elapsed);
            }
            finally
            {
                if (!sshkms.HasExited)
                {
                    sshkms.Kill(entireProcessTree: true);
                }
            }

            Assert.Equal(130, sshkms.ExitCode);
            var ended = Assert.Single(SshKms.Core.Audit.AuditJournal.Default().Read(new SshKms.Core.Audit.AuditFilter { Types = { SshKms.Core.Audit.AuditEvent.SessionEnded } }),
                r => r["command"] is string c && c.Contains(marker));
            Assert.Equal((130L, "SessionCancelled", (object?)"SIGTERM"), (ended.ExitCode, ended.ErrorId, ended["reason"]));

            // The connection was closed: sshd saw the client go.
            DateTime closedBy = DateTime.UtcNow.AddSeconds(10);
            while (!server.Log.Contains("Disconnected from user") && !server.Log.Contains("Connection closed by") && DateTime.UtcNow < closedBy)
            {
                Thread.Sleep(50);
            }

            Assert.True(server.Log.Contains("Disconnected from user") || server.Log.Contains("Connection closed by"), server.Log);
        }
    }
}
