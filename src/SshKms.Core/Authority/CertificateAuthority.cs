using System;
using System.Threading;
using System.Threading.Tasks;
using SshKms.Core.Aws;
using SshKms.Core.Keys;
using SshKms.Core.OpenSsh;

namespace SshKms.Core.Authority
{
    /// <summary>
    /// Turns certificate requests into certificates signed by one CA key (one Sign call each), enforcing the
    /// policy and appending one audit event per certificate.
    /// </summary>
    public sealed class CertificateAuthority
    {
        /// <summary>Opens the CA key named by <paramref name="caKey"/> and resolves the operator identity once.</summary>
        public static Task<CertificateAuthority> OpenAsync(KeyUri caKey, AwsSettings aws, CancellationToken cancellationToken) =>
            throw new NotImplementedException("CertificateAuthority is being written on the authority branch.");

        public ISigningKey Key => throw new NotImplementedException();

        public string Operator => throw new NotImplementedException();

        public Task<SshCertificate> IssueAsync(CertificateRequest request, CancellationToken cancellationToken) =>
            throw new NotImplementedException("CertificateAuthority is being written on the authority branch.");
    }
}
