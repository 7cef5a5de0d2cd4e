using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using SshKms.Core.Authority;
using SshKms.Core.OpenSsh;
using SshKms.Tests.Infrastructure;
using Xunit;

namespace SshKms.Tests.Authority
{
    /// <summary>Certificates from the CA against a real sshd that trusts it through TrustedUserCAKeys.</summary>
    public sealed class CertificateLoginTests : IDisposable
    {
        private readonly TempDir _dir = new TempDir();
        private readonly InMemorySigningKey _caKey = new InMemorySigningKey(SshKeyAlgorithm.EcdsaP256, "login-ca");
        private readonly CertificateAuthority _ca;
        private readonly SshdServer _sshd;

        public CertificateLoginTests()
        {
            _ca = new CertificateAuthority(_caKey, "op@tests", new CertificatePolicy(), null);
            _sshd = new SshdServer(trustedUserCaKeys: new[] { _caKey.PublicKey.ToString() });
        }

        private Tool.Result Login(Action<CertificateRequest> shape, CertificateAuthority? ca = null)
        {
            string key = _dir.File("id-" + Guid.NewGuid().ToString("N").Substring(0, 6));
            using var subject = SshPrivateKey.Generate(SshKeyAlgorithm.Ed25519, "login");
            File.WriteAllText(key, subject.ToOpenSshFormat());
            File.SetUnixFileMode(key, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            var request = new CertificateRequest(subject.PublicKey);
            request.Principals.Add(SshdServer.CurrentUser);
            shape(request);
            SshCertificate cert = (ca ?? _ca).IssueAsync(request, CancellationToken.None).GetAwaiter().GetResult();
            File.WriteAllText(key + "-cert.pub", cert + "\n");
            var args = new List<string>(_sshd.ClientOptions())
            {
                "-i", key, "-o", "CertificateFile=" + key + "-cert.pub", "-o", "IdentitiesOnly=yes",
                SshdServer.CurrentUser + "@127.0.0.1", "echo", "certified",
            };
            return Tool.Run("ssh", args);
        }

        private void AssertRefused(Tool.Result r, string? logMentions)
        {
            Assert.Equal(255, r.ExitCode);
            Assert.Contains("Permission denied", r.Error);
            if (logMentions != null)
            {
                // sshd logs the refusal reason a moment after the client gives up.
                var deadline = DateTime.UtcNow.AddSeconds(5);
                while (!_sshd.Log.Contains(logMentions) && DateTime.UtcNow < deadline)
                {
                    Thread.Sleep(50);
                }

                Assert.True(_sshd.Log.Contains(logMentions), $"sshd log does not mention '{logMentions}':\n{_sshd.Log}");
            }
        }

        [Fact]
        public void CertificateForTheUserLogsIn()
        {
            var r = Login(_ => { });
            Assert.True(r.ExitCode == 0, r.Error + _sshd.Log);
            Assert.Equal("certified", r.Output.Trim());
            Assert.Contains("Accepted publickey", _sshd.Log);
            Assert.Contains("sshkms:op@tests:", _sshd.Log);
        }

        [Fact]
        public void WrongPrincipalIsRefused()
        {
            AssertRefused(Login(r => { r.Principals.Clear(); r.Principals.Add("somebody-else"); }), "name is not a listed principal");
        }

        [Fact]
        public void ExpiredCertificateIsRefused()
        {
            AssertRefused(Login(r => { r.ValidFrom = DateTimeOffset.UtcNow.AddHours(-2); r.ValidTo = DateTimeOffset.UtcNow.AddHours(-1); }), "expired");
        }

        [Fact]
        public void NotYetValidCertificateIsRefused()
        {
            AssertRefused(Login(r => { r.ValidFrom = DateTimeOffset.UtcNow.AddHours(1); r.ValidTo = DateTimeOffset.UtcNow.AddHours(2); }), "not yet valid");
        }

        [Fact]
        public void CertificateFromAnotherCaIsRefused()
        {
            using var otherKey = new InMemorySigningKey(SshKeyAlgorithm.EcdsaP256, "other-ca");
            var other = new CertificateAuthority(otherKey, "op@tests", new CertificatePolicy(), null);
            // sshd names the untrusted CA by fingerprint in its "Failed publickey" line.
            AssertRefused(Login(_ => { }, other), "CA ECDSA " + otherKey.PublicKey.Fingerprint);
        }

        [Fact]
        public void SourceAddressThatExcludesLoopbackIsRefused()
        {
            AssertRefused(Login(r => r.SourceAddress = "192.0.2.0/24"), "not from a permitted source address");
        }

        public void Dispose()
        {
            _sshd.Dispose();
            _caKey.Dispose();
            _dir.Dispose();
        }
    }
}
