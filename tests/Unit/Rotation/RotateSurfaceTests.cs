using System;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using SshKms.Core;
using SshKms.Core.Aws;
using SshKms.Core.OpenSsh;
using SshKms.Core.Rotation;
using SshKms.Tests.Infrastructure;
using Xunit;

namespace SshKms.Tests.Rotation
{
    /// <summary>
    /// The cmdlet and CLI wiring against moto. Moto's SSM reports Success without running anything, so these
    /// prove the stages and the per-node output; KeyRotationTests prove what happens on the nodes.
    /// </summary>
    [Collection("aws")]
    public sealed class RotateSurfaceTests
    {
        private readonly MotoServer _moto;

        public RotateSurfaceTests(MotoServer moto)
        {
            _moto = moto;
        }

        private async Task<KeyPairInfo> NewSecretAsync()
        {
            using var sm = new SecretsManagerClient(_moto.Settings);
            return await KeyPairSecrets.CreateAsync(sm, "rs/" + Guid.NewGuid().ToString("N"), SshKeyAlgorithm.EcdsaP256, "deploy", null, CancellationToken.None);
        }

        [Fact]
        public async Task CliRotateByInstanceIdMovesTheStagesAndPrintsEveryNode()
        {
            KeyPairInfo first = await NewSecretAsync();
            string token = Guid.NewGuid().ToString();
            var r = await KeyPairSurfaceTests.Cli("rotate", "--secret-id", first.SecretId, "--instance-id", "i-0aaaaaaaaaaaaaaa1", "--instance-id", "i-0aaaaaaaaaaaaaaa2",
                "--token", token, "--parallel", "5", "--endpoint-url", _moto.Endpoint, "--region", "us-east-1");
            Assert.True(r.Code == 0, r.Err);
            Assert.Contains("token " + token, r.Err);
            string[] lines = r.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            foreach (string step in new[] { "SetSecret", "TestSecret", "FinishSecret" })
            {
                Assert.Contains(lines, l => l.StartsWith(step + "\ti-0aaaaaaaaaaaaaaa1\tok"));
                Assert.Contains(lines, l => l.StartsWith(step + "\ti-0aaaaaaaaaaaaaaa2\tok"));
            }

            var pub = await KeyPairSurfaceTests.Cli("keypair", "get", "--secret-id", first.SecretId, "--stage", "AWSPREVIOUS", "--public", "--endpoint-url", _moto.Endpoint, "--region", "us-east-1");
            Assert.Equal(first.PublicKey, pub.Out.Trim());
            var current = await KeyPairSurfaceTests.Cli("keypair", "get", "--secret-id", first.SecretId, "--public", "--endpoint-url", _moto.Endpoint, "--region", "us-east-1");
            SshPublicKey rotated = SshPublicKey.Parse(current.Out.Trim());
            Assert.Equal(KeyPairSecret.Tag(first.SecretId, token), rotated.Comment);
            Assert.Equal("ecdsa-sha2-nistp256", rotated.KeyType);
        }

        [Fact]
        public async Task CliRotateRefusesAmbiguousTargetsAndSshOptionsWithoutNodes()
        {
            var both = await KeyPairSurfaceTests.Cli("rotate", "--secret-id", "x", "--ssm-tag", "A=B", "--instance-id", "i-1", "--endpoint-url", _moto.Endpoint, "--region", "us-east-1");
            Assert.Equal(1, both.Code);
            Assert.Contains("[RotationTargetsConflict]", both.Err);
            var sshOptionWithoutNode = await KeyPairSurfaceTests.Cli("rotate", "--secret-id", "x", "--instance-id", "i-1", "--ssh-option", "Port=22", "--endpoint-url", _moto.Endpoint, "--region", "us-east-1");
            Assert.Equal(1, sshOptionWithoutNode.Code);
            Assert.Contains("[RotationTargetsConflict]", sshOptionWithoutNode.Err);
        }

        [Fact]
        public async Task CliRefusesAMalformedTokenBeforeAnyAwsCall()
        {
            // Nothing listens at the endpoint: any AWS call would fail with a different error.
            string dead = $"http://127.0.0.1:{FreePort.Next()}";
            var r = await KeyPairSurfaceTests.Cli("rotate", "--secret-id", "x", "--instance-id", "i-1", "--token", "too-short", "--endpoint-url", dead, "--region", "us-east-1");
            Assert.Equal(1, r.Code);
            Assert.Contains("[RotationTokenInvalid]", r.Err);
            Assert.DoesNotContain("rotating", r.Err);
            Assert.Equal(string.Empty, r.Out);

            // The cmdlet's path too.
            var ex = await Assert.ThrowsAsync<SshKmsException>(() => RotationTargets.RotateAsync(new AwsSettings { EndpointUrl = dead, Region = "us-east-1" }, "x",
                new RotationTargets { InstanceIds = new[] { "i-1" } }, null, "too-short", null, CancellationToken.None));
            Assert.Equal("RotationTokenInvalid", ex.ErrorId);
        }

        [Fact]
        public async Task CmdletRotatesAndReportsEachStepAndNode()
        {
            KeyPairInfo first = await NewSecretAsync();
            using var ps = new ModuleRunspace();
            (string, object?)[] args = { ("s", first.SecretId), ("e", _moto.Endpoint) };

            // -WhatIf: no new version, no journal line.
            RunResult whatIf = ps.Run("Invoke-SshKeyRotation -SecretId $s -InstanceId i-0bbbbbbbbbbbbbbb1 -Region us-east-1 -EndpointUrl $e -WhatIf", args);
            Assert.Empty(whatIf.Errors);
            Assert.Empty(whatIf.Output);
            using var sm = new SecretsManagerClient(_moto.Settings);
            Assert.Equal(first.VersionId, (await sm.DescribeSecretAsync(first.SecretId, CancellationToken.None)).VersionWithStage("AWSCURRENT"));
            Assert.Empty(RotationEvents(first.SecretId));

            var results = ps.Ok("Invoke-SshKeyRotation -SecretId $s -InstanceId i-0bbbbbbbbbbbbbbb1 -Region us-east-1 -EndpointUrl $e", args)
                .Select(o => (RotationStepResult)o.BaseObject).ToList();
            Assert.Equal(new[] { RotationStep.CreateSecret, RotationStep.SetSecret, RotationStep.TestSecret, RotationStep.FinishSecret },
                results.Select(x => x.Step).Distinct());
            Assert.All(results.Where(x => x.Node != null), x => Assert.Equal("i-0bbbbbbbbbbbbbbb1", x.Node));
            Assert.Equal(first.VersionId, (await sm.DescribeSecretAsync(first.SecretId, CancellationToken.None)).VersionWithStage("AWSPREVIOUS"));
            Assert.NotEmpty(RotationEvents(first.SecretId));
        }

        private static System.Collections.Generic.List<System.Text.Json.JsonElement> RotationEvents(string secretId) =>
            SshKms.Core.Audit.AuditJournal.Default().ReadAll()
                .Where(e => e.TryGetProperty("secretId", out var id) && id.GetString() == secretId).ToList();

        [Fact]
        public async Task NoInstanceMatchingTheTagIsRotationNoNodes()
        {
            KeyPairInfo first = await NewSecretAsync();
            var ex = await Assert.ThrowsAsync<SshKmsException>(() => RotationTargets.RotateAsync(_moto.Settings, first.SecretId,
                new RotationTargets { SsmTag = "RotateSSHKeys=" + Guid.NewGuid().ToString("N") }, null, Guid.NewGuid().ToString(), null, CancellationToken.None));
            Assert.Equal("RotationNoNodes", ex.ErrorId);
        }
    }
}
