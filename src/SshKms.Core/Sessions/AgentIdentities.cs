namespace SshKms.Core.Sessions
{
    /// <summary>Which identities the agent lists in answer to REQUEST_IDENTITIES.</summary>
    public enum AgentIdentities
    {
        /// <summary>Only the certificate: the server sees exactly the short-lived credential.</summary>
        Certificate,

        /// <summary>Only the plain key: for stored key pairs that have no certificate.</summary>
        Key,

        CertificateAndKey,
    }
}
