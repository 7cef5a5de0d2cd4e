using System;
using System.Collections.Generic;
using SshKms.Core.Aws;
using SshKms.Core.Keys;

namespace SshKms.Core.Sessions
{
    /// <summary>How a session or a copy logs in: who, where, with which credential, and how ssh is run.</summary>
    public abstract class SshLoginOptions
    {
        /// <summary>The remote user and the certificate's principal; null: what ssh would use (user@host, ssh_config, the local user).</summary>
        public string? UserName { get; set; }

        public int? Port { get; set; }

        /// <summary>The CA key URI that certifies a fresh key per host; null: local:default, made on first use.</summary>
        public string? CaKey { get; set; }

        /// <summary>Log in with the key pair stored in this Secrets Manager secret (AWSCURRENT) instead of a certificate.</summary>
        public string? SecretId { get; set; }

        /// <summary>How long each session certificate is valid; null: <see cref="SessionLogin.DefaultValidity"/>.</summary>
        public TimeSpan? Validity { get; set; }

        /// <summary>Passed to ssh as -o KEY=VALUE, in order.</summary>
        public IList<KeyValuePair<string, string>> SshOptions { get; set; } = new List<KeyValuePair<string, string>>();

        /// <summary>An ssh_config file instead of the user's (ssh -F).</summary>
        public string? ConfigFile { get; set; }

        /// <summary>Trust a host key that is not known yet; a changed key is still refused.</summary>
        public bool AcceptNewHostKey { get; set; }

        /// <summary>A file of revoked host keys (a KRL or public keys, as ssh's RevokedHostKeys): a host presenting one is refused.</summary>
        public string? RevokedHostKeys { get; set; }

        /// <summary>Which SSH client logs in: Auto (the default) is the system ssh when it is on PATH, else the in-process one.</summary>
        public SshTransportKind Transport { get; set; } = SshTransportKind.Auto;

        /// <summary>Called per line of each host's output, with the host name; from worker threads.</summary>
        public Action<string, string>? OnOutputLine { get; set; }

        public Action<string, string>? OnErrorLine { get; set; }

        /// <summary>Called when the default local CA was made for this run, so the user can be warned; from a worker thread.</summary>
        public Action<KeyCreated>? OnKeyCreated { get; set; }

        /// <summary>Why the run was cancelled (a signal's name, a stopped pipeline), for the audit journal.</summary>
        public Func<string>? CancelReason { get; set; }

        public AwsSettings Aws { get; set; } = new AwsSettings();
    }
}
