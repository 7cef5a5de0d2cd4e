using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using SshKms.Core;
using SshKms.Core.Audit;
using SshKms.Core.Aws;
using SshKms.Core.OpenSsh;
using SshKms.Core.Rotation;
using SshKms.Core.Sessions;
using SshKms.Tests.Infrastructure;
using Xunit;

namespace SshKms.Tests.Rotation
{
    /// <summary>
    /// Rotation distributed over SSH to real sshd nodes on loopback, with Secrets Manager on moto. Every login is
    /// a real one: the AWSCURRENT key through the in-memory agent, host keys checked against a known_hosts file.
    /// </summary>
    [Collection("aws")]
    public sealed class SshRotationTests : IDisposable
    {
        private const string AdminLine = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl admin@laptop";

        private readonly MotoServer _moto;
        private readonly SecretsManagerClient _sm;
        private readonly TempDir _dir = new TempDir("sshkms-sshrot");
        private readonly List<SshdServer> _servers = new List<SshdServer>();

        public SshRotationTests(MotoServer moto)
        {
            _moto = moto;
            _sm = new SecretsManagerClient(moto.Settings);
        }

        public void Dispose()
        {
            foreach (SshdServer server in _servers)
            {
                server.Dispose();
            }

            _sm.Dispose();
            _dir.Dispose();
        }

        private async Task<KeyPairInfo> NewSecretAsync() =>
            await KeyPairSecrets.CreateAsync(_sm, "sshrot/" + Guid.NewGuid().ToString("N"), SshKeyAlgorithm.Ed25519, SshdServer.CurrentUser, null, CancellationToken.None);

        /// <summary>A node whose authorized_keys holds an unrelated admin key and the secret's first key.</summary>
        private SshdServer Node(KeyPairInfo first, string? scriptAuthorizedKeys = null)
        {
            var server = new SshdServer(authorizedKeys: new[] { AdminLine, first.PublicKey }, scriptAuthorizedKeys: scriptAuthorizedKeys);
            _servers.Add(server);
            return server;
        }

        /// <summary>A known_hosts file trusting exactly these servers.</summary>
        private string KnownHosts(IEnumerable<SshdServer> servers)
        {
            string path = _dir.File("known_hosts-" + Guid.NewGuid().ToString("N"));
            File.WriteAllLines(path, servers.Select(s => $"[127.0.0.1]:{s.Port} {s.HostPublicKey}"));
            return path;
        }

        private static string NodeText(SshdServer server) => $"127.0.0.1:{server.Port}";

        private static SshSessionOptions StrictOptions(string knownHosts, SshTransportKind transport = SshTransportKind.OpenSsh)
        {
            var options = new SshSessionOptions { ConfigFile = "/dev/null", Transport = transport };
            options.SshOptions.Add(new KeyValuePair<string, string>("UserKnownHostsFile", knownHosts));
            options.SshOptions.Add(new KeyValuePair<string, string>("GlobalKnownHostsFile", "/dev/null"));
            options.SshOptions.Add(new KeyValuePair<string, string>("ConnectTimeout", "10"));
            return options;
        }

        private RotationTargets Targets(IEnumerable<string> nodes, string knownHosts, SshTransportKind transport = SshTransportKind.OpenSsh)
        {
            var targets = new RotationTargets { SshNodes = nodes.ToList(), SshConfigFile = "/dev/null", Transport = transport };
            foreach (KeyValuePair<string, string> option in StrictOptions(knownHosts).SshOptions)
            {
                targets.SshOptions.Add(option);
            }

            return targets;
        }

        /// <summary>Logs in to the node with the secret's key at <paramref name="stage"/>, as a real client would.</summary>
        private async Task<SshSessionResult> LoginAsync(string secretId, string stage, SshdServer server, string knownHosts,
            SshTransportKind transport = SshTransportKind.OpenSsh)
        {
            SshSessionOptions options = StrictOptions(knownHosts, transport);
            options.Port = server.Port;
            options.UserName = SshdServer.CurrentUser;
            options.Command = "echo in";
            var source = new SecretKeySource(_moto.Settings, secretId, stage);
            return await SshSession.WithKey(source.FetchAsync, options).RunHostAsync("127.0.0.1", CancellationToken.None);
        }

