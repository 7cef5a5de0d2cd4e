using System;
using System.IO;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;
using Amazon.SimpleSystemsManagement;
using SshKms.Core;
using SshKms.Core.Aws;
using SshKms.Core.OpenSsh;
using SshKms.Core.Rotation;
using SshKms.Tests.Aws;
using SshKms.Tests.Infrastructure;
using Xunit;

namespace SshKms.Tests.Rotation
{
    /// <summary>The rotation against moto (Secrets Manager and SSM), nodes played by <see cref="FakeSsmNodeAgent"/>.</summary>
    [Collection("aws")]
    public sealed class KeyRotationTests : IDisposable
    {
        private const string AdminLine = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl admin@laptop";
        private static readonly string[] Nodes = { "i-00000000000000001", "i-00000000000000002", "i-00000000000000003" };

        private readonly MotoServer _moto;
        private readonly TempDir _dir = new TempDir("sshkms-nodes");
        private readonly FakeSsmNodeAgent _agent;
        private readonly FakeFailOnceHandler _smFaults = new FakeFailOnceHandler();
        private readonly SecretsManagerClient _sm;
        private readonly IAmazonSimpleSystemsManagement _ssm;
        private readonly SsmNodeDistributor _ssmDistributor;
        private readonly FakeFolderDistributor _folders;
        private INodeDistributor _distributor;

        public KeyRotationTests(MotoServer moto)
        {
            _moto = moto;
            _agent = new FakeSsmNodeAgent(_dir.Path);
            _sm = new SecretsManagerClient(moto.Settings, _smFaults);
            _ssm = AwsClientFactory.CreateSsm(HandlerHttpClientFactory.Route(moto.Settings, _agent));
            _ssmDistributor = new SsmNodeDistributor(_ssm, Nodes) { PollInterval = TimeSpan.FromMilliseconds(10) };
            _folders = new FakeFolderDistributor(_dir.Path, Nodes);
            _distributor = _ssmDistributor;
        }

        public void Dispose()
        {
            _sm.Dispose();
            _ssm.Dispose();
            _dir.Dispose();
        }

        /// <summary>A secret with a user-added field, its first key installed on every node beside an unrelated admin key (mode 0640).</summary>
        private async Task<(string Name, string FirstVersion)> SetUpAsync()
        {
            string name = "rot/" + Guid.NewGuid().ToString("N");
            string version = Guid.NewGuid().ToString();
            using SshPrivateKey key = SshPrivateKey.Generate(SshKeyAlgorithm.Ed25519);
            string line = key.PublicKey.WithComment(KeyPairSecret.Tag(name, version)).ToString();
            var json = new JsonObject { ["privateKey"] = key.ToOpenSshFormat(), ["publicKey"] = line, ["userName"] = "deploy", ["note"] = "keep me" };
            await _sm.CreateSecretAsync(name, Encoding.UTF8.GetBytes(json.ToJsonString()), null, version, null, CancellationToken.None);
            foreach (string node in Nodes)
            {
                Directory.CreateDirectory(Path.GetDirectoryName(_agent.AuthorizedKeys(node))!);
                File.WriteAllText(_agent.AuthorizedKeys(node), AdminLine + "\n" + line + "\n");
                File.SetUnixFileMode(_agent.AuthorizedKeys(node), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);
                Assert.Equal(0, Tool.Run("chown", new[] { "nobody", _agent.AuthorizedKeys(node) }).ExitCode);
            }

            return (name, version);
        }

        private async Task<SshPublicKey> StageKeyAsync(string name, string stage)
        {
            var (_, secret) = await KeyPairSecrets.ReadAsync(_sm, name, stage, CancellationToken.None);
            using (secret)
            {
                return secret.ParsePublicKey();
            }
        }

        /// <summary>The invariant: the AWSCURRENT key is on every node, in a file ssh-keygen reads cleanly.</summary>
        private async Task AssertEveryNodeAcceptsCurrentAsync(string name)
        {
            SshPublicKey current = await StageKeyAsync(name, "AWSCURRENT");
            foreach (string node in Nodes)
            {
                string[] keys = File.ReadAllLines(_agent.AuthorizedKeys(node));
                Assert.Contains(keys, l => l.Length > 0 && SshPublicKey.Parse(l).Equals(current));
                Assert.Equal(0, Tool.Run("ssh-keygen", new[] { "-l", "-f", _agent.AuthorizedKeys(node) }).ExitCode);
            }
        }

