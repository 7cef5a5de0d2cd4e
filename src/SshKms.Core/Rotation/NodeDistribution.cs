using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using SshKms.Core.Aws;

namespace SshKms.Core.Rotation
{
    /// <summary>The outcome of one step on one node.</summary>
    public sealed class NodeOutcome
    {
        public NodeOutcome(string node, bool succeeded, string detail, int? exitCode = null)
        {
            Node = node;
            Succeeded = succeeded;
            Detail = detail;
            ExitCode = exitCode;
        }

        public string Node { get; }

        public bool Succeeded { get; }

        public string Detail { get; }

        /// <summary>The script's exit code, when it ran (<see cref="AuthorizedKeysScript.LockedExitCode"/>: another rotation held the file).</summary>
        public int? ExitCode { get; }
    }

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

    /// <summary>
    /// Distribution by SSM Run Command (AWS-RunShellScript) to instances by id, or to the EC2 instances carrying a tag.
    /// A tag is resolved to instance ids once per rotation (<see cref="PrepareAsync"/>) and every step is sent by id:
    /// SendCommand by tag does not say which instances it reached, and an instance tagged mid-rotation must not
    /// get only the later steps.
    /// </summary>
    public sealed class SsmNodeDistributor : INodeDistributor
    {
        public const string DefaultTag = "RotateSSHKeys=True";

        private readonly SsmClient _ssm;
        private readonly TaggingClient? _tagging;
        private readonly SsmTarget? _tag;
        private IReadOnlyList<string> _instanceIds;

        /// <summary>The given instances.</summary>
        public SsmNodeDistributor(SsmClient ssm, IReadOnlyList<string> instanceIds)
        {
            _ssm = ssm;
            _instanceIds = instanceIds ?? throw new ArgumentNullException(nameof(instanceIds));
        }

        /// <summary>The EC2 instances tagged <paramref name="targetTag"/> (KEY=VALUE, default RotateSSHKeys=True) when the rotation starts.</summary>
        public SsmNodeDistributor(SsmClient ssm, TaggingClient tagging, string? targetTag)
        {
            _ssm = ssm;
            _tagging = tagging ?? throw new ArgumentNullException(nameof(tagging));
            _tag = SsmTarget.FromTag(targetTag ?? DefaultTag);
            _instanceIds = new string[0];
        }

        /// <summary>SendCommand takes at most 50 instance ids; more are sent in batches of this size, one batch after another.</summary>
        public int InstancesPerCommand { get; set; } = 50;

        /// <summary>Instances updated at once (-ThrottleLimit / --parallel); null leaves SSM's default.</summary>
        public int? MaxConcurrency { get; set; }

        public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(2);

        public TimeSpan Timeout { get; set; } = TimeSpan.FromMinutes(5);

        /// <summary>
        /// How long after SendCommand GetCommandInvocation may still answer InvocationDoesNotExist: real SSM creates
        /// each instance's invocation a few seconds after the command. Past it, the instance counts as not reached.
        /// </summary>
        public TimeSpan InvocationGrace { get; set; } = TimeSpan.FromSeconds(30);

        public async Task<IReadOnlyList<NodeOutcome>> RunAsync(string script, CancellationToken cancellationToken)
        {
            if (_instanceIds.Count == 0)
            {
                throw new SshKmsException("RotationNoNodes", SshKmsErrorCategory.ObjectNotFound,
                    _tag != null ? $"No EC2 instance carries the tag {TagText}." : "No instance ids were given.");
            }

            // One batch at a time, so MaxConcurrency still bounds how many instances change at once.
            var outcomes = new List<NodeOutcome>();
            for (int first = 0; first < _instanceIds.Count; first += InstancesPerCommand)
            {
                List<string> batch = _instanceIds.Skip(first).Take(InstancesPerCommand).ToList();
                SsmCommand command = await _ssm.SendShellScriptAsync(batch, null, new[] { script }, "sshkms authorized_keys update", cancellationToken, MaxConcurrency)
                    .ConfigureAwait(false);
                DateTime sent = DateTime.UtcNow;
                outcomes.AddRange(await Task.WhenAll(batch.Select(n => WaitAsync(command.CommandId!, n, sent, cancellationToken))).ConfigureAwait(false));
            }

            return outcomes;
        }

        /// <summary>By tag: the tagged instances, looked up once here, are the nodes of every step. The scripts carry the user themselves.</summary>
        public async Task PrepareAsync(string userName, CancellationToken cancellationToken)
        {
            if (_tagging != null && _tag != null)
            {
                _instanceIds = await _tagging.InstanceIdsWithTagAsync(_tag.Key!.Substring("tag:".Length), _tag.Values![0], cancellationToken).ConfigureAwait(false);
                if (_instanceIds.Count == 0)
                {
                    throw new SshKmsException("RotationNoNodes", SshKmsErrorCategory.ObjectNotFound, $"No EC2 instance carries the tag {TagText}.");
                }
            }
        }

        private string TagText => _tag == null ? string.Empty : _tag.Key!.Substring("tag:".Length) + "=" + _tag.Values![0];

        public Task<IReadOnlyList<NodeOutcome>> TestAsync(KeyPairSecret pending, string checkScript, CancellationToken cancellationToken) =>
            RunAsync(checkScript, cancellationToken);

        private async Task<NodeOutcome> WaitAsync(string commandId, string instanceId, DateTime sent, CancellationToken cancellationToken)
        {
            DateTime deadline = DateTime.UtcNow + Timeout;
            while (true)
            {
                SsmCommandInvocation invocation;
                try
                {
                    invocation = await _ssm.GetCommandInvocationAsync(commandId, instanceId, cancellationToken).ConfigureAwait(false);
                }
                catch (SshKmsException ex) when (ex.AwsErrorCode == "InvocationDoesNotExist" && DateTime.UtcNow < sent + InvocationGrace && DateTime.UtcNow < deadline)
                {
                    // Normal for a few seconds after SendCommand: the invocation is not created yet.
                    await Task.Delay(PollInterval, cancellationToken).ConfigureAwait(false);
                    continue;
                }
                catch (SshKmsException ex) when (ex.ErrorId == "AwsResourceNotFound" || ex.ErrorId == "AwsInvalidRequest")
                {
                    // The command never reached this instance (not managed, stopped, wrong id).
                    return new NodeOutcome(instanceId, false, "not reached: " + ex.Message);
                }

                if (invocation.IsFinished)
                {
                    bool ok = invocation.Status == "Success" && invocation.ResponseCode == 0;
                    string detail = ok ? (invocation.StandardOutputContent ?? string.Empty).Trim()
                        : $"{invocation.Status} (exit {invocation.ResponseCode}): {(invocation.StandardErrorContent ?? string.Empty).Trim()}";
                    return new NodeOutcome(instanceId, ok, detail, invocation.ResponseCode);
                }

                if (DateTime.UtcNow >= deadline)
                {
                    return new NodeOutcome(instanceId, false, $"timed out after {Timeout.TotalSeconds:0} s in status {invocation.Status}");
                }

                await Task.Delay(PollInterval, cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
