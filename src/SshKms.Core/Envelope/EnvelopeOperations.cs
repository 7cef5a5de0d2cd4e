using System;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using SshKms.Core.Aws;

namespace SshKms.Core.Envelope
{
    /// <summary>Where an envelope operation writes (a file, a stream, or neither: memory), and the AWS settings it uses.</summary>
    public abstract class EnvelopeOutputOptions
    {
        /// <summary>
        /// A file, written owner-only under a temp name and renamed into place only once complete (for decryption:
        /// once the whole message, and its signature, verified), so a failure leaves no partial file.
        /// </summary>
        public string? OutputPath { get; set; }

        /// <summary>Replace an existing OutputPath instead of refusing (FileExists).</summary>
        public bool Overwrite { get; set; }

        /// <summary>A stream (standard output); flushed, not disposed.</summary>
        public Stream? Output { get; set; }

        public AwsSettings Aws { get; set; } = new AwsSettings();
    }

    /// <summary>Checks and output handling the protect and unprotect operations share.</summary>
    internal static class EnvelopeOperations
    {
        /// <summary>Exactly one of the sources is given (not null), and at most one output.</summary>
        public static void CheckInputAndOutput(string what, EnvelopeOutputOptions output, params object?[] sources)
        {
            if (sources.Count(s => s != null) != 1)
            {
                throw EnvelopeErrors.OptionInvalid($"Give exactly one {what}: a file, a stream, bytes or text.");
            }

            if (output.OutputPath != null && output.Output != null)
            {
                throw EnvelopeErrors.OptionInvalid("Give one output: a file or a stream.");
            }
        }

        /// <summary>
        /// Runs <paramref name="write"/> against the file or the stream the options name, and returns what it made with
        /// the file's full path; null when they name neither (the caller keeps the output in memory).
        /// </summary>
        public static async Task<(EnvelopeMessageInfo Info, string? Path)?> WriteOutputAsync(EnvelopeOutputOptions options,
            Func<Stream, Task<EnvelopeMessageInfo>> write, CancellationToken cancellationToken)
        {
            if (options.OutputPath != null)
            {
                string full = Path.GetFullPath(options.OutputPath);
                return (await OwnerOnly.WriteViaTempAsync(full, options.Overwrite, write).ConfigureAwait(false), full);
            }

            if (options.Output != null)
            {
                EnvelopeMessageInfo info = await write(options.Output).ConfigureAwait(false);
                await options.Output.FlushAsync(cancellationToken).ConfigureAwait(false);
                return (info, null);
            }

            return null;
        }
    }
}
