using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using SshKms.Core.OpenSsh;
using SshKms.Core.Sessions;

namespace SshKms.Core.Rotation
{

    /// <summary>
    /// Distribution over SSH: on each node, logs in with the AWSCURRENT key (served by the in-memory agent, never on
    /// disk, or held by the in-process client on the Managed transport) and runs the authorized_keys script in the login
    /// account. Host keys are checked as ssh checks them (strictly unless AcceptNewHostKey), and a node counts as done
    /// only when the script exits 0. Every login, the pending key's test included, goes over the options' transport.
    /// </summary>
    public sealed class SshNodeDistributor : INodeDistributor
    {
        private readonly IReadOnlyList<SshNode> _nodes;
        private readonly Func<CancellationToken, Task<SshPrivateKey>> _loginKey;
        private readonly SshSessionOptions _options;
        private string _rotationUser = string.Empty;

        /// <param name="loginKey">Fetches the AWSCURRENT private key for each login; the session wipes it after.</param>
        /// <param name="options">Port, ssh options, host key policy, transport, ThrottleLimit; its user is used only when neither the node's USER@ nor the rotation names one.</param>
        public SshNodeDistributor(IEnumerable<string> nodes, Func<CancellationToken, Task<SshPrivateKey>> loginKey, SshSessionOptions options)
        {
            _nodes = nodes.Select(SshNode.Parse).ToList();
            _loginKey = loginKey ?? throw new ArgumentNullException(nameof(loginKey));
            _options = options ?? throw new ArgumentNullException(nameof(options));
            if (_nodes.Count == 0)
            {
                throw new SshKmsException("RotationNoNodes", SshKmsErrorCategory.InvalidArgument, "No SSH nodes were given.");
            }
        }

        /// <summary>The rotation's user logs in wherever a node has no USER@, so the account the scripts edit is the one they were built for.</summary>
        public Task PrepareAsync(string userName, CancellationToken cancellationToken)
        {
            _rotationUser = userName ?? string.Empty;
            return Task.CompletedTask;
        }

        public Task<IReadOnlyList<NodeOutcome>> RunAsync(string script, CancellationToken cancellationToken) =>
            RunEverywhereAsync(_loginKey, script, cancellationToken);

        /// <summary>Logs in with the pending key itself and checks its tagged line is there: a login that works only through another key fails.</summary>
        public Task<IReadOnlyList<NodeOutcome>> TestAsync(KeyPairSecret pending, string checkScript, CancellationToken cancellationToken) =>
            RunEverywhereAsync(_ => Task.FromResult(pending.ParsePrivateKey()), checkScript, cancellationToken);

        private async Task<IReadOnlyList<NodeOutcome>> RunEverywhereAsync(Func<CancellationToken, Task<SshPrivateKey>> key, string script,
            CancellationToken cancellationToken)
        {
            using (var throttle = new SemaphoreSlim(Math.Max(1, _options.ThrottleLimit)))
            {
                return await Task.WhenAll(_nodes.Select(async node =>
                {
                    await throttle.WaitAsync(cancellationToken).ConfigureAwait(false);
                    try
                    {
                        return await RunOnAsync(node, key, script, cancellationToken).ConfigureAwait(false);
                    }
                    finally
                    {
                        throttle.Release();
                    }
                })).ConfigureAwait(false);
            }
        }

        private async Task<NodeOutcome> RunOnAsync(SshNode node, Func<CancellationToken, Task<SshPrivateKey>> key, string script, CancellationToken cancellationToken)
        {
            var options = new SshSessionOptions
            {
                UserName = node.User ?? (_rotationUser.Length > 0 ? _rotationUser : _options.UserName),
                Port = node.Port ?? _options.Port,
                AcceptNewHostKey = _options.AcceptNewHostKey,
                ConfigFile = _options.ConfigFile,
                Transport = _options.Transport,
            };
            foreach (KeyValuePair<string, string> option in _options.SshOptions)
            {
                options.SshOptions.Add(option);
            }

            // The script manages the login account's own authorized_keys: that is the account the key logs in to.
            // $(id -un) is the account ssh really logged in to, whatever ssh_config's User says.
            options.Command = "sh -c " + AuthorizedKeysScript.Quote(script) + " sshkms \"$(id -un)\"";
            SshSessionResult r = await SshSession.WithKey(key, options).RunHostAsync(node.Host, cancellationToken).ConfigureAwait(false);
            if (r.ErrorId != null)
            {
                return new NodeOutcome(node.Text, false, $"{r.ErrorId}: {r.ErrorMessage}");
            }

            string detail = (r.ExitCode == 0 ? r.Output : r.Error).Trim();
            return new NodeOutcome(node.Text, r.ExitCode == 0, r.ExitCode == 0 ? detail : $"exit {r.ExitCode}: {detail}", r.ExitCode);
        }
    }
}