        [Theory]
        [InlineData("ssm", "none")]
        [InlineData("folders", "none")]
        [InlineData("ssm", "createSecret")]
        [InlineData("folders", "createSecret")]
        [InlineData("ssm", "setSecret-one-node")]
        [InlineData("folders", "setSecret-one-node")]
        [InlineData("ssm", "testSecret-one-node")]
        [InlineData("folders", "testSecret-one-node")]
        [InlineData("ssm", "finishSecret-stage")]
        [InlineData("folders", "finishSecret-stage")]
        [InlineData("ssm", "finishSecret-one-node")]
        [InlineData("folders", "finishSecret-one-node")]
        public async Task FaultAtAnyStepIsFinishedByRerunningWithTheSameToken(string channel, string fault)
        {
            var (name, firstVersion) = await SetUpAsync();
            if (channel == "folders")
            {
                // Between every two steps, every node must still accept whatever AWSCURRENT is at that moment.
                _distributor = _folders;
                _folders.AfterEachRun = () => AssertEveryNodeAcceptsCurrentAsync(name);
            }

            string token = Guid.NewGuid().ToString();
            switch (fault)
            {
                case "createSecret": _smFaults.Arm("secretsmanager.PutSecretValue"); break;
                case "setSecret-one-node": FailWhen((n, m) => n == Nodes[1] && m == "add"); break;
                case "testSecret-one-node": FailWhen((n, m) => n == Nodes[1] && m == "check"); break;
                case "finishSecret-stage": _smFaults.Arm("secretsmanager.UpdateSecretVersionStage"); break;
                case "finishSecret-one-node": FailWhen((n, m) => n == Nodes[1] && m == "keeponly"); break;
            }

            var steps = new System.Collections.Generic.List<RotationStepResult>();
            var rotation = new KeyRotation(_sm, _distributor, name, token, report: r =>
            {
                steps.Add(r);
            });
            if (fault == "none")
            {
                await rotation.RunAsync(CancellationToken.None);
            }
            else
            {
                var ex = await Assert.ThrowsAsync<SshKmsException>(() => rotation.RunAsync(CancellationToken.None));
                string expectedId = fault switch
                {
                    "createSecret" or "finishSecret-stage" => "AwsServiceError",
                    "testSecret-one-node" => "RotationTestFailed",
                    _ => "RotationNodesFailed",
                };
                Assert.Equal(expectedId, ex.ErrorId);
                if (fault.EndsWith("one-node"))
                {
                    Assert.Contains(Nodes[1], ex.Message);
                    Assert.DoesNotContain(Nodes[0], ex.Message);
                }

                await AssertEveryNodeAcceptsCurrentAsync(name);
                if (fault == "testSecret-one-node")
                {
                    // A failed test takes the pending key back off every node.
                    Assert.All(Nodes, n => Assert.DoesNotContain(KeyPairSecret.Tag(name, token), File.ReadAllText(_agent.AuthorizedKeys(n))));
                }

                FailWhen((_, _) => false);
                await new KeyRotation(_sm, _distributor, name, token).RunAsync(CancellationToken.None);
            }

            await AssertEveryNodeAcceptsCurrentAsync(name);
            SshPublicKey current = await StageKeyAsync(name, "AWSCURRENT");
            Assert.Equal(KeyPairSecret.Tag(name, token), current.Comment);
            DescribeSecretResponse described = await _sm.DescribeSecretAsync(name, CancellationToken.None);
            Assert.Equal(token, described.VersionWithStage("AWSCURRENT"));
            Assert.Equal(firstVersion, described.VersionWithStage("AWSPREVIOUS"));
            Assert.Null(described.VersionWithStage("AWSPENDING"));

            foreach (string node in Nodes)
            {
                string[] lines = File.ReadAllLines(_agent.AuthorizedKeys(node));
                Assert.Equal(new[] { AdminLine, current.ToString() }, lines);
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead, File.GetUnixFileMode(_agent.AuthorizedKeys(node)));
                Assert.Equal("nobody", Tool.Run("stat", new[] { "-c", "%U", _agent.AuthorizedKeys(node) }).Output.Trim());
            }

