using SshKms.Core.Keys;

namespace SshKms.Core.Authority
{
    /// <summary>A CA key as data, for New-SshKmsCaKey and `sshkms ca create`: what to put in TrustedUserCAKeys and where the key lives.</summary>
    public sealed class CaKeyInfo
    {
        public CaKeyInfo(ISigningKey key)
        {
            KeyUri = key.Uri.ToString();
            KeyArn = key.KeyArn;
            PublicKey = key.PublicKey.ToString();
            Fingerprint = key.PublicKey.Fingerprint;
        }

        public string KeyUri { get; }

        public string KeyArn { get; }

        /// <summary>The OpenSSH line for TrustedUserCAKeys.</summary>
        public string PublicKey { get; }

        public string Fingerprint { get; }

        /// <summary>The known_hosts line that trusts host certificates from this CA for every host.</summary>
        public static string KnownHostsLine(ISigningKey key) => "@cert-authority * " + key.PublicKey;

        public override string ToString() => PublicKey;
    }
}
