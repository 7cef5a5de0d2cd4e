using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using SshKms.Core.Authority;
using SshKms.Core.OpenSsh;

namespace SshKms.Tests.Sessions
{
    /// <summary>
    /// Test-only stand-in for CertificateAuthority.IssueAsync (written on another branch): signs session
    /// certificates with an in-memory CA key via SshCertificateBuilder, so sshd judges real certificates.
    /// </summary>
    public sealed class InMemoryCertificateMinter : IDisposable
    {
        private ulong _serial = 1000;

        public InMemoryCertificateMinter(SshKeyAlgorithm algorithm = SshKeyAlgorithm.Ed25519)
        {
            Ca = SshPrivateKey.Generate(algorithm, "test-ca");
        }

        public SshPrivateKey Ca { get; }

        /// <summary>The TrustedUserCAKeys line.</summary>
        public string CaPublicKeyLine => Ca.PublicKey.ToString();

        public List<SshCertificate> Issued { get; } = new List<SshCertificate>();

        public Task<SshCertificate> IssueAsync(CertificateRequest request, CancellationToken cancellationToken)
        {
            ulong now = (ulong)DateTimeOffset.UtcNow.ToUnixTimeSeconds();
            var builder = new SshCertificateBuilder(request.PublicKey, Ca.PublicKey)
            {
                Serial = Interlocked.Increment(ref _serial),
                KeyId = "sshkms-test:" + string.Join(",", request.Principals),
                ValidAfter = now,
                ValidBefore = now + (ulong)(request.Validity ?? TimeSpan.FromMinutes(15)).TotalSeconds,
            };
            foreach (string p in request.Principals)
            {
                builder.Principals.Add(p);
            }

            foreach (string e in new[] { "permit-agent-forwarding", "permit-port-forwarding", "permit-pty", "permit-user-rc", "permit-X11-forwarding" })
            {
                builder.Extensions.Add(new KeyValuePair<string, string>(e, string.Empty));
            }

            SshCertificate cert = builder.Complete(Ca.Sign(builder.GetBytesToSign()));
            lock (Issued)
            {
                Issued.Add(cert);
            }

            return Task.FromResult(cert);
        }

        public void Dispose() => Ca.Dispose();
    }
}
