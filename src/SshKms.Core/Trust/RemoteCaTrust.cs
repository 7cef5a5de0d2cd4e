using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using SshKms.Core.Aws;
using SshKms.Core.Keys;
using SshKms.Core.OpenSsh;
using SshKms.Core.Rotation;
using SshKms.Core.Sessions;

namespace SshKms.Core.Trust
{
    /// <summary>
    /// `trust set` on remote nodes: the CA keys are opened here, the node-side work (<see cref="TrustNodeScript"/>) runs
    /// on every node over SSH (a session login, as `sshkms ssh`) or SSM Run Command (as rotation), and each node gets
    /// its own result. One node's failure is that node's TrustNodeFailed result, never the others' stop.
    /// </summary>
    internal static class RemoteCaTrust
    {
        /// <summary>Checks what can be checked before any key is opened or a node is reached.</summary>
        public static void Validate(SetCaTrustOptions o)
        {
            int channels = (o.Nodes.Length > 0 ? 1 : 0) + (o.SsmTag != null ? 1 : 0) + (o.InstanceIds.Length > 0 ? 1 : 0);
            if (channels > 1)
            {
                throw new SshKmsException("TrustTargetsConflict", SshKmsErrorCategory.InvalidArgument,
                    "Give SSH nodes, an SSM tag or instance ids, not more than one of them.");
            }

            bool sshLogin = o.UserName != null || o.Port != null || o.LoginCaKey != null || o.SecretId != null || o.AcceptNewHostKey
                || o.SshOptions.Count > 0 || o.SshConfigFile != null || o.RevokedHostKeys != null || o.Transport != SshTransportKind.Auto;
            if (o.Nodes.Length == 0 && sshLogin)
            {
                throw new SshKmsException("TrustTargetsConflict", SshKmsErrorCategory.InvalidArgument,
                    "The SSH login settings (user, port, login CA, secret, ssh options, host keys, transport) apply only to SSH nodes.");
            }

            if (o.LoginCaKey != null && o.SecretId != null)
            {
                throw new SshKmsException("SessionCredentialsConflict", SshKmsErrorCategory.InvalidArgument,
                    "A stored key pair (the secret) and a certificate (the login CA key) were both given to log in with: give one of them.");
            }

            if (o.HostCertificate)
            {
                throw new SshKmsException("TrustRemoteUnsupported", SshKmsErrorCategory.NotImplemented,
                    "Host certificates are issued only for the local sshd configuration; run trust set with the host certificate option on each server.");
            }

            if (o.Parallel < 1)
            {
                throw new SshKmsException("ThrottleLimitInvalid", SshKmsErrorCategory.InvalidArgument,
                    $"The number of nodes to work on at once must be at least 1, not {o.Parallel}.");
            }

            foreach (string node in o.Nodes)
            {
                SshNode.Parse(node);
            }
        }

        public static async Task<IReadOnlyList<CaTrustResult>> RunAsync(SetCaTrustOptions o, bool dryRun, CancellationToken cancellationToken)
        {
            Validate(o);
            if (o.CaKeys == null || o.CaKeys.Length == 0 || o.CaKeys.Any(string.IsNullOrWhiteSpace))
            {
                throw new SshKmsException("TrustCaKeyMissing", SshKmsErrorCategory.InvalidArgument, "Name at least one CA key whose certificates sshd should accept.");
            }

            Dictionary<string, List<string>> principals = SetCaTrustOperation.ParsePrincipals(o.Principals ?? new string[0]);
            byte[]? krl = string.IsNullOrEmpty(o.RevokedKeys) ? null : SetCaTrustOperation.ReadKrl(o.RevokedKeys!);
            List<(KeyUri Uri, SshPublicKey Key)> caKeys = await SetCaTrustOperation.OpenCaKeysAsync(o, cancellationToken).ConfigureAwait(false);
            List<string> fingerprints = caKeys.Select(k => k.Key.Fingerprint).ToList();
            string sshdConfig = string.IsNullOrEmpty(o.SshdConfig) ? "/etc/ssh/sshd_config" : o.SshdConfig!;
            string script = TrustNodeScript.Build(sshdConfig, SetCaTrustOperation.CaLines(caKeys).ToList(), principals, krl, o.SshdPath, o.NoReload, dryRun);

            IEnumerable<(string Node, bool Ok, string Output)> outcomes = o.Nodes.Length > 0
                ? await OverSshAsync(o, script, cancellationToken).ConfigureAwait(false)
                : await OverSsmAsync(o, script, cancellationToken).ConfigureAwait(false);
            return outcomes.Select(n => Result(n.Node, n.Ok, n.Output, sshdConfig, fingerprints)).ToList();
        }

