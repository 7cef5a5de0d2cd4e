using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using SshKms.Core.Aws;

namespace SshKms.PowerShell.Completion
{
    /// <summary>-ProfileName: the profiles of the AWS config and credentials files, as the AWS CLI finds them.</summary>
    public sealed class ProfileNameCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            string word = CompletionText.Unquote(wordToComplete);
            IReadOnlyList<string> profiles;
            try
            {
                profiles = AwsProfileNames.List();
            }
            catch (Exception)
            {
                return Array.Empty<CompletionResult>();
            }

            return profiles
                .Where(p => p.StartsWith(word, StringComparison.OrdinalIgnoreCase))
                .Select(p => new CompletionResult(CompletionText.Quote(p), p, CompletionResultType.ParameterValue, $"AWS profile {p}"))
                .ToList();
        }
    }

    /// <summary>What the completers share: the word as typed without its quotes, and values already bound.</summary>
    internal static class CompletionText
    {
        public static string Unquote(string? word) => (word ?? string.Empty).Trim('\'', '"');

        /// <summary>A profile name may hold characters PowerShell would read as syntax: quote it then.</summary>
        public static string Quote(string value) =>
            value.All(c => char.IsLetterOrDigit(c) || c == '-' || c == '_' || c == '.' || c == '/' || c == ':' || c == '@')
                ? value
                : "'" + value.Replace("'", "''") + "'";

        /// <summary>A string parameter typed earlier on the line, or null (absent, or not a plain value).</summary>
        public static string? Bound(IDictionary bound, string name)
        {
            object? value = bound != null && bound.Contains(name) ? bound[name] : null;
            value = value is PSObject ps ? ps.BaseObject : value;
            return value as string;
        }
    }
}