            using (SecretValue value = await _sm.GetSecretValueAsync(name, null, "AWSCURRENT", CancellationToken.None))
            {
                JsonNode json = JsonNode.Parse(value.SecretUtf8)!;
                Assert.Equal("keep me", json["note"]!.GetValue<string>());
                Assert.Equal("deploy", json["userName"]!.GetValue<string>());
            }

            // A third run with the same token changes nothing.
            IReadOnlyList<RotationStepResult> again = await new KeyRotation(_sm, _distributor, name, token).RunAsync(CancellationToken.None);
            Assert.True(again.Where(r => r.Step != RotationStep.FinishSecret).All(r => r.Skipped));
            Assert.Equal(token, (await _sm.DescribeSecretAsync(name, CancellationToken.None)).VersionWithStage("AWSCURRENT"));
            Assert.All(Nodes, n => Assert.Equal(new[] { AdminLine, current.ToString() }, File.ReadAllLines(_agent.AuthorizedKeys(n))));
            if (channel == "folders")
            {
                Assert.True(_folders.InvariantChecks >= 3);
            }
        }

        private void FailWhen(Func<string, string, bool> fail)
        {
            _agent.FailWhen = fail;
            _folders.FailWhen = fail;
        }

        [Fact]
        public async Task RerunAfterAwsCurrentMovedNamesANodeWithoutTheNewKeyAndLeavesItsOldKey()
        {
            var (name, _) = await SetUpAsync();
            string[] oldLines = File.ReadAllLines(_agent.AuthorizedKeys(Nodes[0]));
            string token = Guid.NewGuid().ToString();
            _folders.FailWhen = (n, m) => n == Nodes[1] && m == "keeponly";
            await Assert.ThrowsAsync<SshKmsException>(() => new KeyRotation(_sm, _folders, name, token).RunAsync(CancellationToken.None));
            Assert.Equal(token, (await _sm.DescribeSecretAsync(name, CancellationToken.None)).VersionWithStage("AWSCURRENT"));

            // The rerun also reaches a node that was added after setSecret: it holds only the old key.
            const string late = "i-0000000000000000a";
            Directory.CreateDirectory(Path.GetDirectoryName(_agent.AuthorizedKeys(late))!);
            File.WriteAllLines(_agent.AuthorizedKeys(late), oldLines);
            var rerun = new FakeFolderDistributor(_dir.Path, Nodes.Append(late).ToArray());
            var reported = new List<RotationStepResult>();
            var ex = await Assert.ThrowsAsync<SshKmsException>(() => new KeyRotation(_sm, rerun, name, token, report: reported.Add).RunAsync(CancellationToken.None));

            Assert.Equal("RotationNodesFailed", ex.ErrorId);
            Assert.Contains(late, ex.Message);
            Assert.DoesNotContain(Nodes[1], ex.Message);
            Assert.Contains("is not in", reported.Single(r => r.Node == late && r.Step == RotationStep.FinishSecret).Detail);
            Assert.Equal(oldLines, File.ReadAllLines(_agent.AuthorizedKeys(late)));
            Assert.Equal(new[] { "deploy" }, rerun.PreparedUsers);
            SshPublicKey current = await StageKeyAsync(name, "AWSCURRENT");
            Assert.All(Nodes, n => Assert.Equal(new[] { AdminLine, current.ToString() }, File.ReadAllLines(_agent.AuthorizedKeys(n))));
        }

