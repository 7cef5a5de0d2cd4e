using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using SshKms.Core.Authority;
using SshKms.Core.Keys;
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
        public string? CaKey { get; set; }

        [Parameter]
        public TimeSpan Validity { get; set; } = TimeSpan.FromMinutes(5);

        /// <summary>ssh option names to values, each passed as -o Name=Value.</summary>
        [Parameter]
        public Hashtable? SshOption { get; set; }

        [Parameter]
        public string? ConfigFile { get; set; }

        [Parameter]
        public SwitchParameter AcceptNewHostKey { get; set; }

        internal async Task<CertificateMinter> OpenMinterAsync(CancellationToken cancellationToken)
        {
            CertificateAuthority authority = await CertificateAuthority.OpenAsync(KeyUri.ParseOrDefaultCa(CaKey), Aws, cancellationToken).ConfigureAwait(false);
            return authority.IssueAsync;
        }

        internal SshSessionOptions BuildSessionOptions()
        {
            var options = new SshSessionOptions
            {
                UserName = UserName,
                Port = Port,
                Validity = Validity,
                AcceptNewHostKey = AcceptNewHostKey.IsPresent,
                ConfigFile = ConfigFile,
            };
            foreach (DictionaryEntry entry in (IDictionary?)SshOption ?? new Hashtable())
            {
                options.SshOptions.Add(new KeyValuePair<string, string>(
                    Convert.ToString(entry.Key, CultureInfo.InvariantCulture) ?? string.Empty,
                    Convert.ToString(entry.Value, CultureInfo.InvariantCulture) ?? string.Empty));
            }

            return options;
        }
    }
}
