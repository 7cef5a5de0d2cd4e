using System.Collections;
using System.Collections.Generic;

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
                // A null value goes through: the operation refuses it (EnvelopeContextInvalid), as for the CLI.
                context[key] = entry.Value?.ToString()!;
            }

            return context;
        }
    }
}
