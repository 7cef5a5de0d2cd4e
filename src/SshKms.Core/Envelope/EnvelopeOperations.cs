using System.Linq;

namespace SshKms.Core.Envelope
{
    /// <summary>Checks the protect and unprotect operations share.</summary>
    internal static class EnvelopeOperations
    {
        /// <summary>Exactly one of the sources is given (not null).</summary>
        public static void RequireOne(string what, params object?[] sources)
        {
            if (sources.Count(s => s != null) != 1)
            {
                throw EnvelopeErrors.OptionInvalid($"Give exactly one {what}: a file, a stream, bytes or text.");
            }
        }
    }
}