        [Fact]
        public async Task WithoutAUserEveryStepOverSsmEditsTheFileOfTheUserTheSecretRecords()
        {
            // The fake agent sets no SSHKMS_AUTHORIZED_KEYS: each script finds the file from the user it was given, as on a host.
            var (name, _) = await SetUpAsync();
            string[] oldLines = File.ReadAllLines(_agent.AuthorizedKeys(Nodes[0]));
            _agent.ResolveByUser = true;
            foreach (string node in Nodes)
            {
                Directory.CreateDirectory(Path.GetDirectoryName(FakeNode.UserAuthorizedKeys(_dir.Path, node, "deploy"))!);
                File.WriteAllLines(FakeNode.UserAuthorizedKeys(_dir.Path, node, "deploy"), oldLines);
            }

            string token = Guid.NewGuid().ToString();
            await new KeyRotation(_sm, _ssmDistributor, name, token).RunAsync(CancellationToken.None);

            SshPublicKey current = await StageKeyAsync(name, "AWSCURRENT");
            Assert.Equal(KeyPairSecret.Tag(name, token), current.Comment);
            foreach (string node in Nodes)
            {
                Assert.Equal(new[] { AdminLine, current.ToString() }, File.ReadAllLines(FakeNode.UserAuthorizedKeys(_dir.Path, node, "deploy")));
                Assert.False(Directory.Exists(Path.Combine(_dir.Path, node, "home-root")), "a step edited the agent's own (root's) file");

                // setSecret, testSecret and finishSecret each looked up the secret's user, and no other.
                Assert.Equal(new[] { "deploy", "deploy", "deploy" }, File.ReadAllLines(FakeNode.GetentLog(_dir.Path, node)));
            }
        }

        [Fact]
        public async Task ThePendingVersionIsReadByItsIdTogetherWithTheAwsPendingStage()
        {
            // Moto answers a read by VersionId alone with a stale value; real Secrets Manager takes both together.
            var (name, _) = await SetUpAsync();
            string token = Guid.NewGuid().ToString();
            await new KeyRotation(_sm, _folders, name, token).RunAsync(CancellationToken.None);

            JsonNode read = Assert.Single(_smFaults.Requests, r => r.Target == "secretsmanager.GetSecretValue" && r.Body?["VersionId"]?.GetValue<string>() == token).Body!;
            Assert.Equal("AWSPENDING", read["VersionStage"]?.GetValue<string>());
            SshPublicKey current = await StageKeyAsync(name, "AWSCURRENT");
            Assert.Equal(KeyPairSecret.Tag(name, token), current.Comment);
            Assert.All(Nodes, n => Assert.Equal(new[] { AdminLine, current.ToString() }, File.ReadAllLines(_agent.AuthorizedKeys(n))));
        }

        [Theory]
        [InlineData("ssm")]
        [InlineData("folders")]
        public async Task AFailedTestTakesThePendingKeyBackAndNamesTheNodesWhereThatFailed(string channel)
        {
            var (name, firstVersion) = await SetUpAsync();
            _distributor = channel == "ssm" ? _ssmDistributor : _folders;
            FailWhen((n, m) => (n == Nodes[1] && m == "check") || (n == Nodes[2] && m == "remove"));
            string token = Guid.NewGuid().ToString();
            string pendingTag = KeyPairSecret.Tag(name, token);
            var reported = new System.Collections.Concurrent.ConcurrentQueue<RotationStepResult>();

            var ex = await Assert.ThrowsAsync<SshKmsException>(() => new KeyRotation(_sm, _distributor, name, token, report: reported.Enqueue).RunAsync(CancellationToken.None));

            Assert.Equal("RotationTestFailed", ex.ErrorId);
            Assert.Contains($"not accepted on 1 node(s): {Nodes[1]}", ex.Message);
            Assert.Contains($"taking it back failed on 1 node(s): {Nodes[2]}", ex.Message);
            RotationStepResult[] takeBack = reported.Where(r => r.Step == RotationStep.TestSecret && r.Detail.Contains("taken back")).ToArray();
            Assert.Equal(Nodes, takeBack.Select(r => r.Node).OrderBy(n => n));
            Assert.Equal(new[] { Nodes[2] }, takeBack.Where(r => !r.Succeeded).Select(r => r.Node));
            Assert.DoesNotContain(pendingTag, File.ReadAllText(_agent.AuthorizedKeys(Nodes[0])));
            Assert.DoesNotContain(pendingTag, File.ReadAllText(_agent.AuthorizedKeys(Nodes[1])));
            Assert.Contains(pendingTag, File.ReadAllText(_agent.AuthorizedKeys(Nodes[2])));
            Assert.Equal(firstVersion, (await _sm.DescribeSecretAsync(name, CancellationToken.None)).VersionWithStage("AWSCURRENT"));
            await AssertEveryNodeAcceptsCurrentAsync(name);
        }

