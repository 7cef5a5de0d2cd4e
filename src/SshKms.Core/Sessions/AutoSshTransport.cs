using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace SshKms.Core.Sessions
{
    /// <summary>
    /// Auto with an ssh on PATH: the system ssh, until this process turns out not to be allowed to start it (a
    /// sandbox, a binary that cannot run); from then on, for the rest of the run, the in-process client.
    /// </summary>
    internal sealed class AutoSshTransport : ISshTransport
    {
        private readonly ISshTransport _openSsh = new OpenSshTransport();
        private readonly ISshTransport _managed = new ManagedSshTransport();
        private volatile bool _processesRefused;

        public Task<string?> ResolveLoginUserAsync(SshEndpoint endpoint, SshSessionOptions options, CancellationToken cancellationToken) =>
            WithFallbackAsync(t => t.ResolveLoginUserAsync(endpoint, options, cancellationToken));

        public Task<SshProcessResult> RunAsync(SshEndpoint endpoint, SessionCredentials credentials, SshSessionOptions options, SshOutputSink sink,
            CancellationToken cancellationToken) =>
            WithFallbackAsync(t => t.RunAsync(endpoint, credentials, options, sink, cancellationToken));

        public Task<SshProcessResult> CopyAsync(SshEndpoint endpoint, SessionCredentials credentials, SshSessionOptions options, IReadOnlyList<string> sources,
            string destination, SshOutputSink sink, CancellationToken cancellationToken) =>
            WithFallbackAsync(t => t.CopyAsync(endpoint, credentials, options, sources, destination, sink, cancellationToken));

        private async Task<T> WithFallbackAsync<T>(Func<ISshTransport, Task<T>> use)
        {
            if (!_processesRefused)
            {
                try
                {
                    return await use(_openSsh).ConfigureAwait(false);
                }
                catch (SshKmsException ex) when (ex.ErrorId == "ProcessStartFailed")
                {
                    // Nothing reached the host: the process never started.
                    _processesRefused = true;
                }
            }

            return await use(_managed).ConfigureAwait(false);
        }
    }
}