        private async Task AssertCurrentKeyLogsInEverywhereAsync(string secretId, IEnumerable<SshdServer> servers, string knownHosts,
            SshTransportKind transport = SshTransportKind.OpenSsh)
        {
            foreach (SshdServer server in servers)
            {
                SshSessionResult r = await LoginAsync(secretId, "AWSCURRENT", server, knownHosts, transport);
                Assert.True(r.Succeeded && r.Output.Trim() == "in", $"AWSCURRENT did not log in to {server.Port}: {r.ErrorId} {r.ErrorMessage} {r.Error}\n{server.Log}");
            }
        }

        /// <summary>
        /// sshd logs each client's goodbye as the client words it: OpenSSH's ssh says "disconnected by user", SSH.NET
        /// "Connection terminated by the client." So the node's own log tells which transport logged in, every time.
        /// </summary>
        internal static void AssertEveryLoginWentOver(SshTransportKind transport, IEnumerable<SshdServer> nodes)
        {
            const string OpenSshGoodbye = ":11: disconnected by user";
            const string ManagedGoodbye = ":11: Connection terminated by the client.";
            foreach (SshdServer node in nodes)
            {
                // sshd's log is read from its stderr as it comes: on a loaded machine the last goodbye may still be on its way.
                string goodbye = transport == SshTransportKind.Managed ? ManagedGoodbye : OpenSshGoodbye;
                for (int waited = 0; waited < 10000 && !node.Log.Contains(goodbye); waited += 100)
                {
                    System.Threading.Thread.Sleep(100);
                }

                Assert.Contains(goodbye, node.Log);
                Assert.DoesNotContain(transport == SshTransportKind.Managed ? OpenSshGoodbye : ManagedGoodbye, node.Log);
            }
        }

        /// <summary>Both transports: the node script, the pending key's test login and the checks all go over the one asked for.</summary>
        [Theory]
        [InlineData(SshTransportKind.OpenSsh)]
        [InlineData(SshTransportKind.Managed)]
        public async Task RotationOverSshNeverLocksTheCurrentKeyOutAndLeavesOnlyTheNewKey(SshTransportKind transport)
        {
            KeyPairInfo first = await NewSecretAsync();
            SshdServer[] nodes = { Node(first), Node(first) };
            string known = KnownHosts(nodes);
            SshSessionOptions options = StrictOptions(known, transport);
            options.UserName = SshdServer.CurrentUser;
            var distributor = new SshNodeDistributor(nodes.Select(NodeText), new SecretKeySource(_sm, first.SecretId).FetchAsync, options);

            // After every distribution step, whatever AWSCURRENT is at that moment still logs in to every node.
            int checks = 0;
            var checking = new InvariantCheckingDistributor(distributor, async () =>
            {
                await AssertCurrentKeyLogsInEverywhereAsync(first.SecretId, nodes, known, transport);
                checks++;
            });
            string token = Guid.NewGuid().ToString();
            IReadOnlyList<RotationStepResult> results = await new KeyRotation(_sm, checking, first.SecretId, token).RunAsync(CancellationToken.None);

            Assert.True(checks >= 3, $"only {checks} invariant checks ran");
            Assert.All(results, r => Assert.True(r.Succeeded, $"{r.Step} {r.Node}: {r.Detail}"));
            foreach (RotationStep step in new[] { RotationStep.SetSecret, RotationStep.TestSecret, RotationStep.FinishSecret })
            {
                Assert.Equal(nodes.Select(NodeText).OrderBy(n => n), results.Where(r => r.Step == step && r.Node != null).Select(r => r.Node).OrderBy(n => n));
            }

            DescribeSecretResponse described = await _sm.DescribeSecretAsync(first.SecretId, CancellationToken.None);
            Assert.Equal(token, described.VersionWithStage("AWSCURRENT"));
            Assert.Equal(first.VersionId, described.VersionWithStage("AWSPREVIOUS"));
            Assert.Null(described.VersionWithStage("AWSPENDING"));
            (KeyPairInfo current, KeyPairSecret secret) = await KeyPairSecrets.ReadAsync(_sm, first.SecretId, "AWSCURRENT", CancellationToken.None);
            secret.Dispose();
            foreach (SshdServer node in nodes)
            {
                Assert.Equal(new[] { AdminLine, current.PublicKey }, File.ReadAllLines(node.AuthorizedKeysPath));
                SshSessionResult old = await LoginAsync(first.SecretId, "AWSPREVIOUS", node, known, transport);
                Assert.Equal("LoginRefused", old.ErrorId);
            }

            AssertEveryLoginWentOver(transport, nodes);

            // The same token again changes nothing on the nodes or in the stages.
            IReadOnlyList<RotationStepResult> again = await new KeyRotation(_sm, distributor, first.SecretId, token).RunAsync(CancellationToken.None);
            Assert.True(again.Where(r => r.Step != RotationStep.FinishSecret).All(r => r.Skipped));
            Assert.All(nodes, n => Assert.Equal(new[] { AdminLine, current.PublicKey }, File.ReadAllLines(n.AuthorizedKeysPath)));
            Assert.Equal(token, (await _sm.DescribeSecretAsync(first.SecretId, CancellationToken.None)).VersionWithStage("AWSCURRENT"));
        }

