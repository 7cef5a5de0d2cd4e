using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;
using Renci.SshNet;

namespace SshKms.Core.Sessions
{
    /// <summary>
    /// SSH.NET in this process: the session key and its certificate go to the client from memory, so no process is
    /// started, no file is written and no agent socket is opened. Commands stream their output as they run (or pass
    /// this process's stdio through), a session without a command is a shell (<see cref="ManagedShell"/>), and copies
    /// go over SFTP (<see cref="ManagedCopy"/>). Host keys are checked as ssh checks them (<see cref="HostKeyTrust"/>).
    /// ssh_config does not apply: of the ssh options only the known_hosts, host-key, ConnectTimeout and KexAlgorithms ones are read.
    /// </summary>
    internal sealed class ManagedSshTransport : ISshTransport
    {
        public Task<string?> ResolveLoginUserAsync(SshEndpoint endpoint, SshSessionOptions options, CancellationToken cancellationToken) =>
            Task.FromResult<string?>(ManagedConnection.LoginUser(endpoint));

        public Task<SshProcessResult> RunAsync(SshEndpoint endpoint, SessionCredentials credentials, SshSessionOptions options, SshOutputSink sink,
            CancellationToken cancellationToken) =>
            ConnectedAsync(endpoint, credentials, options, info => new SshClient(info), client => options.Command == null
                ? ManagedShell.RunAsync(client, sink, cancellationToken)
                : ManagedCommand.RunAsync(client, options.Command, options.InheritStdio, sink, cancellationToken), cancellationToken);

        public Task<SshProcessResult> CopyAsync(SshEndpoint endpoint, SessionCredentials credentials, SshSessionOptions options, IReadOnlyList<string> sources,
            string destination, SshOutputSink sink, CancellationToken cancellationToken)
        {
            ManagedCopy.EnsureSupported(sources, destination);
            return ConnectedAsync(endpoint, credentials, options, info => new SftpClient(info),
                client => ManagedCopy.RunAsync(client, sources, destination, sink, cancellationToken), cancellationToken);
        }

        /// <summary>
        /// SSH.NET's connect waits for the key exchange and the login on blocking handles, even through ConnectAsync: on
        /// pool threads, twenty hosts at once starve the pool and the run goes at the pool's growth rate (measured: 20
        /// hosts in parallel took 1.28x as long). A thread of its own per connect; cancelling closes the client under it.
        /// </summary>
        private static async Task ConnectOnOwnThreadAsync(BaseClient client, CancellationToken cancellationToken)
        {
            using (cancellationToken.Register(client.Dispose))
            {
                try
                {
                    await ManagedCommand.StartOnOwnThread(client.Connect).ConfigureAwait(false);
                }
                catch (Exception) when (cancellationToken.IsCancellationRequested)
                {
                    throw new OperationCanceledException(cancellationToken);
                }
            }
        }

        /// <summary>One client logged in through <see cref="ManagedConnection"/>, its work, then the client and the key are gone; failures get the OpenSsh path's ids.</summary>
        private static async Task<SshProcessResult> ConnectedAsync<TClient>(SshEndpoint endpoint, SessionCredentials credentials, SshSessionOptions options,
            Func<ConnectionInfo, TClient> create, Func<TClient, Task<SshProcessResult>> work, CancellationToken cancellationToken)
            where TClient : BaseClient
        {
            var stopwatch = Stopwatch.StartNew();
            using (var connection = new ManagedConnection(endpoint, credentials, options))
            {
                using (TClient client = create(connection.Info))
                {
                    connection.Watch(client);
                    try
                    {
                        await ConnectOnOwnThreadAsync(client, cancellationToken).ConfigureAwait(false);
                        cancellationToken.ThrowIfCancellationRequested();
                        SshProcessResult result = await work(client).ConfigureAwait(false);
                        cancellationToken.ThrowIfCancellationRequested();
                        result.Duration = stopwatch.Elapsed;
                        return result;
                    }
                    catch (Exception ex) when (!(ex is OperationCanceledException) && connection.Failure(ex, stopwatch.Elapsed) is SshProcessResult failure)
                    {
                        return failure;
                    }
                }
            }
        }
    }
}