        [Fact]
        public async Task UnreachableNodeIsReportedByNameAndRotationDoesNotFinish()
        {
            var (name, firstVersion) = await SetUpAsync();
            _agent.FailWhen = (n, _) => n == Nodes[2];
            string token = Guid.NewGuid().ToString();
            var ex = await Assert.ThrowsAsync<SshKmsException>(() => new KeyRotation(_sm, _distributor, name, token).RunAsync(CancellationToken.None));
            Assert.Equal("RotationNodesFailed", ex.ErrorId);
            Assert.Contains(Nodes[2], ex.Message);
            Assert.Equal(firstVersion, (await _sm.DescribeSecretAsync(name, CancellationToken.None)).VersionWithStage("AWSCURRENT"));
            await AssertEveryNodeAcceptsCurrentAsync(name);
        }

        [Fact]
        public async Task InvocationsThatDoNotExistYetAreWaitedForAndOneThatNeverAppearsIsNamed()
        {
            var (name, firstVersion) = await SetUpAsync();

            // Real SSM answers InvocationDoesNotExist for a few seconds after SendCommand: that is waited out.
            _agent.MissingPolls = _ => 3;
            string token = Guid.NewGuid().ToString();
            IReadOnlyList<RotationStepResult> results = await new KeyRotation(_sm, _ssmDistributor, name, token).RunAsync(CancellationToken.None);
            Assert.All(results, r => Assert.True(r.Succeeded, $"{r.Step} {r.Node}: {r.Detail}"));
            Assert.Equal(token, (await _sm.DescribeSecretAsync(name, CancellationToken.None)).VersionWithStage("AWSCURRENT"));
            await AssertEveryNodeAcceptsCurrentAsync(name);

            // An invocation that never appears within the grace period is a node not reached, by name.
            _agent.MissingPolls = n => n == Nodes[2] ? int.MaxValue : 0;
            _ssmDistributor.InvocationGrace = TimeSpan.FromMilliseconds(300);
            var reported = new List<RotationStepResult>();
            var ex = await Assert.ThrowsAsync<SshKmsException>(() => new KeyRotation(_sm, _ssmDistributor, name, Guid.NewGuid().ToString(), report: reported.Add).RunAsync(CancellationToken.None));
            Assert.Equal("RotationNodesFailed", ex.ErrorId);
            Assert.Contains(Nodes[2], ex.Message);
            Assert.DoesNotContain(Nodes[0], ex.Message);
            Assert.StartsWith("not reached", reported.Single(r => r.Step == RotationStep.SetSecret && r.Node == Nodes[2]).Detail);
            Assert.Equal(token, (await _sm.DescribeSecretAsync(name, CancellationToken.None)).VersionWithStage("AWSCURRENT"));
        }

        [Fact]
        public async Task RotationByTagResolvesTheTaggedInstancesOnceAndSendsEveryStepToThem()
        {
            string tagValue = Guid.NewGuid().ToString("N");
            string[] instances = await RunTaggedInstancesAsync(2, "RotateSSHKeys", tagValue);
            using var sm = new SecretsManagerClient(_moto.Settings);
            using var ec2 = AwsClientFactory.CreateEc2(_moto.Settings);
            KeyPairInfo first = await KeyPairSecrets.CreateAsync(sm, "tag/" + tagValue, SshKeyAlgorithm.Ed25519, null, null, CancellationToken.None);
            var byTag = new SsmNodeDistributor(_ssm, ec2, "RotateSSHKeys=" + tagValue) { PollInterval = TimeSpan.FromMilliseconds(10) };

            // An instance tagged after setSecret never got the new key: the later steps must not reach it either.
            string[] late = new string[0];
            _agent.AfterSendCommand = async n =>
            {
                if (n == 1)
                {
                    late = await RunTaggedInstancesAsync(1, "RotateSSHKeys", tagValue);
                }
            };
            string token = Guid.NewGuid().ToString();
            IReadOnlyList<RotationStepResult> results = await new KeyRotation(sm, byTag, first.SecretId, token).RunAsync(CancellationToken.None);

            Assert.Single(late);
            foreach (RotationStep step in new[] { RotationStep.SetSecret, RotationStep.TestSecret, RotationStep.FinishSecret })
            {
                Assert.Equal(instances.OrderBy(i => i), results.Where(r => r.Step == step && r.Node != null).Select(r => r.Node).OrderBy(i => i));
            }

            SshPublicKey current = await StageKeyAsync(first.SecretId, "AWSCURRENT");
            Assert.Equal(KeyPairSecret.Tag(first.SecretId, token), current.Comment);
            Assert.All(instances, i => Assert.Equal(new[] { current.ToString() }, File.ReadAllLines(_agent.AuthorizedKeys(i))));
            Assert.False(Directory.Exists(Path.Combine(_dir.Path, late[0])), "a step reached the instance tagged mid-rotation");
        }

