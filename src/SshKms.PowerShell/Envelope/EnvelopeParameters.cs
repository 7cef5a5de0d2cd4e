using System.Collections;
using System.Collections.Generic;
using SshKms.Core;

namespace SshKms.PowerShell.Envelope
{
    /// <summary>Conversions the two envelope cmdlets share: the encryption context from a hashtable.</summary>
    internal static class EnvelopeParameters
    {
        public static Dictionary<string, string>? ToContext(Hashtable? table)
        {
            if (table == null)
            {
                return null;
            }

            var context = new Dictionary<string, string>();
            foreach (DictionaryEntry entry in table)
            {
                string key = entry.Key?.ToString() ?? string.Empty;
                context[key] = entry.Value?.ToString() ?? throw new SshKmsException("EnvelopeContextInvalid", SshKmsErrorCategory.InvalidArgument, $"Invalid encryption context: the value of '{key}' is null.");
            }

            return context;
        }
    }
}
