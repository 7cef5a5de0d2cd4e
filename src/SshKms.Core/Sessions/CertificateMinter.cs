using System.Threading;
using System.Threading.Tasks;
using SshKms.Core.Authority;
using SshKms.Core.OpenSsh;

namespace SshKms.Core.Sessions
{
    /// <summary>Signs a certificate for a session key: production passes CertificateAuthority.IssueAsync.</summary>
    public delegate Task<SshCertificate> CertificateMinter(CertificateRequest request, CancellationToken cancellationToken);
}
