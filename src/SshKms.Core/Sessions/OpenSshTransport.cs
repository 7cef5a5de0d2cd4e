using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using System.Threading.Tasks;

namespace SshKms.Core.Sessions
{
    /// <summary>
    /// The system ssh and scp, fed by an in-process agent that serves the session's key (and certificate) for one
    /// run and is stopped after it: the key never reaches the disk, and the user's ssh_config, ProxyJump and
    /// known_hosts all apply.
    /// </summary>
    internal sealed class OpenSshTransport : ISshTransport
    {
        public Task<string?> ResolveLoginUserAsync(SshEndpoint endpoint, SshSessionOptions options, CancellationToken cancellationToken) =>
            OpenSshClient.ResolveLoginUserAsync(endpoint.Destination, endpoint.UserName, endpoint.Port, options.SshOptions, options.ConfigFile, cancellationToken);

        public Task<SshProcessResult> RunAsync(SshEndpoint endpoint, SessionCredentials credentials, SshSessionOptions options, SshOutputSink sink,
            CancellationToken cancellationToken)
        {
            bool interactive = options.Command == null;
            return ThroughAgentAsync(credentials, "ssh", interactive || options.InheritStdio, !interactive && options.InheritStdio, sink, agent => OpenSshClient.BuildSshArguments(agent,
                endpoint.Destination, endpoint.UserName, endpoint.Port, interactive, options.AcceptNewHostKey, options.SshOptions, options.Command,
                options.ConfigFile), cancellationToken);
        }

        public Task<SshProcessResult> CopyAsync(SshEndpoint endpoint, SessionCredentials credentials, SshSessionOptions options, IReadOnlyList<string> sources,
            string destination, SshOutputSink sink, CancellationToken cancellationToken) =>
            ThroughAgentAsync(credentials, "scp", false, false, sink, agent => OpenSshClient.BuildScpArguments(agent, endpoint.UserName, endpoint.Port,
                options.AcceptNewHostKey, options.SshOptions, sources, destination, options.ConfigFile), cancellationToken);

        /// <summary>The agent lives exactly as long as the one ssh or scp process that uses it.</summary>
        private static async Task<SshProcessResult> ThroughAgentAsync(SessionCredentials credentials, string program, bool terminal, bool logToFile, SshOutputSink sink,
            Func<string, List<string>> buildArguments, CancellationToken cancellationToken)
        {
            // A stored key has no certificate: the agent then offers the plain key, otherwise exactly the certificate.
            AgentIdentities identities = credentials.Certificate == null ? AgentIdentities.Key : AgentIdentities.Certificate;
            SshAgentServer agent = SshAgentServer.Start(credentials.Key, credentials.Certificate, identities);
            try
            {
                List<string> arguments = buildArguments(agent.Address);

                // A command on this process's stdio: ssh's own messages would go straight to the terminal, unclassified.
                // -E sends them to a file in the agent's private directory, read back after ssh ends; the remote
                // command's stderr is unaffected. A shell keeps ssh's messages where the user sees them as they come.
                string? log = logToFile && agent.Directory != null ? Path.Combine(agent.Directory, "ssh.log") : null;
                if (log != null)
                {
                    arguments.InsertRange(0, new[] { "-E", log });
                }

                SshProcessResult result = await OpenSshClient.RunAsync(program, arguments, terminal, sink, null, cancellationToken).ConfigureAwait(false);
                if (log != null)
                {
                    ClassifyFromLog(result, log);
                }

                return result;
            }
            finally
            {
                await agent.StopAsync().ConfigureAwait(false);
            }
        }

        /// <summary>ssh's failure (exit 255) is classified from its log; otherwise its messages (warnings) reach stderr as they would have.</summary>
        private static void ClassifyFromLog(SshProcessResult result, string log)
        {
            string text = File.Exists(log) ? File.ReadAllText(log) : string.Empty;
            if (result.ExitCode == 255)
            {
                result.Error = text;
                result.ErrorId = null;
                OpenSshClient.Classify(result);
            }
            else
            {
                Console.Error.Write(text);
            }
        }
    }
}
