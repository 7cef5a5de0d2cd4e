using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using SshKms.Core.Audit;
using SshKms.Tests.Infrastructure;
using Xunit;

namespace SshKms.Tests.Audit
{
    /// <summary>
    /// `sshkms ssh` stopped by a signal while the remote command runs on a real sshd: ssh is stopped, the process
    /// exits 130, and the journal still gets the host's session.ended line with exit 130 and the signal.
    /// </summary>
    [Collection("sessions")]
    public sealed class SessionCancelAuditTests : IDisposable
    {
        private readonly string _ca = TestHome.NewLocalCa("cancel-ca");
        private readonly TempDir _tmp = new TempDir("sshkms-cancel");

        public void Dispose() => _tmp.Dispose();

        [Theory]
        [InlineData("INT", "SIGINT")]
        [InlineData("TERM", "SIGTERM")]
        public void ASignalledSessionIsRecordedAsEndedWithExit130AndTheSignal(string signal, string reason)
        {
            using var server = new SshdServer(trustedUserCaKeys: new[] { TestHome.CaPublicKeyLine(_ca) });
            string marker = _tmp.File("started-" + signal);
            var psi = new ProcessStartInfo("dotnet")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (string a in new[]
            {
                Path.Combine(AppContext.BaseDirectory, "sshkms.dll"), "ssh", "--ca", _ca, "--user", SshdServer.CurrentUser, "--port", server.Port.ToString(),
                "--ssh-config", "/dev/null", "--ssh-option", "UserKnownHostsFile=" + server.KnownHostsPath, "--ssh-option", "GlobalKnownHostsFile=/dev/null",
                "127.0.0.1", "--", $"touch '{marker}'; sleep 60",
            })
            {
                psi.ArgumentList.Add(a);
            }

            using Process sshkms = Process.Start(psi)!;
            var stderr = sshkms.StandardError.ReadToEndAsync();
            try
            {
                DateTime deadline = DateTime.UtcNow.AddSeconds(60);
                while (!File.Exists(marker) && !sshkms.HasExited && DateTime.UtcNow < deadline)
                {
                    Thread.Sleep(50);
                }

                Assert.True(File.Exists(marker), "the remote command never started: " + (sshkms.HasExited ? stderr.Result : "timeout") + server.Log);
                Assert.Equal(0, Tool.Run("kill", new[] { "-" + signal, sshkms.Id.ToString() }).ExitCode);
                Assert.True(sshkms.WaitForExit(30000), "sshkms did not stop after SIG" + signal);
            }
            finally
            {
                if (!sshkms.HasExited)
                {
                    sshkms.Kill(entireProcessTree: true);
                }
            }

            Assert.Equal(130, sshkms.ExitCode);
            AuditRecord ended = Assert.Single(AuditJournal.Default().Read(new AuditFilter { Types = { AuditEvent.SessionEnded } }),
                r => r["command"] is string c && c.Contains(marker));
            Assert.Equal(130L, ended.ExitCode);
            Assert.Equal("SessionCancelled", ended.ErrorId);
            Assert.Equal(reason, ended["reason"]);
            Assert.Equal(_ca, ended["credential"]);
            AuditRecord issued = Assert.Single(AuditJournal.Default().Read(new AuditFilter { Types = { AuditEvent.CertificateIssued }, Serial = ended.Serial }));
            Assert.Equal(_ca, issued["caKey"]);
        }
    }
}
