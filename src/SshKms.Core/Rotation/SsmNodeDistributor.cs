using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Amazon.EC2;
using Amazon.SimpleSystemsManagement;
using Amazon.SimpleSystemsManagement.Model;
using SshKms.Core.Aws;

namespace SshKms.Core.Rotation
{
    /// <summary>
    /// Distribution by SSM Run Command (AWS-RunShellScript) to instances by id, or to the running EC2 instances carrying
    /// a tag. A tag is resolved to instance ids once per rotation (<see cref="PrepareAsync"/>) and every step is sent by
    /// id: SendCommand by tag does not say which instances it reached, and an instance tagged mid-rotation must not get
    /// only the later steps.
    /// </summary>
    public sealed class SsmNodeDistributor : INodeDistributor
    {
        public const string DefaultTag = "RotateSSHKeys=True";

        private const string RunShellScript = "AWS-RunShellScript";

        private readonly IAmazonSimpleSystemsManagement _ssm;
        private readonly IAmazonEC2? _ec2;
        private readonly string? _tagKey;
        private readonly string? _tagValue;
        private IReadOnlyList<string> _instanceIds;

        /// <summary>The given instances.</summary>
        internal SsmNodeDistributor(IAmazonSimpleSystemsManagement ssm, IReadOnlyList<string> instanceIds)
        {
            _ssm = ssm;
            _instanceIds = instanceIds ?? throw new ArgumentNullException(nameof(instanceIds));
        }

        /// <summary>The running EC2 instances tagged <paramref name="targetTag"/> (KEY=VALUE, default RotateSSHKeys=True) when the rotation starts.</summary>
        internal SsmNodeDistributor(IAmazonSimpleSystemsManagement ssm, IAmazonEC2 ec2, string? targetTag)
        {
            _ssm = ssm;
            _ec2 = ec2 ?? throw new ArgumentNullException(nameof(ec2));
            (_tagKey, _tagValue) = ParseTag(targetTag ?? DefaultTag);
            _instanceIds = new string[0];
        }

        /// <summary>SendCommand takes at most 50 instance ids; more are sent in batches of this size, one batch after another.</summary>
        public int InstancesPerCommand { get; set; } = 50;

        /// <summary>Instances updated at once; null leaves SSM's default.</summary>
        public int? MaxConcurrency { get; set; }

        public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(2);

        public TimeSpan Timeout { get; set; } = TimeSpan.FromMinutes(5);

        /// <summary>
        /// How long after SendCommand GetCommandInvocation may still answer InvocationDoesNotExist: real SSM creates
        /// each instance's invocation a few seconds after the command. Past it, the instance counts as not reached.
        /// </summary>
        public TimeSpan InvocationGrace { get; set; } = TimeSpan.FromSeconds(30);

        private string TagText => _tagKey + "=" + _tagValue;

        public async Task<IReadOnlyList<NodeOutcome>> RunAsync(string script, CancellationToken cancellationToken)
        {
            if (_instanceIds.Count == 0)
            {
                throw new SshKmsException("RotationNoNodes", SshKmsErrorCategory.ObjectNotFound,
                    _ec2 != null ? $"No running EC2 instance carries the tag {TagText}." : "No instance ids were given.");
            }

            // One batch at a time, so MaxConcurrency still bounds how many instances change at once.
            var outcomes = new List<NodeOutcome>();
            for (int first = 0; first < _instanceIds.Count; first += InstancesPerCommand)
            {
                List<string> batch = _instanceIds.Skip(first).Take(InstancesPerCommand).ToList();
                string commandId = await SendAsync(batch, script, cancellationToken).ConfigureAwait(false);
                DateTime sent = DateTime.UtcNow;
                outcomes.AddRange(await Task.WhenAll(batch.Select(n => WaitAsync(commandId, n, sent, cancellationToken))).ConfigureAwait(false));
            }

            return outcomes;
        }

        /// <summary>By tag: the tagged running instances, looked up once here, are the nodes of every step. The scripts carry the user themselves.</summary>
        public async Task PrepareAsync(string userName, CancellationToken cancellationToken)
        {
            if (_ec2 != null)
            {
                _instanceIds = await Ec2Instances.RunningWithTagAsync(_ec2, _tagKey!, _tagValue!, cancellationToken).ConfigureAwait(false);
                if (_instanceIds.Count == 0)
                {
                    throw new SshKmsException("RotationNoNodes", SshKmsErrorCategory.ObjectNotFound, $"No running EC2 instance carries the tag {TagText}.");
                }
            }
        }