        [Theory]
        [InlineData(SshTransportKind.OpenSsh)]
        [InlineData(SshTransportKind.Managed)]
        public async Task DeadNodeAndUnknownHostKeyAreNamedTheRotationStopsAndTheSameTokenFinishesIt(SshTransportKind transport)
        {
            KeyPairInfo first = await NewSecretAsync();
            SshdServer[] live = { Node(first), Node(first), Node(first) };
            SshdServer stranger = Node(first);
            string known = KnownHosts(live);
            string dead = $"127.0.0.1:{FreePort.Next()}";
            string token = Guid.NewGuid().ToString();
            var reported = new List<RotationStepResult>();
            var nodes = live.Select(NodeText).Concat(new[] { dead, NodeText(stranger) }).ToList();

            var ex = await Assert.ThrowsAsync<SshKmsException>(() =>
                RotationTargets.RotateAsync(_moto.Settings, first.SecretId, Targets(nodes, known, transport), null, token, reported.Add, CancellationToken.None));

            Assert.Equal("RotationNodesFailed", ex.ErrorId);
            Assert.Contains(dead, ex.Message);
            Assert.Contains(NodeText(stranger), ex.Message);
            Assert.DoesNotContain(NodeText(live[0]), ex.Message);
            Assert.Contains("HostUnreachable", reported.Single(r => r.Node == dead).Detail);
            Assert.Contains("HostKeyUnknown", reported.Single(r => r.Node == NodeText(stranger)).Detail);
            Assert.DoesNotContain(reported, r => r.Step == RotationStep.FinishSecret);
            Assert.Equal(first.VersionId, (await _sm.DescribeSecretAsync(first.SecretId, CancellationToken.None)).VersionWithStage("AWSCURRENT"));
            Assert.Equal(new[] { AdminLine, first.PublicKey }, File.ReadAllLines(stranger.AuthorizedKeysPath));
            await AssertCurrentKeyLogsInEverywhereAsync(first.SecretId, live, known, transport);

            // The operator drops the dead node and accepts the new one's host key; the same token finishes the rotation.
            RotationTargets retry = Targets(live.Select(NodeText).Concat(new[] { NodeText(stranger) }), known, transport);
            retry.AcceptNewHostKey = true;
            IReadOnlyList<RotationStepResult> finished = await RotationTargets.RotateAsync(_moto.Settings, first.SecretId, retry, null, token, null, CancellationToken.None);

            Assert.Contains(finished, r => r.Step == RotationStep.CreateSecret && r.Skipped);
            Assert.Equal(token, (await _sm.DescribeSecretAsync(first.SecretId, CancellationToken.None)).VersionWithStage("AWSCURRENT"));
            (KeyPairInfo current, KeyPairSecret secret) = await KeyPairSecrets.ReadAsync(_sm, first.SecretId, "AWSCURRENT", CancellationToken.None);
            secret.Dispose();
            Assert.All(live.Append(stranger), n => Assert.Equal(new[] { AdminLine, current.PublicKey }, File.ReadAllLines(n.AuthorizedKeysPath)));
            await AssertCurrentKeyLogsInEverywhereAsync(first.SecretId, live.Append(stranger), known, transport);
            AssertEveryLoginWentOver(transport, live.Append(stranger));
        }

