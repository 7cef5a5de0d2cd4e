using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace SshKms.Core.Rotation
{
    /// <summary>
    /// A channel that runs the authorized_keys script on every target node (SSM Run Command, SSH).
    /// Implementations report every node by name, reached or not, and never throw for one node's failure.
    /// </summary>
    public interface INodeDistributor
    {
        /// <summary>
        /// Called once per rotation before any node step, with the account whose authorized_keys every script
        /// edits ("" is the account the channel runs as); over SSH it is also the login user where a node names none.
        /// </summary>
        Task PrepareAsync(string userName, CancellationToken cancellationToken);

        /// <summary>Runs <paramref name="script"/> (from <see cref="AuthorizedKeysScript"/>) on every node.</summary>
        Task<IReadOnlyList<NodeOutcome>> RunAsync(string script, CancellationToken cancellationToken);

        /// <summary>
        /// testSecret: proves every node accepts the pending key, running <paramref name="checkScript"/> (mode Check).
        /// Over SSH it runs in a login with the pending key (host key verified, exit status checked); over SSM,
        /// which cannot log in, the check alone proves the tagged line is installed.
        /// </summary>
        Task<IReadOnlyList<NodeOutcome>> TestAsync(KeyPairSecret pending, string checkScript, CancellationToken cancellationToken);
    }
}
