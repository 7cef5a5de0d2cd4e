using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using SshKms.Core.Sessions;

namespace SshKms.PowerShell.Completion
{
    /// <summary>
    /// -Transport where it is a name Core parses (so a bad one is the CLI's error id): Auto, OpenSsh, Managed on Tab,
    /// as an enum parameter would complete them.
    /// </summary>
    public sealed class TransportCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            string word = CompletionText.Unquote(wordToComplete);
            return new[] { SshTransportKind.Auto, SshTransportKind.OpenSsh, SshTransportKind.Managed }
                .Select(k => k.ToString())
                .Where(name => name.StartsWith(word, StringComparison.OrdinalIgnoreCase))
                .Select(name => new CompletionResult(name, name, CompletionResultType.ParameterValue, name + " transport"))
                .ToList();
        }
    }
}
