using System.Threading;
using System.Threading.Tasks;
using SshKms.Core.Aws;
using SshKms.Core.Keys;

namespace SshKms.Core.Authority
{
    public sealed class GetCaPublicKeyOptions
    {
        /// <summary>The CA key URI; null: $SSHKMS_CA, then local:default.</summary>
        public string? CaKey { get; set; }

        /// <summary>The known_hosts @cert-authority line (trusting host certificates) instead of the TrustedUserCAKeys line.</summary>
        public bool ForHost { get; set; }

        public AwsSettings Aws { get; set; } = new AwsSettings();
    }

    /// <summary>
    /// The CA's OpenSSH public key line. Only reads: a missing local: key is KeyNotFound, never created (a typo must
    /// not become a CA), and no caller identity (STS) is needed.
    /// </summary>
    public static class GetCaPublicKeyOperation
    {
        public static async Task<string> RunAsync(GetCaPublicKeyOptions options, CancellationToken cancellationToken)
        {
            ISigningKey key = await SigningKeys.OpenAsync(KeyUri.ParseOrDefaultCa(options.CaKey), options.Aws, cancellationToken).ConfigureAwait(false);
            return options.ForHost ? CaKeyInfo.KnownHostsLine(key) : key.PublicKey.ToString();
        }
    }
}
