using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using SshKms.Core.Aws;
using SshKms.Core.OpenSsh;

namespace SshKms.Core.Rotation
{

    /// <summary>
    /// Secrets Manager's four-step rotation driven by the caller with a ClientRequestToken (the new VersionId).
    /// Every step is safe to run again, so rerunning with the same token finishes an interrupted rotation.
    /// The invariant: no node ever loses the AWSCURRENT key. New keys are only added before AWSCURRENT moves,
    /// old ones only removed after, and the rotation stops before finishSecret while any node lacks the new key.
    /// </summary>
    public sealed class KeyRotation
    {
        private readonly SecretsManagerClient _sm;
        private readonly INodeDistributor _nodes;
        private readonly string _secretId;
        private readonly string _token;
        private readonly string? _userName;
        private readonly Action<RotationStepResult>? _report;
        private readonly List<RotationStepResult> _results = new List<RotationStepResult>();

        public KeyRotation(SecretsManagerClient sm, INodeDistributor nodes, string secretId, string clientRequestToken, string? userName = null,
            Action<RotationStepResult>? report = null)
        {
            ValidateToken(clientRequestToken);
            _sm = sm;
            _nodes = nodes;
            _secretId = secretId;
            _token = clientRequestToken;
            _userName = userName;
            _report = report;
        }

        /// <summary>Which file the nodes edit (template, sshd_config) and how long a node waits for another rotation of it.</summary>
        public AuthorizedKeysOptions Files { get; set; } = new AuthorizedKeysOptions();

        /// <summary>Throws RotationTokenInvalid unless the token is one Secrets Manager takes; callers check it before any AWS call.</summary>
        public static void ValidateToken(string? clientRequestToken)
        {
            if (string.IsNullOrEmpty(clientRequestToken) || clientRequestToken!.Length < 32 || clientRequestToken.Length > 64)
            {
                throw new SshKmsException("RotationTokenInvalid", SshKmsErrorCategory.InvalidArgument,
                    "A ClientRequestToken is 32 to 64 characters (a GUID works); reuse it to resume the same rotation.");
            }
        }

        /// <summary>Runs (or resumes) the rotation; throws RotationNodesFailed / RotationTestFailed with node names when it cannot finish.</summary>
        public async Task<IReadOnlyList<RotationStepResult>> RunAsync(CancellationToken cancellationToken)
        {
            Files.Validate();
            DescribeSecretResponse described = await _sm.DescribeSecretAsync(_secretId, cancellationToken).ConfigureAwait(false);
            string name = described.Name ?? _secretId;
            string newTag = KeyPairSecret.Tag(name, _token);

            if (described.VersionWithStage(SecretsManagerClient.Current) == _token)
            {
                // AWSCURRENT already moved in an earlier run: only the old keys' removal may be left.
                Record(RotationStep.CreateSecret, null, true, "already done", skipped: true);
                Record(RotationStep.SetSecret, null, true, "already done", skipped: true);
                Record(RotationStep.TestSecret, null, true, "already done", skipped: true);
                string finishUser;
                using (SecretValue currentValue = await _sm.GetSecretValueAsync(_secretId, _token, SecretsManagerClient.Current, cancellationToken).ConfigureAwait(false))
                using (KeyPairSecret current = KeyPairSecret.Parse(currentValue.SecretUtf8))
                {
                    finishUser = UserOf(current);
                }

                await _nodes.PrepareAsync(finishUser, cancellationToken).ConfigureAwait(false);
                await FinishOnNodesAsync(name, newTag, finishUser, cancellationToken).ConfigureAwait(false);
                return _results;
            }

            await CreateSecretAsync(described, name, cancellationToken).ConfigureAwait(false);
            string user;
            // Id and stage together: moto answers an id alone with a stale value, and both must name this version anyway.
            using (SecretValue pendingValue = await _sm.GetSecretValueAsync(_secretId, _token, SecretsManagerClient.Pending, cancellationToken).ConfigureAwait(false))
            using (KeyPairSecret pending = KeyPairSecret.Parse(pendingValue.SecretUtf8))
            {
                // Decided once: every step on every channel edits this same account's authorized_keys.
                user = UserOf(pending);
                await _nodes.PrepareAsync(user, cancellationToken).ConfigureAwait(false);
                IReadOnlyList<NodeOutcome> set = await _nodes.RunAsync(
                    Script(AuthorizedKeysMode.Add, name, newTag, pending.PublicKey, user), cancellationToken).ConfigureAwait(false);
                RecordNodes(RotationStep.SetSecret, set);
                ThrowIfAnyFailed(RotationStep.SetSecret, set, "RotationNodesFailed", "the new key could not be added");

                IReadOnlyList<NodeOutcome> test = await _nodes.TestAsync(pending,
                    Script(AuthorizedKeysMode.Check, name, newTag, pending.PublicKey, user), cancellationToken).ConfigureAwait(false);
                RecordNodes(RotationStep.TestSecret, test);
                if (test.Any(o => !o.Succeeded))
                {
                    // Take the pending key back off the nodes; AWSCURRENT was never touched, so everyone still gets in.
                    IReadOnlyList<NodeOutcome> removed = await _nodes.RunAsync(
                        Script(AuthorizedKeysMode.Remove, name, newTag, null, user), cancellationToken).ConfigureAwait(false);
                    foreach (NodeOutcome o in removed)
                    {
                        Record(RotationStep.TestSecret, o.Node, o.Succeeded, (o.Succeeded ? "pending key taken back: " : "pending key could not be taken back: ") + o.Detail);
                    }

                    throw TestFailed(set, test, removed, newTag);
                }
            }

            string? oldVersion = described.VersionWithStage(SecretsManagerClient.Current);
            await _sm.UpdateSecretVersionStageAsync(_secretId, SecretsManagerClient.Current, _token, oldVersion, cancellationToken).ConfigureAwait(false);
            Record(RotationStep.FinishSecret, null, true, $"AWSCURRENT moved from {oldVersion} to {_token}");
            await FinishOnNodesAsync(name, newTag, user, cancellationToken).ConfigureAwait(false);
            return _results;
        }