        [Theory]
        [InlineData(SshTransportKind.OpenSsh)]
        [InlineData(SshTransportKind.Managed)]
        public async Task PendingKeyThatDoesNotLogInIsTakenBackAndTheOldKeyStays(SshTransportKind transport)
        {
            KeyPairInfo first = await NewSecretAsync();
            SshdServer[] good = { Node(first), Node(first) };

            // A misconfigured node: the script edits a file sshd never reads, so only a real login with the pending key can tell.
            string shadow = _dir.File("shadow_authorized_keys");
            File.WriteAllLines(shadow, new[] { AdminLine, first.PublicKey });
            SshdServer misconfigured = Node(first, scriptAuthorizedKeys: shadow);
            SshdServer[] all = good.Append(misconfigured).ToArray();
            string known = KnownHosts(all);
            string token = Guid.NewGuid().ToString();

            var ex = await Assert.ThrowsAsync<SshKmsException>(() =>
                RotationTargets.RotateAsync(_moto.Settings, first.SecretId, Targets(all.Select(NodeText), known, transport), null, token, null, CancellationToken.None));

            Assert.Equal("RotationTestFailed", ex.ErrorId);
            Assert.Contains(NodeText(misconfigured), ex.Message);
            Assert.DoesNotContain(NodeText(good[0]), ex.Message);
            Assert.Equal(first.VersionId, (await _sm.DescribeSecretAsync(first.SecretId, CancellationToken.None)).VersionWithStage("AWSCURRENT"));
            string pendingTag = KeyPairSecret.Tag(first.SecretId, token);
            Assert.All(good, n => Assert.Equal(new[] { AdminLine, first.PublicKey }, File.ReadAllLines(n.AuthorizedKeysPath)));
            Assert.DoesNotContain(pendingTag, File.ReadAllText(shadow));
            await AssertCurrentKeyLogsInEverywhereAsync(first.SecretId, all, known, transport);
            AssertEveryLoginWentOver(transport, all);
        }

        [Fact]
        public async Task ATestSecretFailureOverSshNamesTheFileSshdReadsBesideTheFileEdited()
        {
            KeyPairInfo first = await NewSecretAsync();
            string shadow = _dir.File("shadow_authorized_keys");
            File.WriteAllLines(shadow, new[] { AdminLine, first.PublicKey });
            SshdServer node = Node(first, scriptAuthorizedKeys: shadow);
            string known = KnownHosts(new[] { node });
            RotationTargets targets = Targets(new[] { NodeText(node) }, known);
            // The script logs in as root here, so it can ask this node's sshd (its own sshd_config) which file it reads.
            targets.AuthorizedKeys = new AuthorizedKeysOptions { SshdConfig = node.ConfigPath };

            var ex = await Assert.ThrowsAsync<SshKmsException>(() =>
                RotationTargets.RotateAsync(_moto.Settings, first.SecretId, targets, null, Guid.NewGuid().ToString(), null, CancellationToken.None));

            Assert.Equal("RotationTestFailed", ex.ErrorId);
            Assert.Contains($"edited {shadow}; sshd reads {node.AuthorizedKeysPath} for {SshdServer.CurrentUser}", ex.Message);
            await AssertCurrentKeyLogsInEverywhereAsync(first.SecretId, new[] { node }, known);
        }

