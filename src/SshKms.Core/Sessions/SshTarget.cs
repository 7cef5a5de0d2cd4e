using System;

namespace SshKms.Core.Sessions
{
    /// <summary>One host to visit, with the user and port it was given (a piped object's own), over the session's options.</summary>
    public sealed class SshTarget
    {
        public SshTarget(string host, string? userName = null, int? port = null)
        {
            Host = host ?? throw new ArgumentNullException(nameof(host));
            UserName = userName;
            Port = port;
        }

        /// <summary>As given to ssh: "host" or "user@host".</summary>
        public string Host { get; }

        public string? UserName { get; }

        public int? Port { get; }
    }
}
