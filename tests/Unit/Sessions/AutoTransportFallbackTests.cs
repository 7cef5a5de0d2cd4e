using System.Collections.Generic;
using System.IO;
using System.Linq;
using SshKms.Tests.Infrastructure;
using Xunit;

namespace SshKms.Tests.Sessions
{
    /// <summary>
    /// An ssh on PATH that this process cannot start (a sandbox that forbids processes looks the same to us): Auto
    /// moves to the in-process client and the session works; OpenSsh, asked for by name, says why it cannot.
    /// </summary>
    [Collection("sessions")]
    public sealed class AutoTransportFallbackTests : System.IDisposable
    {
        private readonly string _ca = TestHome.NewLocalCa("auto-fallback-ca");
        private readonly TempDir _tmp = new TempDir("sshkms-auto-fallback");

        private Dictionary<string, string?> PathWithUnstartableSsh()
        {
            string bin = _tmp.File("bin");
            Directory.CreateDirectory(bin);
            foreach (string program in new[] { "ssh", "scp" })
            {
                // Not executable, even by root: starting it fails as a refused process start does.
                string file = Path.Combine(bin, program);
                File.WriteAllText(file, "#!/bin/sh\nexit 99\n");
                File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }

            return new Dictionary<string, string?> { ["PATH"] = bin };
        }

        private string[] Args(SshdServer server, params string[] transport) => new[] { "ssh", "--ca", _ca, "--user", SshdServer.CurrentUser,
            "--port", server.Port.ToString(), "--ssh-option", "UserKnownHostsFile=" + server.KnownHostsPath, "--ssh-option", "GlobalKnownHostsFile=/dev/null" }
            .Concat(transport).Concat(new[] { "127.0.0.1", "--", "echo from-$(id -un); exit 5" }).ToArray();

        [Fact]
        public void AutoFallsBackToManagedWhenSshCannotBeStarted()
        {
            using var server = new SshdServer(trustedUserCaKeys: new[] { TestHome.CaPublicKeyLine(_ca) });
            Tool.Result r = Tool.Sshkms(Args(server), PathWithUnstartableSsh());
            Assert.Equal(5, r.ExitCode);
            Assert.Equal("from-" + SshdServer.CurrentUser + "\n", r.Output);
            Assert.Contains("Accepted certificate", server.Log);
        }

        [Fact]
        public void OpenSshByNameSaysTheProcessCouldNotStart()
        {
            using var server = new SshdServer(trustedUserCaKeys: new[] { TestHome.CaPublicKeyLine(_ca) });
            Tool.Result r = Tool.Sshkms(Args(server, "--transport", "openssh"), PathWithUnstartableSsh());
            Assert.NotEqual(0, r.ExitCode);
            Assert.Contains("[ProcessStartFailed]", r.Error);
            Assert.DoesNotContain("Accepted", server.Log);
        }

        public void Dispose() => _tmp.Dispose();
    }
}
