using System;
using System.Collections;
using System.Threading;
using System.Threading.Tasks;
using SshKms.Core;
using SshKms.Core.Authority;
using SshKms.Core.Aws;
using SshKms.Core.Keys;
using SshKms.Core.Sessions;

namespace SshKms.PowerShell.Sessions
{
    /// <summary>What the session cmdlets share: the CA as a minter, and -SshOption as ssh -o pairs.</summary>
    internal static class SessionCmdletSupport
    {
        public static async Task<CertificateMinter> OpenMinterAsync(string? caKey, AwsSettings aws, CancellationToken cancellationToken)
        {
            CertificateAuthority authority = await CertificateAuthority.OpenAsync(KeyUri.ParseOrDefaultCa(caKey), aws, cancellationToken).ConfigureAwait(false);
            return authority.IssueAsync;
        }

        /// <summary>Copies common settings into <paramref name="options"/>; -SshOption is a hashtable of ssh option names to values.</summary>
        public static void Apply(SshSessionOptions options, string? userName, int? port, Hashtable? sshOption, bool acceptNewHostKey, string? configFile)
        {
            options.UserName = userName;
            options.Port = port;
            options.AcceptNewHostKey = acceptNewHostKey;
            options.ConfigFile = configFile;
            if (sshOption == null)
            {
                return;
            }

            foreach (DictionaryEntry entry in sshOption)
            {
                string key = Convert.ToString(entry.Key, System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty;
                string value = entry.Value == null ? string.Empty : Convert.ToString(entry.Value, System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty;
                options.SshOptions.Add(new System.Collections.Generic.KeyValuePair<string, string>(key, value));
            }
        }
    }
}
