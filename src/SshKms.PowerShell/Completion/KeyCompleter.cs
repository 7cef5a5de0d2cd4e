using System;
using System.Collections;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using System.Threading;
using System.Threading.Tasks;
using SshKms.Core.Aws;
using SshKms.Core.Keys;

namespace SshKms.PowerShell.Completion
{
    /// <summary>
    /// Tab completion of key URIs: the local keys in $SSHKMS_HOME/keys and the KMS aliases of the account. Aliases
    /// are fetched on Tab only (one paged ListAliases with the -Region/-ProfileName/-EndpointUrl already typed on the
    /// command line) and kept for the process per region, profile and endpoint. Completion never creates a key and
    /// never fails into the console: anything that goes wrong completes nothing from AWS.
    /// </summary>
    public abstract class KeyCompleter : IArgumentCompleter
    {
        /// <summary>How long a Tab waits for AWS; a slower answer is still cached for the next Tab.</summary>
        private static readonly TimeSpan AliasWait = TimeSpan.FromSeconds(5);

        private static readonly ConcurrentDictionary<string, Task<IReadOnlyList<string>>> Aliases =
            new ConcurrentDictionary<string, Task<IReadOnlyList<string>>>(StringComparer.Ordinal);

        private readonly string? _localExtension;

        /// <param name="localExtension">The local key files to offer (".key" CA keys, ".aes256" data keys); null: KMS aliases only.</param>
        protected KeyCompleter(string? localExtension)
        {
            _localExtension = localExtension;
        }

        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            string word = CompletionText.Unquote(wordToComplete);
            var results = new List<CompletionResult>();
            if (_localExtension != null)
            {
                results.AddRange(Matching(Safely(() => KeyNames.Local(_localExtension)), word, "local key"));
            }

            if (CouldBeAlias(word))
            {
                results.AddRange(Matching(KmsAliases(Settings(fakeBoundParameters)), word, "KMS alias"));
            }

            return results;
        }

        /// <summary>A word that a KMS alias URI could complete: empty, a start of "awskms:alias/" or "alias/", or longer than one.</summary>
        private static bool CouldBeAlias(string word) =>
            new[] { KeyUri.AwsKmsScheme + ":alias/", "alias/" }.Any(prefix =>
                prefix.StartsWith(word, StringComparison.OrdinalIgnoreCase) || word.StartsWith(prefix, StringComparison.OrdinalIgnoreCase));

        private static IEnumerable<CompletionResult> Matching(IReadOnlyList<string> uris, string word, string what) =>
            uris.Where(uri => uri.StartsWith(word, StringComparison.OrdinalIgnoreCase)
                    || uri.Substring(uri.IndexOf(':') + 1).StartsWith(word, StringComparison.OrdinalIgnoreCase))
                .Select(uri => new CompletionResult(uri, uri, CompletionResultType.ParameterValue, $"{uri} ({what})"));

        private static IReadOnlyList<string> KmsAliases(AwsSettings aws)
        {
            string cacheKey = string.Join("|", aws.Region ?? Environment.GetEnvironmentVariable("AWS_REGION") ?? Environment.GetEnvironmentVariable("AWS_DEFAULT_REGION"),
                aws.ProfileName ?? Environment.GetEnvironmentVariable("AWS_PROFILE"), AwsClientFactory.EffectiveEndpoint(aws));
            Task<IReadOnlyList<string>> fetch = Aliases.GetOrAdd(cacheKey, _ => Task.Run(() => KeyNames.KmsAliasesAsync(aws, CancellationToken.None)));
            try
            {
                if (fetch.Wait(AliasWait))
                {
                    return fetch.Result;
                }
            }
            catch (AggregateException)
            {
                // No credentials, no region, no network, no permission: no aliases, and the next Tab asks again.
                ((ICollection<KeyValuePair<string, Task<IReadOnlyList<string>>>>)Aliases).Remove(
                    new KeyValuePair<string, Task<IReadOnlyList<string>>>(cacheKey, fetch));
            }

            return Array.Empty<string>();
        }

        private static IReadOnlyList<string> Safely(Func<IReadOnlyList<string>> list)
        {
            try
            {
                return list();
            }
            catch (Exception)
            {
                // An unreadable key folder completes nothing rather than printing an exception at the prompt.
                return Array.Empty<string>();
            }
        }

        /// <summary>The AWS settings typed before the Tab: completion lists the aliases of the account the command will use.</summary>
        private static AwsSettings Settings(IDictionary bound) => new AwsSettings
        {
            Region = CompletionText.Bound(bound, "Region"),
            ProfileName = CompletionText.Bound(bound, "ProfileName"),
            EndpointUrl = CompletionText.Bound(bound, "EndpointUrl"),
        };
    }

    /// <summary>-CaKey: local CA keys and KMS aliases.</summary>
    public sealed class CaKeyCompleter : KeyCompleter
    {
        public CaKeyCompleter()
            : base(KeyNames.LocalCaKeyExtension)
        {
        }
    }

    /// <summary>-KeyId of the envelope cmdlets: local data keys and KMS aliases.</summary>
    public sealed class DataKeyCompleter : KeyCompleter
    {
        public DataKeyCompleter()
            : base(KeyNames.LocalDataKeyExtension)
        {
        }
    }

    /// <summary>A KMS key only (-KmsKeyId): the account's aliases.</summary>
    public sealed class KmsKeyCompleter : KeyCompleter
    {
        public KmsKeyCompleter()
            : base(null)
        {
        }
    }
}
