using System.Threading;
using System.Threading.Tasks;

namespace SshKms.Core.Trust
{
    public sealed class GetCaTrustOptions
    {
        /// <summary>The main sshd_config; default: the platform's.</summary>
        public string? SshdConfig { get; set; }
    }

    /// <summary>`trust show` / Get-SshCaTrust: what trust installed in one configuration. Only reads; needs no sshd and no AWS.</summary>
    public static class GetCaTrustOperation
    {
        public static Task<CaTrustInfo> RunAsync(GetCaTrustOptions options, CancellationToken cancellationToken) =>
            Task.FromResult(CaTrustInfo.Read(TrustLayout.For(options?.SshdConfig)));
    }
}
