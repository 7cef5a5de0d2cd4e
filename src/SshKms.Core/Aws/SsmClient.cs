using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace SshKms.Core.Aws
{
    /// <summary>The SSM Run Command operations SshKms uses, over <see cref="AwsJsonClient"/>.</summary>
    public sealed class SsmClient : IDisposable
    {
        public const string RunShellScript = "AWS-RunShellScript";

        private readonly AwsJsonClient _client;

        public SsmClient(AwsSettings settings, System.Net.Http.HttpMessageHandler? transport = null)
        {
            _client = new AwsJsonClient(settings, AwsJsonService.Ssm, transport);
        }

        public AwsJsonClient Json => _client;

        /// <summary>Sends AWS-RunShellScript with the given lines to instances by id or by targets (tag:Key = Value).</summary>
        public async Task<SsmCommand> SendShellScriptAsync(IReadOnlyList<string>? instanceIds, IReadOnlyList<SsmTarget>? targets,
            IReadOnlyList<string> commands, string comment, CancellationToken cancellationToken, int? maxConcurrency = null)
        {
            var request = new SendCommandRequest
            {
                DocumentName = RunShellScript,
                InstanceIds = instanceIds == null || instanceIds.Count == 0 ? null : new List<string>(instanceIds),
                Targets = targets == null || targets.Count == 0 ? null : new List<SsmTarget>(targets),
                Comment = comment.Length > 100 ? comment.Substring(0, 100) : comment,
                Parameters = new Dictionary<string, List<string>> { ["commands"] = new List<string>(commands) },
                MaxConcurrency = maxConcurrency?.ToString(System.Globalization.CultureInfo.InvariantCulture),
            };
            SendCommandResponse response = await _client.CallAsync<SendCommandRequest, SendCommandResponse>("SendCommand", request, cancellationToken)
                .ConfigureAwait(false);
            return response.Command ?? throw new SshKmsException("AwsResponseInvalid", SshKmsErrorCategory.InvalidData, "ssm SendCommand returned no command.");
        }

        public Task<SsmCommandInvocation> GetCommandInvocationAsync(string commandId, string instanceId, CancellationToken cancellationToken) =>
            _client.CallAsync<GetCommandInvocationRequest, SsmCommandInvocation>("GetCommandInvocation",
                new GetCommandInvocationRequest { CommandId = commandId, InstanceId = instanceId }, cancellationToken);

        public void Dispose() => _client.Dispose();
    }

    /// <summary>A Run Command target: Key "tag:RotateSSHKeys", Values ["True"].</summary>
    public sealed class SsmTarget
    {
        public string? Key { get; set; }

        public List<string>? Values { get; set; }

        /// <summary>Parses "KEY=VALUE" (a tag), the way the CLI and -TargetTag take it.</summary>
        public static SsmTarget FromTag(string keyEqualsValue)
        {
            int eq = (keyEqualsValue ?? string.Empty).IndexOf('=');
            if (eq <= 0)
            {
                throw new SshKmsException("SsmTargetInvalid", SshKmsErrorCategory.InvalidArgument, $"A target tag is KEY=VALUE, not '{keyEqualsValue}'.");
            }

            return new SsmTarget { Key = "tag:" + keyEqualsValue!.Substring(0, eq), Values = new List<string> { keyEqualsValue.Substring(eq + 1) } };
        }
    }

    public sealed class SsmCommand
    {
        public string? CommandId { get; set; }

        public List<string>? InstanceIds { get; set; }

        public Dictionary<string, List<string>>? Parameters { get; set; }

        public string? Status { get; set; }
    }

    public sealed class SsmCommandInvocation
    {
        public string? CommandId { get; set; }

        public string? InstanceId { get; set; }

        /// <summary>Pending, InProgress, Delayed, Success, Cancelled, TimedOut, Failed, Cancelling.</summary>
        public string? Status { get; set; }

        public int ResponseCode { get; set; }

        public string? StandardOutputContent { get; set; }

        public string? StandardErrorContent { get; set; }

        public bool IsFinished => Status != "Pending" && Status != "InProgress" && Status != "Delayed" && Status != "Cancelling";
    }

    internal sealed class SendCommandRequest
    {
        public string? DocumentName { get; set; }

        public List<string>? InstanceIds { get; set; }

        public List<SsmTarget>? Targets { get; set; }

        public string? Comment { get; set; }

        public Dictionary<string, List<string>>? Parameters { get; set; }

        /// <summary>How many instances run the command at once ("10"); SSM's default is 50.</summary>
        public string? MaxConcurrency { get; set; }
    }

    internal sealed class SendCommandResponse
    {
        public SsmCommand? Command { get; set; }
    }

    internal sealed class GetCommandInvocationRequest
    {
        public string? CommandId { get; set; }

        public string? InstanceId { get; set; }
    }
}