        private string Script(AuthorizedKeysMode mode, string name, string tag, string? keyLine, string user) =>
            AuthorizedKeysScript.Build(mode, name, tag, keyLine, user, Files);

        /// <summary>Whose authorized_keys the nodes edit: the caller's user, else the one the new version records; "" is the account the channel runs as.</summary>
        private string UserOf(KeyPairSecret version) =>
            !string.IsNullOrEmpty(_userName) ? _userName! : version.UserName ?? string.Empty;

        private async Task CreateSecretAsync(DescribeSecretResponse described, string name, CancellationToken cancellationToken)
        {
            if (described.VersionIdsToStages != null && described.VersionIdsToStages.TryGetValue(_token, out List<string>? stages)
                && stages.Contains(SecretsManagerClient.Pending))
            {
                Record(RotationStep.CreateSecret, null, true, "pending version exists", skipped: true);
                return;
            }

            using SecretValue currentValue = await _sm.GetSecretValueAsync(_secretId, null, SecretsManagerClient.Current, cancellationToken).ConfigureAwait(false);
            using KeyPairSecret current = KeyPairSecret.Parse(currentValue.SecretUtf8);
            SshKeyAlgorithm algorithm = current.HasKeyPair ? AlgorithmOf(current.ParsePublicKey()) : SshKeyAlgorithm.Ed25519;
            using SshPrivateKey key = SshPrivateKey.Generate(algorithm);
            using KeyPairSecret next = current.WithNewKey(key, KeyPairSecret.Tag(name, _token));
            if (_userName != null)
            {
                next.UserName = _userName;
            }

            await _sm.PutSecretValueAsync(_secretId, _token, next.ToUtf8(), new[] { SecretsManagerClient.Pending }, cancellationToken).ConfigureAwait(false);
            Record(RotationStep.CreateSecret, null, true, $"new {key.KeyType} key {key.PublicKey.Fingerprint} as AWSPENDING");
        }

        /// <summary>The second half of finishSecret, repeatable: only the new key stays on the nodes, and AWSPENDING is dropped.</summary>
        private async Task FinishOnNodesAsync(string name, string newTag, string user, CancellationToken cancellationToken)
        {
            DescribeSecretResponse now = await _sm.DescribeSecretAsync(_secretId, cancellationToken).ConfigureAwait(false);
            if (now.VersionIdsToStages != null && now.VersionIdsToStages.TryGetValue(_token, out List<string>? stages) && stages.Contains(SecretsManagerClient.Pending))
            {
                await _sm.UpdateSecretVersionStageAsync(_secretId, SecretsManagerClient.Pending, null, _token, cancellationToken).ConfigureAwait(false);
            }

            IReadOnlyList<NodeOutcome> finish = await _nodes.RunAsync(
                Script(AuthorizedKeysMode.KeepOnly, name, newTag, null, user), cancellationToken).ConfigureAwait(false);
            RecordNodes(RotationStep.FinishSecret, finish);
            ThrowIfAnyFailed(RotationStep.FinishSecret, finish, "RotationNodesFailed", "AWSCURRENT moved, but the old key could not be removed; rerun with the same token");
        }

