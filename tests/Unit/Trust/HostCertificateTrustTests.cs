using System;
using System.IO;
using System.Linq;
using System.Threading;
using SshKms.Core;
using SshKms.Core.Aws;
using SshKms.Core.Keys;
using SshKms.Core.OpenSsh;
using SshKms.Core.Trust;
using SshKms.Tests.Infrastructure;
using Xunit;

namespace SshKms.Tests.Trust
{
    /// <summary>--host-certificate and the client side: sshd presents the certificate, and ssh with only @cert-authority connects.</summary>
    public sealed class HostCertificateTrustTests : IDisposable
    {
        private readonly TrustSshd _server = new TrustSshd();
        private readonly string _ca = TestHome.NewLocalKey("trust-host-ca");

        public HostCertificateTrustTests()
        {
            SigningKeys.CreateAsync(KeyUri.Parse(_ca), null, new AwsSettings(), CancellationToken.None).GetAwaiter().GetResult();
        }

        public void Dispose() => _server.Dispose();

        private CaTrustResult SetWithHostCertificate() => SetCaTrustOperation.RunAsync(new SetCaTrustOptions
        {
            CaKeys = new[] { _ca },
            SshdConfig = _server.ConfigPath,
            HostCertificate = true,
            HostPrincipals = new[] { "127.0.0.1" },
            NoReload = true,
        }, CancellationToken.None).GetAwaiter().GetResult();

        [Fact]
        public void Sshd_presents_the_host_certificate_and_a_client_with_only_the_cert_authority_line_connects()
        {
            CaTrustResult result = SetWithHostCertificate();
            HostCertificateStatus host = Assert.Single(result.HostCertificates);
            Assert.Equal(_server.HostKeyPath + "-cert.pub", host.CertificatePath);
            SshCertificate cert = SshCertificate.Parse(File.ReadAllText(host.CertificatePath).Trim());
            Assert.Equal(SshCertificateType.Host, cert.Type);
            Assert.Contains("127.0.0.1", cert.Principals);
            Assert.Contains(System.Net.Dns.GetHostName(), cert.Principals);
            string listing = Tool.Check("ssh-keygen", "-L", "-f", host.CertificatePath);
            Assert.Contains("host certificate", listing);

            string knownHosts = Path.Combine(_server.Folder, "client_known_hosts");
            KnownHostsTrustResult client = KnownHostsTrustOperation.RunAsync(
                new KnownHostsTrustOptions { CaKey = _ca, HostPattern = $"[127.0.0.1]:{_server.Port}", KnownHosts = knownHosts }, false, CancellationToken.None)
                .GetAwaiter().GetResult();
            Assert.Equal("Changed", client.Status);
            string line = File.ReadAllText(knownHosts).Trim();
            Assert.StartsWith($"@cert-authority [127.0.0.1]:{_server.Port} ecdsa-sha2-nistp256 ", line);

            _server.Start();
            Tool.Result login = _server.Login(_ca, new[] { TrustSshd.User }, knownHostsLine: line);
            Assert.True(login.ExitCode == 0, login.Error + _server.Log);
            Assert.Equal("certified", login.Output.Trim());

            // The same client refuses the host without the line: it is the certificate, not luck, that let it in.
            Tool.Result stranger = _server.Login(_ca, new[] { TrustSshd.User }, knownHostsLine: "# no host keys");
            Assert.Equal(255, stranger.ExitCode);
            Assert.Contains("verification failed", stranger.Error);
        }

        [Fact]
        public void A_fresh_host_certificate_is_kept_and_one_within_a_quarter_of_its_validity_is_renewed()
        {
            SetWithHostCertificate();
            string certPath = _server.HostKeyPath + "-cert.pub";
            string first = File.ReadAllText(certPath);
            DateTime written = File.GetLastWriteTimeUtc(certPath);
            CaTrustResult again = SetWithHostCertificate();
            Assert.Equal("Unchanged", again.Status);
            Assert.Equal(first, File.ReadAllText(certPath));
            Assert.Equal(written, File.GetLastWriteTimeUtc(certPath));

            // A certificate valid 4 days that ends in 12 hours: inside the last quarter, so a new one is issued.
            var ca = SshKms.Core.Authority.CertificateAuthority.OpenAsync(KeyUri.Parse(_ca), new AwsSettings(), CancellationToken.None).GetAwaiter().GetResult();
            var request = new SshKms.Core.Authority.CertificateRequest(SshPublicKey.Parse(File.ReadAllText(_server.HostKeyPath + ".pub").Trim()))
            {
                Type = SshCertificateType.Host,
                ValidFrom = DateTimeOffset.UtcNow.AddDays(-3.5),
                ValidTo = DateTimeOffset.UtcNow.AddHours(12),
            };
            foreach (string p in SshCertificate.Parse(first.Trim()).Principals)
            {
                request.Principals.Add(p);
            }

            File.WriteAllText(certPath, ca.IssueAsync(request, CancellationToken.None).GetAwaiter().GetResult() + "\n");
            CaTrustResult renewed = SetWithHostCertificate();
            Assert.Equal("Changed", renewed.Status);
            Assert.True(Assert.Single(renewed.HostCertificates).NeedsIssue);
            Assert.True(SshCertificate.Parse(File.ReadAllText(certPath).Trim()).ValidTo > DateTimeOffset.UtcNow.AddDays(20));
        }

        [Fact]
        public void Known_hosts_line_is_added_once()
        {
            string knownHosts = Path.Combine(_server.Folder, "kh");
            File.WriteAllText(knownHosts, "example.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl");
            var options = new KnownHostsTrustOptions { CaKey = _ca, HostPattern = "*.example.com", KnownHosts = knownHosts };
            Assert.Equal("Changed", KnownHostsTrustOperation.RunAsync(options, false, CancellationToken.None).GetAwaiter().GetResult().Status);
            DateTime written = File.GetLastWriteTimeUtc(knownHosts);
            Assert.Equal("Unchanged", KnownHostsTrustOperation.RunAsync(options, false, CancellationToken.None).GetAwaiter().GetResult().Status);
            Assert.Equal(written, File.GetLastWriteTimeUtc(knownHosts));
            string[] lines = File.ReadAllLines(knownHosts);
            Assert.Equal(2, lines.Length);
            Assert.StartsWith("example.com ", lines[0]);
            Assert.StartsWith("@cert-authority *.example.com ", lines[1]);

            SshKmsException bad = Assert.Throws<SshKmsException>(() =>
                KnownHostsTrustOperation.RunAsync(new KnownHostsTrustOptions { CaKey = _ca, HostPattern = "a b" }, false, CancellationToken.None).GetAwaiter().GetResult());
            Assert.Equal("TrustHostPatternInvalid", bad.ErrorId);
        }
    }
}