        [Fact]
        public async Task ASymlinkedAuthorizedKeysOnARealNodeStaysALinkAndItsTargetGetsTheNewKey()
        {
            KeyPairInfo first = await NewSecretAsync();
            SshdServer node = Node(first);
            string target = _dir.File("managed_keys");
            File.Move(node.AuthorizedKeysPath, target);
            File.CreateSymbolicLink(node.AuthorizedKeysPath, target);
            string known = KnownHosts(new[] { node });
            string token = Guid.NewGuid().ToString();

            await RotationTargets.RotateAsync(_moto.Settings, first.SecretId, Targets(new[] { NodeText(node) }, known), null, token, null, CancellationToken.None);

            Assert.Equal(target, new FileInfo(node.AuthorizedKeysPath).LinkTarget);
            string[] lines = File.ReadAllLines(target);
            Assert.Equal(AdminLine, lines[0]);
            Assert.EndsWith(KeyPairSecret.Tag(first.SecretId, token), Assert.Single(lines.Skip(1)));
            await AssertCurrentKeyLogsInEverywhereAsync(first.SecretId, new[] { node }, known);
        }

        [Fact]
        public async Task CliAuthorizedKeysFileNamesTheFileSshdReadsOverTheNodesOwnSetting()
        {
            // The node's environment points the script at a file sshd never reads; the operator's template wins.
            KeyPairInfo first = await NewSecretAsync();
            string shadow = _dir.File("shadow_" + Guid.NewGuid().ToString("N"));
            File.WriteAllLines(shadow, new[] { AdminLine, first.PublicKey });
            SshdServer node = Node(first, scriptAuthorizedKeys: shadow);
            string known = KnownHosts(new[] { node });
            string token = Guid.NewGuid().ToString();
            string template = Path.Combine(Path.GetDirectoryName(node.AuthorizedKeysPath)!, "authorized_keys");

            var rotated = await KeyPairSurfaceTests.Cli(new[]
            {
                "rotate", "--secret-id", first.SecretId, "--node", NodeText(node), "--token", token, "--authorized-keys-file", template,
                "--sshd-config", node.ConfigPath, "--ssh-config", "/dev/null", "--ssh-option", "UserKnownHostsFile=" + known, "--ssh-option", "GlobalKnownHostsFile=/dev/null",
                "--endpoint-url", _moto.Endpoint, "--region", "us-east-1",
            });

            Assert.True(rotated.Code == 0, rotated.Err + rotated.Out);
            Assert.EndsWith(KeyPairSecret.Tag(first.SecretId, token), File.ReadAllLines(node.AuthorizedKeysPath).Last());
            Assert.Equal(new[] { AdminLine, first.PublicKey }, File.ReadAllLines(shadow));
            await AssertCurrentKeyLogsInEverywhereAsync(first.SecretId, new[] { node }, known);
        }

