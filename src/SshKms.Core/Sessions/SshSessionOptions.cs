using System;
using System.Collections.Generic;
using SshKms.Core.OpenSsh;

namespace SshKms.Core.Sessions
{
    /// <summary>What a session does on every host it visits.</summary>
    public sealed class SshSessionOptions
    {
        /// <summary>The remote user and the certificate's principal; null: the local user name.</summary>
        public string? UserName { get; set; }

        public int? Port { get; set; }

        /// <summary>The remote command; null: an interactive shell in the current terminal.</summary>
        public string? Command { get; set; }

        public TimeSpan Validity { get; set; } = TimeSpan.FromMinutes(5);

        public SshKeyAlgorithm KeyAlgorithm { get; set; } = SshKeyAlgorithm.EcdsaP256;

        public int ThrottleLimit { get; set; } = 16;

        /// <summary>Which SSH client runs the session; Auto: the system ssh when it is on PATH, else the in-process one.</summary>
        public SshTransportKind Transport { get; set; } = SshTransportKind.OpenSsh;

        /// <summary>Passed to ssh as -o KEY=VALUE, in order.</summary>
        public IList<KeyValuePair<string, string>> SshOptions { get; } = new List<KeyValuePair<string, string>>();

        /// <summary>
        /// The user's ssh options, after a revoked-host-keys file given on its own: as ssh's own option, so both transports
        /// read it from one place, and first, because ssh (and Managed) keep the first value an option is given.
        /// </summary>
        internal void AddSshOptions(IEnumerable<KeyValuePair<string, string>> options, string? revokedHostKeys)
        {
            if (revokedHostKeys != null)
            {
                SshOptions.Add(new KeyValuePair<string, string>("RevokedHostKeys", revokedHostKeys));
            }

            foreach (KeyValuePair<string, string> option in options)
            {
                SshOptions.Add(option);
            }
        }

        /// <summary>An ssh_config file instead of the user's (ssh -F); null: the user's own configuration applies.</summary>
        public string? ConfigFile { get; set; }

        /// <summary>Trust a host key that is not known yet (StrictHostKeyChecking=accept-new); a changed key is still refused.</summary>
        public bool AcceptNewHostKey { get; set; }

        /// <summary>
        /// ssh's stdin, stdout and stderr are this process's own, byte for byte, and nothing is captured (a command
        /// line run on one host). Without it, stdin is closed and output is captured and streamed line by line.
        /// </summary>
        public bool InheritStdio { get; set; }

        /// <summary>Called per line of each host's output, with the host name; from worker threads.</summary>
        public Action<string, string>? OnOutputLine { get; set; }

        public Action<string, string>? OnErrorLine { get; set; }

        /// <summary>Why the run was cancelled (a signal's name, a stopped pipeline), for the session.ended event; read once ssh has been stopped.</summary>
        public Func<string>? CancelReason { get; set; }
    }
}
