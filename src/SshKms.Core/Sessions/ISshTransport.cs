using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace SshKms.Core.Sessions
{

    /// <summary>
    /// How a session carries its credentials to a host and runs there. Today only the system OpenSSH client
    /// (<see cref="OpenSshTransport"/>); an in-process client can be added beside it without touching the operations
    /// or the front ends, which never see the transport.
    /// </summary>
    internal interface ISshTransport
    {
        /// <summary>The user the login will really use for <paramref name="endpoint"/> (ssh_config, user@host...), null when it cannot tell.</summary>
        Task<string?> ResolveLoginUserAsync(SshEndpoint endpoint, SshSessionOptions options, CancellationToken cancellationToken);

        /// <summary>Runs the options' command (or an interactive shell) on the host with these credentials.</summary>
        Task<SshProcessResult> RunAsync(SshEndpoint endpoint, SessionCredentials credentials, SshSessionOptions options, SshOutputSink sink,
            CancellationToken cancellationToken);

        /// <summary>Copies <paramref name="sources"/> to <paramref name="destination"/>, "[user@]host:path" on either side.</summary>
        Task<SshProcessResult> CopyAsync(SshEndpoint endpoint, SessionCredentials credentials, SshSessionOptions options, IReadOnlyList<string> sources,
            string destination, SshOutputSink sink, CancellationToken cancellationToken);
    }
}