        [Fact]
        public async Task MoreInstancesThanOneCommandTakesGoInBatches()
        {
            var (name, _) = await SetUpAsync();
            var batched = new SsmNodeDistributor(_ssm, Nodes) { PollInterval = TimeSpan.FromMilliseconds(10), InstancesPerCommand = 2 };
            string token = Guid.NewGuid().ToString();
            IReadOnlyList<RotationStepResult> results = await new KeyRotation(_sm, batched, name, token).RunAsync(CancellationToken.None);

            // setSecret, testSecret and finishSecret, each as a command for two instances and one for the third.
            Assert.Equal(6, _agent.SendCommands);
            Assert.Equal(9, results.Count(r => r.Node != null && r.Succeeded));
            SshPublicKey current = await StageKeyAsync(name, "AWSCURRENT");
            Assert.All(Nodes, n => Assert.Equal(new[] { AdminLine, current.ToString() }, File.ReadAllLines(_agent.AuthorizedKeys(n))));
        }

        [Fact]
        public async Task RotationByInstanceIdReachesExactlyThoseInstances()
        {
            // Moto adds every EC2 instance it knows to a command sent by id; only the ids asked for are nodes.
            await RunTaggedInstancesAsync(1, "Unrelated", Guid.NewGuid().ToString("N"));
            var (name, _) = await SetUpAsync();
            IReadOnlyList<RotationStepResult> results = await new KeyRotation(_sm, _ssmDistributor, name, Guid.NewGuid().ToString()).RunAsync(CancellationToken.None);
            foreach (RotationStep step in new[] { RotationStep.SetSecret, RotationStep.TestSecret, RotationStep.FinishSecret })
            {
                Assert.Equal(Nodes, results.Where(r => r.Step == step && r.Node != null).Select(r => r.Node).OrderBy(n => n));
            }
        }

        /// <summary>Real moto EC2 instances, started by AWSSDK.EC2 RunInstances with one tag, in one reservation.</summary>
        private async Task<string[]> RunTaggedInstancesAsync(int count, string key, string value)
        {
            using var ec2 = AwsClientFactory.CreateEc2(_moto.Settings);
            Amazon.EC2.Model.RunInstancesResponse response = await ec2.RunInstancesAsync(new Amazon.EC2.Model.RunInstancesRequest
            {
                ImageId = "ami-12c6146b",
                MinCount = count,
                MaxCount = count,
                TagSpecifications = new List<Amazon.EC2.Model.TagSpecification>
                {
                    new Amazon.EC2.Model.TagSpecification { ResourceType = Amazon.EC2.ResourceType.Instance, Tags = new List<Amazon.EC2.Model.Tag> { new Amazon.EC2.Model.Tag(key, value) } },
                },
            });
            string[] ids = response.Reservation.Instances.Select(i => i.InstanceId).ToArray();
            Assert.Equal(count, ids.Length);
            return ids;
        }

        [Fact]
        public void ShortTokenIsRefused()
        {
            var ex = Assert.Throws<SshKmsException>(() => new KeyRotation(_sm, _distributor, "x", "short"));
            Assert.Equal("RotationTokenInvalid", ex.ErrorId);
        }
    }
}
