using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using SshKms.Core.Aws;

namespace SshKms.Core.Rotation
{
    /// <summary>Where a rotation distributes keys, as the cmdlet and the CLI take it: SSH nodes, an SSM tag, or instance ids.</summary>
    public sealed class RotationTargets
    {
        public IReadOnlyList<string> SshNodes { get; set; } = new string[0];

        public string? SsmTag { get; set; }

        public IReadOnlyList<string> InstanceIds { get; set; } = new string[0];

        public int? Parallel { get; set; }

        /// <summary>Runs (or resumes) a rotation over SSM Run Command; returns every step's result.</summary>
        public static async Task<IReadOnlyList<RotationStepResult>> RotateAsync(AwsSettings settings, string secretId, RotationTargets targets,
            string? userName, string clientRequestToken, Action<RotationStepResult>? report, CancellationToken cancellationToken)
        {
            if (targets.SshNodes.Count > 0)
            {
                // The SSH channel logs in with AWSCURRENT through the in-memory agent (Sessions), wired in after that branch merges.
                throw new SshKmsException("RotationSshChannelUnavailable", SshKmsErrorCategory.NotImplemented,
                    "Distribution over SSH is not available in this build yet; use SSM Run Command (-TargetTag / -InstanceId).");
            }

            using var sm = new SecretsManagerClient(settings);
            using var ssm = new SsmClient(settings);
            var distributor = new SsmNodeDistributor(ssm, targets.InstanceIds, targets.SsmTag, userName) { MaxConcurrency = targets.Parallel };
            return await new KeyRotation(sm, distributor, secretId, clientRequestToken, userName, report).RunAsync(cancellationToken).ConfigureAwait(false);
        }
    }
}
