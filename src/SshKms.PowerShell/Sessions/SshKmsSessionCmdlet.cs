using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using SshKms.Core;
using SshKms.Core.Authority;
using SshKms.Core.Keys;
using SshKms.Core.Rotation;
using SshKms.Core.Sessions;

namespace SshKms.PowerShell.Sessions
{
    /// <summary>The parameters every session cmdlet shares (who, where, which CA, how ssh is run) and their mapping to Core.</summary>
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

        /// <summary>A TimeSpan or "5m", "1h"; five minutes when not given.</summary>
        [Parameter]
        public object? Validity { get; set; }

        /// <summary>ssh option names to values, each passed as -o Name=Value.</summary>
        [Parameter]
        public Hashtable? SshOption { get; set; }

        [Parameter]
        public string? ConfigFile { get; set; }

        [Parameter]
        public SwitchParameter AcceptNewHostKey { get; set; }

        /// <summary>
        /// -SecretId's stored key, or else a fresh key per host certified by -CaKey (the default local CA when neither
        /// is given). A session never creates a named local CA: no server could trust a CA made a moment ago. Only
        /// local:default is made on first use, as for certificates, with a warning.
        /// </summary>
        private protected SshSession OpenSession(SshSessionOptions options)
        {
            if (SecretId != null)
            {
                if (CaKey != null)
                {
                    throw new SshKmsException("SessionCredentialsConflict", SshKmsErrorCategory.InvalidArgument,
                        "-SecretId logs in with a stored key and -CaKey with a certificate: give one of them.");
                }

                return Await(ct => SecretKeySource.OpenSessionAsync(Aws, SecretId, options, ct));
            }

            CertificateAuthority authority = Await(ct => CertificateAuthority.OpenAsync(KeyUri.ParseOrDefaultCa(CaKey), Aws, ct));
            if (authority.CreatedKey != null)
            {
                WriteWarning(authority.CreatedKey.Message);
            }

            return SshSession.WithAuthority(authority, options);
        }

        private protected SshSessionOptions BuildSessionOptions()
        {
            var options = new SshSessionOptions
            {
                UserName = UserName,
                Port = Port,
                Validity = Validity == null ? TimeSpan.FromMinutes(5) : ParameterValues.Duration(Validity),
                AcceptNewHostKey = AcceptNewHostKey.IsPresent,
                ConfigFile = ConfigFile,

                // A cmdlet is cancelled only by StopProcessing: Ctrl+C or a stopped pipeline.
                CancelReason = () => "pipeline stopped",
            };
            foreach (KeyValuePair<string, string> option in ParameterValues.SshOptions(SshOption))
            {
                options.SshOptions.Add(option);
            }

            return options;
        }
    }
}