        private static async Task<IEnumerable<(string, bool, string)>> OverSshAsync(SetCaTrustOptions o, string script, CancellationToken cancellationToken)
        {
            var session = new OpenSessionOptions
            {
                Targets = o.Nodes.Select(SshNode.Parse).Select(n => new SshTarget(n.Host, n.User, n.Port)).ToList(),
                Command = "sh -c " + AuthorizedKeysScript.Quote(script),
                UserName = o.UserName,
                Port = o.Port,
                CaKey = o.LoginCaKey,
                SecretId = o.SecretId,
                AcceptNewHostKey = o.AcceptNewHostKey,
                SshOptions = o.SshOptions,
                ConfigFile = o.SshConfigFile,
                RevokedHostKeys = o.RevokedHostKeys,
                Transport = o.Transport,
                ThrottleLimit = o.Parallel,
                Aws = o.Aws,
            };
            IReadOnlyList<SshSessionResult> results = await OpenSessionOperation.RunAsync(session, cancellationToken).ConfigureAwait(false);
            return results.Select((r, i) => (o.Nodes[i],
                r.Succeeded,
                r.ErrorId != null ? $"{r.ErrorId}: {r.ErrorMessage}" : r.ExitCode == 0 ? r.Output : $"exit {r.ExitCode}: {r.Error.Trim()}"));
        }

        private static async Task<IEnumerable<(string, bool, string)>> OverSsmAsync(SetCaTrustOptions o, string script, CancellationToken cancellationToken)
        {
            using var ssm = AwsClientFactory.CreateSsm(o.Aws);
            using var ec2 = o.InstanceIds.Length > 0 ? null : AwsClientFactory.CreateEc2(o.Aws);
            SsmNodeDistributor distributor = ec2 == null ? new SsmNodeDistributor(ssm, o.InstanceIds) : new SsmNodeDistributor(ssm, ec2, o.SsmTag);
            distributor.MaxConcurrency = o.Parallel;
            await distributor.PrepareAsync(string.Empty, cancellationToken).ConfigureAwait(false);
            IReadOnlyList<NodeOutcome> outcomes = await distributor.RunAsync(script, cancellationToken).ConfigureAwait(false);
            return outcomes.Select(n => (n.Node, n.Succeeded, n.Detail));
        }

        /// <summary>The node's result line, or its failure as TrustNodeFailed with the node's own error id and message.</summary>
        private static CaTrustResult Result(string node, bool ok, string output, string sshdConfig, IReadOnlyList<string> fingerprints)
        {
            string[]? fields = output.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.StartsWith(TrustNodeScript.ResultTag + "\t", StringComparison.Ordinal))
                .Select(l => l.Split('\t')).LastOrDefault(f => f.Length >= 4);
            if (ok && fields != null)
            {
                // SSM trims the output, and with it an empty last field.
                string[] files = (fields.Length > 4 ? fields[4] : string.Empty).Split(new[] { ' ' }, StringSplitOptions.RemoveEmptyEntries);
                return CaTrustResult.FromNode(node, sshdConfig, fields[1], fields[2], fields[3], files, fingerprints);
            }

            int at = output.IndexOf(TrustNodeScript.ErrorTag, StringComparison.Ordinal);
            string why = at >= 0 ? output.Substring(at + TrustNodeScript.ErrorTag.Length).Trim()
                : ok ? "the node printed no trust result: " + output.Trim() : output.Trim();
            CaTrustResult failed = CaTrustResult.FromNode(node, sshdConfig, "Failed", "None", "Not done", new string[0], fingerprints);
            failed.ErrorId = "TrustNodeFailed";
            failed.Error = $"Trust was not set on {node}: {why}";
            return failed;
        }
    }
}
