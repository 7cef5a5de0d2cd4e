using SshKms.Core.OpenSsh;

namespace SshKms.Core.Sessions
{
    /// <summary>The key (and certificate) one agent serves; the session disposes the key.</summary>
    public sealed class SessionCredentials
    {
        public SessionCredentials(SshPrivateKey key, SshCertificate? certificate)
        {
            Key = key;
            Certificate = certificate;
        }

        public SshPrivateKey Key { get; }

        public SshCertificate? Certificate { get; }
    }
}
