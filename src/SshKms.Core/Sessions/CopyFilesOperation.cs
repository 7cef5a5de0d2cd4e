using System;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;

namespace SshKms.Core.Sessions
{
    /// <summary>Files copied with scp to or from one host, logging in as a session does.</summary>
    public sealed class CopyFilesOptions : SshLoginOptions
    {
        /// <summary>Local paths (full paths: scp runs in this process's directory) or "[user@]host:path".</summary>
        public string[] Sources { get; set; } = new string[0];

        /// <summary>A local path or "[user@]host:path".</summary>
        public string Destination { get; set; } = string.Empty;
    }

    /// <summary>Copies the sources to the destination; the result names the remote host, ErrorId set when scp failed.</summary>
    public static class CopyFilesOperation
    {
        public static async Task<SshSessionResult> RunAsync(CopyFilesOptions options, CancellationToken cancellationToken)
        {
            if (options == null)
            {
                throw new ArgumentNullException(nameof(options));
            }

            SessionLogin.Validate(options);
            if (SshSession.ScpDestination(options.Sources.Concat(new[] { options.Destination })) == null)
            {
                throw SshSession.NoRemoteOperand();
            }

            SshSessionOptions engine = SessionLogin.EngineOptions(options);
            engine.Command = string.Empty;
            SshSession session = await SessionLogin.OpenAsync(options, engine, cancellationToken).ConfigureAwait(false);
            return await session.CopyAsync(options.Sources, options.Destination, cancellationToken).ConfigureAwait(false);
        }
    }
}