        public Task<IReadOnlyList<NodeOutcome>> TestAsync(KeyPairSecret pending, string checkScript, CancellationToken cancellationToken) =>
            RunAsync(checkScript, cancellationToken);

        /// <summary>"KEY=VALUE", the way the tag is given; the key is not empty.</summary>
        private static (string Key, string Value) ParseTag(string keyEqualsValue)
        {
            int eq = keyEqualsValue.IndexOf('=');
            if (eq <= 0)
            {
                throw new SshKmsException("SsmTargetInvalid", SshKmsErrorCategory.InvalidArgument, $"A target tag is KEY=VALUE, not '{keyEqualsValue}'.");
            }

            return (keyEqualsValue.Substring(0, eq), keyEqualsValue.Substring(eq + 1));
        }

        private async Task<string> SendAsync(List<string> instanceIds, string script, CancellationToken cancellationToken)
        {
            var request = new SendCommandRequest
            {
                DocumentName = RunShellScript,
                InstanceIds = instanceIds,
                Comment = "sshkms authorized_keys update",
                Parameters = new Dictionary<string, List<string>> { ["commands"] = new List<string> { script } },
                MaxConcurrency = MaxConcurrency?.ToString(CultureInfo.InvariantCulture),
            };
            SendCommandResponse response = await AwsErrors.RunAsync("SSM SendCommand", () => _ssm.SendCommandAsync(request, cancellationToken), cancellationToken)
                .ConfigureAwait(false);
            return response.Command?.CommandId
                ?? throw new SshKmsException("AwsResponseInvalid", SshKmsErrorCategory.InvalidData, "SSM SendCommand returned no command id.");
        }

        private async Task<NodeOutcome> WaitAsync(string commandId, string instanceId, DateTime sent, CancellationToken cancellationToken)
        {
            DateTime deadline = DateTime.UtcNow + Timeout;
            var request = new GetCommandInvocationRequest { CommandId = commandId, InstanceId = instanceId };
            while (true)
            {
                GetCommandInvocationResponse invocation;
                try
                {
                    invocation = await _ssm.GetCommandInvocationAsync(request, cancellationToken).ConfigureAwait(false);
                }
                catch (InvocationDoesNotExistException) when (DateTime.UtcNow < sent + InvocationGrace && DateTime.UtcNow < deadline)
                {
                    // Normal for a few seconds after SendCommand: the invocation is not created yet.
                    await Task.Delay(PollInterval, cancellationToken).ConfigureAwait(false);
                    continue;
                }
                catch (Exception ex) when (!(ex is OperationCanceledException && cancellationToken.IsCancellationRequested))
                {
                    SshKmsException mapped = AwsErrors.Map(ex, $"SSM GetCommandInvocation for {instanceId}");
                    if (mapped.ErrorId == "AwsResourceNotFound" || mapped.ErrorId == "AwsInvalidRequest")
                    {
                        // The command never reached this instance (not managed, stopped, wrong id).
                        return new NodeOutcome(instanceId, false, "not reached: " + mapped.Message);
                    }

                    throw mapped;
                }

                string status = invocation.Status?.Value ?? string.Empty;
                int exitCode = invocation.ResponseCode ?? -1;
                if (IsFinished(status))
                {
                    bool ok = status == "Success" && exitCode == 0;
                    string detail = ok ? (invocation.StandardOutputContent ?? string.Empty).Trim()
                        : $"{status} (exit {exitCode}): {(invocation.StandardErrorContent ?? string.Empty).Trim()}";
                    return new NodeOutcome(instanceId, ok, detail, exitCode);
                }

                if (DateTime.UtcNow >= deadline)
                {
                    return new NodeOutcome(instanceId, false, $"timed out after {Timeout.TotalSeconds:0} s in status {status}");
                }

                await Task.Delay(PollInterval, cancellationToken).ConfigureAwait(false);
            }
        }

        /// <summary>Pending, InProgress, Delayed and Cancelling are still running; Success, Cancelled, TimedOut and Failed are final.</summary>
        private static bool IsFinished(string status) =>
            status != "Pending" && status != "InProgress" && status != "Delayed" && status != "Cancelling";
    }
}
