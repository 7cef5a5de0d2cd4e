using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using SshKms.Tests.Infrastructure;
using Xunit;

namespace SshKms.Tests.Revocation
{
    /// <summary>A real sshd with RevokedKeys pointing at the KRL `sshkms revoke` maintains.</summary>
    public sealed class RevocationLoginTests : IDisposable
    {
        private readonly TempDir _dir = new TempDir("sshkms-krl-login");

        public void Dispose() => _dir.Dispose();

        private string Certify(string ca, ulong serial)
        {
            string key = _dir.File("id-" + serial);
            Tool.Check("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key);
            Tool.Result r = Tool.Sshkms(new[] { "cert", "new", "--ca", ca, "--public-key", key + ".pub", "--principal", SshdServer.CurrentUser, "--serial", serial.ToString(), "--validity", "1h" });
            Assert.True(r.ExitCode == 0, r.Error);
            return key;
        }

        private static Tool.Result Login(SshdServer sshd, string key)
        {
            var args = new List<string>(sshd.ClientOptions())
            {
                "-i", key, "-o", "CertificateFile=" + key + "-cert.pub", "-o", "IdentitiesOnly=yes",
                SshdServer.CurrentUser + "@127.0.0.1", "echo", "in",
            };
            return Tool.Run("ssh", args);
        }

        [Fact]
        public void Sshd_refuses_a_certificate_after_revoke_serial_and_still_accepts_another_serial()
        {
            string ca = TestHome.NewLocalCa("krl-sshd");
            string krl = _dir.File("revoked.krl");

            // sshd refuses every key while RevokedKeys is missing, so the KRL exists (revoking an unused serial) first.
            Assert.Equal(0, Tool.Sshkms(new[] { "revoke", "--ca", ca, "--serial", "1", "--krl", krl }).ExitCode);
            using var sshd = new SshdServer(trustedUserCaKeys: new[] { TestHome.CaPublicKeyLine(ca) }, extraConfig: new[] { "RevokedKeys " + krl });
            string victim = Certify(ca, 1001);
            string other = Certify(ca, 1002);
            Assert.Equal("in\n", Login(sshd, victim).Output);

            Tool.Result revoke = Tool.Sshkms(new[] { "revoke", "--ca", ca, "--serial", "1001", "--krl", krl });
            Assert.True(revoke.ExitCode == 0, revoke.Error);

            // No reload: sshd reads RevokedKeys at each authentication.
            Tool.Result refused = Login(sshd, victim);
            Assert.Equal(255, refused.ExitCode);
            Assert.Contains("Permission denied", refused.Error);
            var deadline = DateTime.UtcNow.AddSeconds(5);
            while (!sshd.Log.Contains("revoked") && DateTime.UtcNow < deadline)
            {
                Thread.Sleep(50);
            }

            Assert.Contains("revoked", sshd.Log);
            Assert.Equal("in\n", Login(sshd, other).Output);

            // ssh-keygen -Q agrees with what sshd did.
            Assert.Equal(1, Tool.Run("ssh-keygen", new[] { "-Q", "-f", krl, victim + "-cert.pub" }).ExitCode);
            Assert.Equal(0, Tool.Run("ssh-keygen", new[] { "-Q", "-f", krl, other + "-cert.pub" }).ExitCode);
        }
    }
}