        [Theory]
        [InlineData("openssh")]
        [InlineData("managed")]
        public async Task CliRotatesOverSshAndSessionsLogInWithTheStoredKey(string transport)
        {
            KeyPairInfo first = await NewSecretAsync();
            SshdServer node = Node(first);
            string known = KnownHosts(new[] { node });
            string token = Guid.NewGuid().ToString();
            string[] aws = { "--endpoint-url", _moto.Endpoint, "--region", "us-east-1" };
            string[] ssh = { "--ssh-config", "/dev/null", "--ssh-option", "UserKnownHostsFile=" + known, "--ssh-option", "GlobalKnownHostsFile=/dev/null", "--transport", transport };

            var rotated = await KeyPairSurfaceTests.Cli(new[] { "rotate", "--secret-id", first.SecretId, "--node", $"{SshdServer.CurrentUser}@{NodeText(node)}", "--token", token }
                .Concat(ssh).Concat(aws).ToArray());
            Assert.True(rotated.Code == 0, rotated.Err + rotated.Out);
            Assert.Contains($"FinishSecret\t{SshdServer.CurrentUser}@{NodeText(node)}\tok", rotated.Out);

            // sshkms ssh --secret-id: the new AWSCURRENT key, the user the secret records, the remote exit code.
            var session = await KeyPairSurfaceTests.Cli(new[] { "ssh", "--secret-id", first.SecretId, "--port", node.Port.ToString() }
                .Concat(ssh).Concat(aws).Concat(new[] { "127.0.0.1", "--", "echo", "as-$(id -un);", "exit", "7" }).ToArray());
            Assert.Equal(7, session.Code);
            Assert.Equal($"as-{SshdServer.CurrentUser}", session.Out.Trim());
            Assert.Contains("Accepted publickey", node.Log);

            // The journal names the AWS caller for every rotation step and for the session, and which secret they used.
            List<System.Text.Json.JsonElement> events = AuditJournal.Default().ReadAll().ToList();
            List<System.Text.Json.JsonElement> steps = events.Where(e => e.GetProperty("type").GetString() == AuditEvent.RotationStep
                && e.GetProperty("secretId").GetString() == first.SecretId).ToList();
            Assert.Contains(steps, e => e.GetProperty("step").GetString() == "FinishSecret" && e.GetProperty("node").GetString() == $"{SshdServer.CurrentUser}@{NodeText(node)}"
                && e.GetProperty("succeeded").GetBoolean() && e.GetProperty("versionId").GetString() == token);
            Assert.All(steps, e => Assert.StartsWith("arn:aws:", e.GetProperty("operator").GetString()));
            System.Text.Json.JsonElement ended = Assert.Single(events, e => e.GetProperty("type").GetString() == AuditEvent.SessionEnded
                && e.GetProperty("credential").GetString() == "secret:" + first.SecretId);
            Assert.Equal(7, ended.GetProperty("exitCode").GetInt32());
            Assert.Equal("127.0.0.1", ended.GetProperty("host").GetString());
            Assert.Equal(SshdServer.CurrentUser, ended.GetProperty("user").GetString());
            Assert.StartsWith("arn:aws:", ended.GetProperty("operator").GetString());
            AssertEveryLoginWentOver(transport == "managed" ? SshTransportKind.Managed : SshTransportKind.OpenSsh, new[] { node });

            var both = await KeyPairSurfaceTests.Cli(new[] { "ssh", "--secret-id", first.SecretId, "--ca", "local:x", "127.0.0.1", "--", "true" });
            Assert.Equal(1, both.Code);
            Assert.Contains("[SessionCredentialsConflict]", both.Err);

            var badNode = await KeyPairSurfaceTests.Cli(new[] { "rotate", "--secret-id", first.SecretId, "--node", "127.0.0.1:99999" }.Concat(aws).ToArray());
            Assert.Contains("[RotationNodeInvalid]", badNode.Err);
        }

