namespace SshKms.Core.Sessions
{
    /// <summary>Which SSH client a session uses.</summary>
    public enum SshTransportKind
    {
        /// <summary>OpenSsh when an ssh client is on PATH, else Managed.</summary>
        Auto,

        /// <summary>The system ssh, fed by the in-process agent: ssh_config, ProxyJump and known_hosts apply.</summary>
        OpenSsh,

        /// <summary>SSH.NET in this process: no process started, no file written, no agent socket.</summary>
        Managed,
    }
}
