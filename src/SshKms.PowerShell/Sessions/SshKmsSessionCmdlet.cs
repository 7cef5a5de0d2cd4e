using System;
using System.Collections;
using System.Collections.Generic;
using System.Management.Automation;
using SshKms.Core.Sessions;

namespace SshKms.PowerShell.Sessions
{
    /// <summary>The parameters every session cmdlet shares (who, where, which credential, how ssh is run) and their mapping to Core.</summary>
    public abstract class SshKmsSessionCmdlet : SshKmsAwsCmdlet
    {
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [Alias("User")]
        public string? UserName { get; set; }

        [Parameter(ValueFromPipelineByPropertyName = true)]
        [ValidateRange(1, 65535)]
        public int? Port { get; set; }

        [Parameter]
        [Alias("Ca")]
        [ArgumentCompleter(typeof(Completion.CaKeyCompleter))]
        public string? CaKey { get; set; }

        /// <summary>Log in with the key pair stored in this Secrets Manager secret (AWSCURRENT) instead of a certificate.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? SecretId { get; set; }

        /// <summary>A TimeSpan or "5m", "1h"; the operation's default when not given.</summary>
        [Parameter]
        public object? Validity { get; set; }

        /// <summary>ssh option names to values, each passed as -o Name=Value.</summary>
        [Parameter]
        public Hashtable? SshOption { get; set; }

        [Parameter]
        public string? ConfigFile { get; set; }

        [Parameter]
        public SwitchParameter AcceptNewHostKey { get; set; }

        /// <summary>A KRL or a file of public keys: a host presenting one of them is refused.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? RevokedHostKeys { get; set; }

        /// <summary>Auto, OpenSsh or Managed, read by Core's parser so a bad name is the CLI's error too.</summary>
        [Parameter]
        [ArgumentCompleter(typeof(Completion.TransportCompleter))]
        public string? Transport { get; set; }

        /// <summary>The shared parameters onto an operation's options.</summary>
        private protected T MapLogin<T>(T options)
            where T : SshLoginOptions
        {
            options.UserName = UserName;
            options.Port = Port;
            options.CaKey = CaKey;
            options.SecretId = SecretId;
            options.Validity = Validity == null ? (TimeSpan?)null : ParameterValues.Duration(Validity);
            options.SshOptions = new List<KeyValuePair<string, string>>(ParameterValues.SshOptions(SshOption));
            options.ConfigFile = ConfigFile;
            options.AcceptNewHostKey = AcceptNewHostKey.IsPresent;
            options.RevokedHostKeys = RevokedHostKeys == null ? null : SessionState.Path.GetUnresolvedProviderPathFromPSPath(RevokedHostKeys);
            options.Transport = SshTransportNames.Parse(Transport);
            options.Aws = Aws;

            // A cmdlet is cancelled only by StopProcessing: Ctrl+C or a stopped pipeline.
            options.CancelReason = () => "pipeline stopped";
            return options;
        }
    }
}