        /// <summary>Invoke-SshKeyRotation in a real runspace against sshd nodes: every step reported, the new key in, the old one out.</summary>
        [Theory]
        [InlineData(SshTransportKind.OpenSsh)]
        [InlineData(SshTransportKind.Managed)]
        public async Task InvokeSshKeyRotationRotatesSshNodesEndToEnd(SshTransportKind transport)
        {
            KeyPairInfo first = await NewSecretAsync();
            SshdServer[] nodes = { Node(first), Node(first) };
            string known = KnownHosts(nodes);
            using var ps = new ModuleRunspace();
            var steps = ps.Ok(
                "Invoke-SshKeyRotation -SecretId $s -Node $n -Transport $t -ConfigFile /dev/null -SshOption @{ UserKnownHostsFile = $kh; GlobalKnownHostsFile = '/dev/null' } -Region us-east-1 -EndpointUrl $e",
                ("s", first.SecretId), ("n", nodes.Select(NodeText).ToArray()), ("t", transport.ToString()), ("kh", known), ("e", _moto.Endpoint))
                .Select(o => (RotationStepResult)o.BaseObject).ToList();
            Assert.Equal(new[] { RotationStep.CreateSecret, RotationStep.SetSecret, RotationStep.TestSecret, RotationStep.FinishSecret }, steps.Select(x => x.Step).Distinct());
            Assert.Equal(nodes.Select(NodeText).OrderBy(n => n), steps.Where(x => x.Node != null).Select(x => x.Node!).Distinct().OrderBy(n => n));

            var (current, secret) = await KeyPairSecrets.ReadAsync(_sm, first.SecretId, "AWSCURRENT", CancellationToken.None);
            secret.Dispose();
            Assert.NotEqual(first.Fingerprint, current.Fingerprint);
            foreach (SshdServer node in nodes)
            {
                string[] lines = File.ReadAllLines(node.AuthorizedKeysPath);
                Assert.Contains(AdminLine, lines);
                Assert.Contains(lines, l => l.Contains(current.PublicKey.Split(' ')[1], StringComparison.Ordinal));
                Assert.DoesNotContain(lines, l => l.Contains(first.PublicKey.Split(' ')[1], StringComparison.Ordinal));
            }

            await AssertCurrentKeyLogsInEverywhereAsync(first.SecretId, nodes, known, transport);
            AssertEveryLoginWentOver(transport, nodes);
        }

        [Fact]
        public async Task InvokeSshKmsSessionWithSecretIdLogsInWithTheStoredKeyAndRefusesACaToo()
        {
            KeyPairInfo first = await NewSecretAsync();
            SshdServer node = Node(first);
            string known = KnownHosts(new[] { node });
            using var ps = new ModuleRunspace();
            (string, object?)[] args =
            {
                ("p", node.Port), ("s", first.SecretId), ("kh", known), ("e", _moto.Endpoint),
            };
            const string Invoke = "Invoke-SshKmsSession 127.0.0.1 'echo stored' -Port $p -SecretId $s -ConfigFile /dev/null " +
                "-SshOption @{ UserKnownHostsFile = $kh; GlobalKnownHostsFile = '/dev/null' } -Region us-east-1 -EndpointUrl $e";
            var r = (SshSessionResult)Assert.Single(ps.Ok(Invoke, args)).BaseObject;
            Assert.True(r.Succeeded, r.ErrorMessage + r.Error);
            Assert.Equal("stored", r.Output.Trim());
            Assert.Equal(SshdServer.CurrentUser, r.Principal);
            Assert.Null(r.CertificateSerial);

            Assert.Equal("SessionCredentialsConflict", ps.Run(Invoke + " -CaKey local:other", args).ErrorId);
        }

        /// <summary>
        /// A node whose host key is revoked is refused before any key goes to it, and AWSCURRENT stays.
        /// </summary>
        [Theory]
        [InlineData(SshTransportKind.OpenSsh)]
        [InlineData(SshTransportKind.Managed)]
        public async Task ANodeWithARevokedHostKeyIsRefusedAndNothingMoves(SshTransportKind transport)
        {
            KeyPairInfo first = await NewSecretAsync();
            SshdServer node = Node(first);
            string known = KnownHosts(new[] { node });
            string revoked = _dir.File("revoked_host_keys");
            File.WriteAllText(revoked, node.HostPublicKey + "\n");
            RotationTargets targets = Targets(new[] { NodeText(node) }, known, transport);
            targets.RevokedHostKeys = revoked;
            var reported = new List<RotationStepResult>();

            var ex = await Assert.ThrowsAsync<SshKmsException>(() =>
                RotationTargets.RotateAsync(_moto.Settings, first.SecretId, targets, null, Guid.NewGuid().ToString(), reported.Add, CancellationToken.None));

            Assert.Equal("RotationNodesFailed", ex.ErrorId);
            // The same node and known_hosts log in without the revocation (the tests above).
            Assert.StartsWith("HostKeyMismatch: ", reported.Single(r => r.Node == NodeText(node)).Detail);
            Assert.DoesNotContain("Accepted publickey", node.Log);
            Assert.Equal(new[] { AdminLine, first.PublicKey }, File.ReadAllLines(node.AuthorizedKeysPath));
            Assert.Equal(first.VersionId, (await _sm.DescribeSecretAsync(first.SecretId, CancellationToken.None)).VersionWithStage("AWSCURRENT"));
        }

