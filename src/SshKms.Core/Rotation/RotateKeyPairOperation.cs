using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using SshKms.Core.Aws;
using SshKms.Core.Sessions;

namespace SshKms.Core.Rotation
{
    /// <summary>
    /// A rotation of a key-pair secret and where its public key goes: SSH nodes, an SSM tag or instance ids (one of
    /// them; with none, the instances carrying <see cref="SsmNodeDistributor.DefaultTag"/>).
    /// </summary>
    public sealed class RotateKeyPairOptions
    {
        public string SecretId { get; set; } = string.Empty;

        /// <summary>[user@]host[:port] nodes reached over SSH with the AWSCURRENT key.</summary>
        public string[] SshNodes { get; set; } = new string[0];

        /// <summary>KEY=VALUE: the EC2 instances carrying this tag, reached by SSM Run Command.</summary>
        public string? SsmTag { get; set; }

        /// <summary>EC2 instances reached by SSM Run Command.</summary>
        public string[] InstanceIds { get; set; } = new string[0];

        /// <summary>The account whose authorized_keys the nodes edit, and the SSH login user; null: the user the secret records.</summary>
        public string? UserName { get; set; }

        /// <summary>The new version's id; pass the one of an interrupted run to finish it. Null: a new GUID.</summary>
        public string? ClientRequestToken { get; set; }

        /// <summary>How many nodes at once; null: <see cref="RotateKeyPairOperation.DefaultParallel"/>.</summary>
        public int? Parallel { get; set; }

        /// <summary>SSH nodes only: trust a host key that is not known yet (a changed one is still refused).</summary>
        public bool AcceptNewHostKey { get; set; }

        /// <summary>SSH nodes only: passed to ssh as -o KEY=VALUE.</summary>
        public IList<KeyValuePair<string, string>> SshOptions { get; set; } = new List<KeyValuePair<string, string>>();

        /// <summary>SSH nodes only: an ssh_config file instead of the user's.</summary>
        public string? SshConfigFile { get; set; }

        /// <summary>SSH nodes only: a file of revoked host keys (a KRL or public keys): a node presenting one is refused.</summary>
        public string? RevokedHostKeys { get; set; }

        /// <summary>SSH nodes only: which SSH client logs in, for the node script and the pending key's test login alike.</summary>
        public SshTransportKind Transport { get; set; } = SshTransportKind.Auto;

        /// <summary>The authorized_keys file on the nodes, as sshd's AuthorizedKeysFile writes it (%u user, %h home, %U uid, %%).</summary>
        public string? AuthorizedKeysFile { get; set; }

        /// <summary>The sshd_config the nodes' sshd runs with (sshd -f).</summary>
        public string? SshdConfigFile { get; set; }

        /// <summary>Called with the token once the options are valid and before any AWS call, so an interrupted run can be resumed.</summary>
        public Action<string>? OnStarted { get; set; }

        /// <summary>Called with each step's result (per node where it has nodes), once it is in the audit journal; from worker threads.</summary>
        public Action<RotationStepResult>? OnStep { get; set; }

        public AwsSettings Aws { get; set; } = new AwsSettings();
    }

    /// <summary>Runs (or resumes) the four-step rotation and distributes the public key; returns every step's result.</summary>
    public static class RotateKeyPairOperation
    {
        /// <summary>Nodes updated at once, over SSH and over SSM alike.</summary>
        public const int DefaultParallel = 10;

        public static Task<IReadOnlyList<RotationStepResult>> RunAsync(RotateKeyPairOptions options, CancellationToken cancellationToken)
        {
            if (options == null)
            {
                throw new ArgumentNullException(nameof(options));
            }

            string token = options.ClientRequestToken ?? Guid.NewGuid().ToString();
            KeyRotation.ValidateToken(token);
            RotationTargets targets = Targets(options);
            targets.AuthorizedKeys.Validate();
            options.OnStarted?.Invoke(token);
            return RotationTargets.RotateAsync(options.Aws, options.SecretId, targets, options.UserName, token, options.OnStep, cancellationToken);
        }

        /// <summary>One channel, and settings that only that channel uses; every SSH node well formed before any AWS call.</summary>
        private static RotationTargets Targets(RotateKeyPairOptions options)
        {
            bool ssh = options.SshNodes.Length > 0;
            int channels = (ssh ? 1 : 0) + (options.InstanceIds.Length > 0 ? 1 : 0) + (options.SsmTag != null ? 1 : 0);
            if (channels > 1)
            {
                throw new SshKmsException("RotationTargetsConflict", SshKmsErrorCategory.InvalidArgument,
                    "A rotation goes to SSH nodes, to an SSM tag or to instance ids: give only one of them.");
            }

            if (!ssh && (options.AcceptNewHostKey || options.SshOptions.Count > 0 || options.SshConfigFile != null || options.RevokedHostKeys != null
                || options.Transport != SshTransportKind.Auto))
            {
                throw new SshKmsException("RotationTargetsConflict", SshKmsErrorCategory.InvalidArgument,
                    "Host key, ssh option, ssh_config and transport settings apply to SSH nodes only, and the rotation names none.");
            }

            // Where ssh cannot be given the key (Windows PowerShell 5.1), OpenSsh is refused before a new version is made, not at the first node.
            if (ssh && options.Transport == SshTransportKind.OpenSsh && !SshAgentServer.IsSupported)
            {
                throw SshAgentServer.OpenSshUnsupported();
            }

            if (options.Parallel < 1)
            {
                throw new SshKmsException("ThrottleLimitInvalid", SshKmsErrorCategory.InvalidArgument,
                    $"The number of nodes to work on at once must be at least 1, not {options.Parallel}.");
            }

            foreach (string node in options.SshNodes)
            {
                SshNode.Parse(node);
            }

            var targets = new RotationTargets
            {
                SshNodes = options.SshNodes,
                InstanceIds = options.InstanceIds,
                SsmTag = channels == 0 ? SsmNodeDistributor.DefaultTag : options.SsmTag,
                Parallel = options.Parallel ?? DefaultParallel,
                AcceptNewHostKey = options.AcceptNewHostKey,
                SshConfigFile = options.SshConfigFile,
                RevokedHostKeys = options.RevokedHostKeys,
                Transport = options.Transport,
                AuthorizedKeys = new AuthorizedKeysOptions { FileTemplate = options.AuthorizedKeysFile, SshdConfig = options.SshdConfigFile },
            };
            foreach (KeyValuePair<string, string> option in options.SshOptions)
            {
                targets.SshOptions.Add(option);
            }

            return targets;
        }
    }
}
