using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using SshKms.Core.Audit;
using SshKms.Core.Aws;
using SshKms.Core.Keys;
using SshKms.Core.Sessions;

namespace SshKms.Core.Rotation
{
    /// <summary>Where a rotation distributes keys, as the cmdlet and the CLI take it: SSH nodes, an SSM tag, or instance ids.</summary>
    public sealed class RotationTargets
    {
        /// <summary>[USER@]HOST[:PORT] nodes reached over SSH with the AWSCURRENT key.</summary>
        public IReadOnlyList<string> SshNodes { get; set; } = new string[0];

        public string? SsmTag { get; set; }

        public IReadOnlyList<string> InstanceIds { get; set; } = new string[0];

        public int? Parallel { get; set; }

        /// <summary>SSH only: trust a node's host key that is not known yet (a changed one is still refused).</summary>
        public bool AcceptNewHostKey { get; set; }

        /// <summary>SSH only: passed to ssh as -o KEY=VALUE.</summary>
        public IList<KeyValuePair<string, string>> SshOptions { get; } = new List<KeyValuePair<string, string>>();

        /// <summary>SSH only: an ssh_config file instead of the user's.</summary>
        public string? SshConfigFile { get; set; }

        /// <summary>SSH only: a file of revoked host keys (a KRL or public keys, as ssh's RevokedHostKeys).</summary>
        public string? RevokedHostKeys { get; set; }

        /// <summary>SSH only: which SSH client logs in to the nodes; Auto: the system ssh when it is on PATH, else the in-process one.</summary>
        public SshTransportKind Transport { get; set; } = SshTransportKind.Auto;

        /// <summary>Every channel: which authorized_keys file the nodes edit (template, sshd_config) and the lock wait.</summary>
        public AuthorizedKeysOptions AuthorizedKeys { get; set; } = new AuthorizedKeysOptions();

        /// <summary>Runs (or resumes) a rotation over SSH or SSM Run Command; returns every step's result.</summary>
        public static async Task<IReadOnlyList<RotationStepResult>> RotateAsync(AwsSettings settings, string secretId, RotationTargets targets,
            string? userName, string clientRequestToken, Action<RotationStepResult>? report, CancellationToken cancellationToken)
        {
            KeyRotation.ValidateToken(clientRequestToken);
            targets.AuthorizedKeys.Validate();
            using var sm = new SecretsManagerClient(settings);
            report = AuditedReport(AuditJournal.Default(), await SigningKeys.GetAwsCallerArnAsync(settings, cancellationToken).ConfigureAwait(false), report);
            if (targets.SshNodes.Count > 0)
            {
                // The login user is the rotation's (given, else the secret's), which KeyRotation hands the distributor.
                var current = new SecretKeySource(sm, secretId);
                var options = new SshSessionOptions
                {
                    ThrottleLimit = targets.Parallel ?? 16,
                    AcceptNewHostKey = targets.AcceptNewHostKey,
                    ConfigFile = targets.SshConfigFile,
                    Transport = targets.Transport,
                };
                options.AddSshOptions(targets.SshOptions, targets.RevokedHostKeys);
                var ssh = new SshNodeDistributor(targets.SshNodes, current.FetchAsync, options);
                return await new KeyRotation(sm, ssh, secretId, clientRequestToken, userName, report) { Files = targets.AuthorizedKeys }
                    .RunAsync(cancellationToken).ConfigureAwait(false);
            }

            using var ssm = AwsClientFactory.CreateSsm(settings);
            using var ec2 = targets.InstanceIds.Count > 0 ? null : AwsClientFactory.CreateEc2(settings);
            SsmNodeDistributor distributor = ec2 == null ? new SsmNodeDistributor(ssm, targets.InstanceIds) : new SsmNodeDistributor(ssm, ec2, targets.SsmTag);
            distributor.MaxConcurrency = targets.Parallel;
            return await new KeyRotation(sm, distributor, secretId, clientRequestToken, userName, report) { Files = targets.AuthorizedKeys }
                .RunAsync(cancellationToken).ConfigureAwait(false);
        }

        /// <summary>
        /// Every step result goes to the journal under the caller's name before the caller sees it. A journal that
        /// cannot be written stops the rotation between steps, which is safe: the same token finishes it.
        /// </summary>
        private static Action<RotationStepResult> AuditedReport(AuditJournal journal, string operatorIdentity, Action<RotationStepResult>? report) => r =>
        {
            journal.Append(new AuditEvent(AuditEvent.RotationStep, operatorIdentity)
                .With("secretId", r.SecretId)
                .With("versionId", r.VersionId)
                .With("step", r.Step.ToString())
                .With("node", r.Node)
                .With("succeeded", r.Succeeded)
                .With("skipped", r.Skipped)
                .With("detail", r.Detail));
            report?.Invoke(r);
        };
    }
}
