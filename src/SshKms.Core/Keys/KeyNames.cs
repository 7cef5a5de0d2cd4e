using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using SshKms.Core.Aws;

namespace SshKms.Core.Keys
{
    /// <summary>The key names a user can pick from, for argument completion. Listing only: nothing is created.</summary>
    public static class KeyNames
    {
        /// <summary>The extension of local CA key files in $SSHKMS_HOME/keys.</summary>
        public const string LocalCaKeyExtension = LocalSigningKey.FileExtension;

        /// <summary>The extension of local envelope (data) key files in $SSHKMS_HOME/keys.</summary>
        public const string LocalDataKeyExtension = Envelope.LocalEnvelopeKeyring.FileExtension;

        /// <summary>
        /// "local:&lt;name&gt;" for each file $SSHKMS_HOME/keys/&lt;name&gt;&lt;extension&gt;, sorted; none when the folder does
        /// not exist (it is not created).
        /// </summary>
        public static IReadOnlyList<string> Local(string extension)
        {
            string folder = Path.Combine(SshKmsHome.Path, "keys");
            if (!Directory.Exists(folder))
            {
                return Array.Empty<string>();
            }

            return Directory.EnumerateFiles(folder, "*" + extension)
                .Select(Path.GetFileName)
                .Where(f => f != null && f.EndsWith(extension, StringComparison.Ordinal))
                .Select(f => KeyUri.LocalScheme + ":" + f!.Substring(0, f.Length - extension.Length))
                .OrderBy(n => n, StringComparer.Ordinal)
                .ToList();
        }

        /// <summary>
        /// "awskms:alias/&lt;name&gt;" for every alias of the account and region that names a key, sorted; AWS managed
        /// aliases (alias/aws/...) are left out: they cannot sign, and only AWS services encrypt with them.
        /// </summary>
        public static async Task<IReadOnlyList<string>> KmsAliasesAsync(AwsSettings aws, CancellationToken cancellationToken)
        {
            var names = new List<string>();
            using (AmazonKeyManagementServiceClient kms = AwsClientFactory.CreateKms(aws ?? new AwsSettings()))
            {
                string? marker = null;
                do
                {
                    ListAliasesResponse page = await AwsErrors.RunAsync(
                        "KMS ListAliases", () => kms.ListAliasesAsync(new ListAliasesRequest { Marker = marker }, cancellationToken), cancellationToken)
                        .ConfigureAwait(false);
                    names.AddRange((page.Aliases ?? new List<AliasListEntry>())
                        .Where(a => a.TargetKeyId != null && a.AliasName != null && !a.AliasName.StartsWith("alias/aws/", StringComparison.Ordinal))
                        .Select(a => KeyUri.AwsKmsScheme + ":" + a.AliasName));
                    marker = page.Truncated == true ? page.NextMarker : null;
                }
                while (marker != null);
            }

            names.Sort(StringComparer.Ordinal);
            return names;
        }
    }
}