        internal static SshKeyAlgorithm AlgorithmOf(SshPublicKey key)
        {
            switch (key.KeyType)
            {
                case SshKeyTypes.Ed25519: return SshKeyAlgorithm.Ed25519;
                case SshKeyTypes.EcdsaP256: return SshKeyAlgorithm.EcdsaP256;
                case SshKeyTypes.EcdsaP384: return SshKeyAlgorithm.EcdsaP384;
                case SshKeyTypes.EcdsaP521: return SshKeyAlgorithm.EcdsaP521;
                default: return key.Bits > 3072 ? SshKeyAlgorithm.Rsa4096 : SshKeyAlgorithm.Rsa3072;
            }
        }

        private void ThrowIfAnyFailed(RotationStep step, IReadOnlyList<NodeOutcome> outcomes, string errorId, string what)
        {
            NodeOutcome[] failed = outcomes.Where(o => !o.Succeeded).ToArray();
            if (failed.Length == 0)
            {
                return;
            }

            string nodes = string.Join(", ", failed.Select(o => o.Node));
            if (failed.All(o => o.ExitCode == AuthorizedKeysScript.LockedExitCode))
            {
                // Nothing changed on these nodes: another rotation of the same file held its lock throughout the wait.
                throw new SshKmsException("RotationLocked", SshKmsErrorCategory.ResourceUnavailable,
                    $"{step} of {_secretId}: another rotation is editing authorized_keys on {failed.Length} node(s): {nodes}; rerun with the same token once it is done.");
            }

            throw new SshKmsException(errorId, SshKmsErrorCategory.ResourceUnavailable, $"{step} of {_secretId}: {what} on {failed.Length} node(s): {nodes}.");
        }

        /// <summary>Names the nodes that refused the pending key, and those still holding it because taking it back failed.</summary>
        private SshKmsException TestFailed(IReadOnlyList<NodeOutcome> set, IReadOnlyList<NodeOutcome> test, IReadOnlyList<NodeOutcome> removed, string pendingTag)
        {
            // Each refusal with its cause and where setSecret wrote the key (its script says which file sshd reads, when it can tell).
            string[] refused = test.Where(o => !o.Succeeded).Select(o => $"{o.Node} ({OneLine(o.Detail)}; setSecret: {OneLine(set.FirstOrDefault(s => s.Node == o.Node)?.Detail)})").ToArray();
            string[] kept = removed.Where(o => !o.Succeeded).Select(o => o.Node).ToArray();
            string takenBack = kept.Length == 0
                ? "it was taken back from every node"
                : $"taking it back failed on {kept.Length} node(s): {string.Join(", ", kept)} (its line, tagged {pendingTag}, stays there beside the current key until a rerun with the same token)";
            return new SshKmsException("RotationTestFailed", SshKmsErrorCategory.ResourceUnavailable,
                $"{RotationStep.TestSecret} of {_secretId}: the new key was not accepted on {refused.Length} node(s): {string.Join(", ", refused)}; {takenBack}.");
        }

        private static string OneLine(string? text) =>
            string.Join(" ", (text ?? string.Empty).Split(new[] { '\r', '\n' }, StringSplitOptions.RemoveEmptyEntries).Select(l => l.Trim()));

        private void RecordNodes(RotationStep step, IReadOnlyList<NodeOutcome> outcomes)
        {
            foreach (NodeOutcome o in outcomes)
            {
                Record(step, o.Node, o.Succeeded, o.Detail);
            }
        }

        private void Record(RotationStep step, string? node, bool ok, string detail, bool skipped = false)
        {
            var result = new RotationStepResult { SecretId = _secretId, Step = step, Node = node, Succeeded = ok, Skipped = skipped, VersionId = _token, Detail = detail };
            _results.Add(result);
            _report?.Invoke(result);
        }
    }
}