        /// <summary>The cmdlet's parameter sets keep SSH settings off SSM targets; the operation refuses them itself, for the CLI and any caller.</summary>
        [Theory]
        [InlineData(SshTransportKind.Managed, null)]
        [InlineData(SshTransportKind.Auto, "/tmp/revoked_host_keys")]
        public async Task SshTransportAndRevokedHostKeysWithoutSshNodesAreAConflictBeforeAnyAwsCall(SshTransportKind transport, string? revoked)
        {
            var options = new RotateKeyPairOptions
            {
                SecretId = "s",
                InstanceIds = new[] { "i-1" },
                Transport = transport,
                RevokedHostKeys = revoked,
                Aws = new AwsSettings { EndpointUrl = $"http://127.0.0.1:{FreePort.Next()}", Region = "us-east-1" },
            };
            var ex = await Assert.ThrowsAsync<SshKmsException>(() => RotateKeyPairOperation.RunAsync(options, CancellationToken.None));
            Assert.Equal("RotationTargetsConflict", ex.ErrorId);

            Tool.Result cli = Tool.Sshkms(new[] { "rotate", "--secret-id", "s", "--instance-id", "i-1", "--transport", "managed", "--endpoint-url", options.Aws.EndpointUrl, "--region", "us-east-1" });
            Assert.Contains("[RotationTargetsConflict]", cli.Error);
        }

        [Theory]
        [InlineData("host", null, "host", null)]
        [InlineData("ops@host:2222", "ops", "host", 2222)]
        [InlineData("[::1]:2200", null, "::1", 2200)]
        [InlineData("fe80::1", null, "fe80::1", null)]
        [InlineData("a@b@host", "a@b", "host", null)]
        public void NodesParseAsSshWritesThem(string text, string? user, string host, int? port)
        {
            SshNode node = SshNode.Parse(text);
            Assert.Equal((user, host, port), (node.User, node.Host, node.Port));
        }

        [Theory]
        [InlineData("")]
        [InlineData("host:0")]
        [InlineData("host:x")]
        [InlineData("@host")]
        [InlineData("-oProxyCommand=x")]
        [InlineData("[::1")]
        [InlineData("two words")]
        public void MalformedNodesAreRefusedByName(string text)
        {
            var ex = Assert.Throws<SshKmsException>(() => SshNode.Parse(text));
            Assert.Equal("RotationNodeInvalid", ex.ErrorId);
        }

        /// <summary>Delegates to the real distributor and, after each distribution step, runs a check against the real nodes.</summary>
        private sealed class InvariantCheckingDistributor : INodeDistributor
        {
            private readonly INodeDistributor _inner;
            private readonly Func<Task> _check;

            public InvariantCheckingDistributor(INodeDistributor inner, Func<Task> check)
            {
                _inner = inner;
                _check = check;
            }

            public async Task<IReadOnlyList<NodeOutcome>> RunAsync(string script, CancellationToken cancellationToken)
            {
                IReadOnlyList<NodeOutcome> outcomes = await _inner.RunAsync(script, cancellationToken);
                await _check();
                return outcomes;
            }

            public Task PrepareAsync(string userName, CancellationToken cancellationToken) => _inner.PrepareAsync(userName, cancellationToken);

            public async Task<IReadOnlyList<NodeOutcome>> TestAsync(KeyPairSecret pending, string checkScript, CancellationToken cancellationToken)
            {
                IReadOnlyList<NodeOutcome> outcomes = await _inner.TestAsync(pending, checkScript, cancellationToken);
                await _check();
                return outcomes;
            }
        }
    }
}
