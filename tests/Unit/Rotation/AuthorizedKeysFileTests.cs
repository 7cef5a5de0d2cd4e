using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;
using SshKms.Core;
using SshKms.Core.Aws;
using SshKms.Core.OpenSsh;
using SshKms.Core.Rotation;
using SshKms.Tests.Aws;
using SshKms.Tests.Infrastructure;
using Xunit;

namespace SshKms.Tests.Rotation
{
    /// <summary>
    /// Which file the node script edits: a symlink's target, an AuthorizedKeysFile template, the file `sshd -T` names (these
    /// tests run as root, as the SSM agent does, against an sshd_config of their own given through the product's option),
    /// and the lock that keeps two rotations of one file apart. Nodes are folders run with /bin/sh, and the FAKE SSM agent.
    /// </summary>
    [Collection("aws")]
    public sealed class AuthorizedKeysFileTests : IDisposable
    {
        private const string AdminLine = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl admin@laptop";
        private const string Node = "i-0000000000000000a";

        private readonly TempDir _dir = new TempDir("sshkms-akfile");
        private readonly MotoServer _moto;

        public AuthorizedKeysFileTests(MotoServer moto)
        {
            _moto = moto;
        }

        public void Dispose() => _dir.Dispose();

        private string NodeDir => Path.Combine(_dir.Path, Node);

        /// <summary>Where the getent shim of <see cref="FakeNode"/> puts USER's home on the node.</summary>
        private string Home(string user) => Path.Combine(NodeDir, "home-" + user);

        /// <summary>An sshd_config of this test's own, for `sshd -T -f`: a host key and the AuthorizedKeysFile line given.</summary>
        private string SshdConfig(string authorizedKeysFile)
        {
            string hostKey = _dir.File("host_key");
            if (!File.Exists(hostKey))
            {
                Tool.Check("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", hostKey);
            }

            string path = _dir.File("sshd_config-" + Guid.NewGuid().ToString("N"));
            File.WriteAllLines(path, new[] { "HostKey " + hostKey, "AuthorizedKeysFile " + authorizedKeysFile });
            return path;
        }

        private static string KeyLine(string tag)
        {
            using SshPrivateKey key = SshPrivateKey.Generate(SshKeyAlgorithm.Ed25519);
            return key.PublicKey.WithComment(tag).ToString();
        }

        /// <summary>The script on the node as user deploy, the file resolved as on a host (no SSHKMS_AUTHORIZED_KEYS).</summary>
        private (int Code, string Out, string Err) RunAsDeploy(AuthorizedKeysMode mode, string tag, string? line, AuthorizedKeysOptions files) =>
            FakeNode.Run(_dir.Path, Node, AuthorizedKeysScript.Build(mode, "s", tag, line, "deploy", files), (_, _) => false, resolveByUser: true);

        [Fact]
        public void ASymlinkedAuthorizedKeysIsEditedAtItsTargetAndStaysALink()
        {
            string target = Directory.CreateDirectory(_dir.File("shared")).FullName + "/keys";
            File.WriteAllText(target, AdminLine + "\n");
            Directory.CreateDirectory(NodeDir);
            string link = FakeNode.AuthorizedKeys(_dir.Path, Node);
            File.CreateSymbolicLink(link, "../shared/keys");
            string line = KeyLine("sshkms:s:v1");

            var r = FakeNode.Run(_dir.Path, Node, AuthorizedKeysScript.Build(AuthorizedKeysMode.Add, "s", "sshkms:s:v1", line, null), (_, _) => false);

            Assert.True(r.Code == 0, r.Err);
            Assert.Equal("../shared/keys", new FileInfo(link).LinkTarget);
            Assert.Equal(new[] { AdminLine, line }, File.ReadAllLines(target));
            Assert.Contains("edited " + target, r.Out);
            Assert.Empty(Directory.GetFiles(NodeDir, ".authorized_keys.sshkms.*"));
        }

        [Fact]
        public void ATemplateTakesTheUserAndTheHomeAsSshdDoesAndWinsOverSshdsFirstFile()
        {
            // sshd reads two files; the operator names the second one.
            string config = SshdConfig(".ssh/authorized_keys %h/keys/%u");
            var files = new AuthorizedKeysOptions { FileTemplate = "%h/keys/%u", SshdConfig = config };
            string line = KeyLine("sshkms:s:v1");

            var add = RunAsDeploy(AuthorizedKeysMode.Add, "sshkms:s:v1", line, files);
            var check = RunAsDeploy(AuthorizedKeysMode.Check, "sshkms:s:v1", line, files);

            Assert.True(add.Code == 0, add.Err);
            Assert.True(check.Code == 0, check.Err);
            string edited = Path.Combine(Home("deploy"), "keys", "deploy");
            Assert.Equal(new[] { line }, File.ReadAllLines(edited));
            Assert.False(File.Exists(Path.Combine(Home("deploy"), ".ssh", "authorized_keys")));
            Assert.Contains($"edited {edited}; sshd reads {Home("deploy")}/.ssh/authorized_keys {edited} for deploy", add.Out);
        }

        [Fact]
        public void PercentPercentIsAPercentSign()
        {
            var files = new AuthorizedKeysOptions { FileTemplate = Path.Combine(NodeDir, "100%%-%u") };
            string line = KeyLine("sshkms:s:v1");

            var add = RunAsDeploy(AuthorizedKeysMode.Add, "sshkms:s:v1", line, files);

            Assert.True(add.Code == 0, add.Err);
            Assert.Equal(new[] { line }, File.ReadAllLines(Path.Combine(NodeDir, "100%-deploy")));
        }

        [Theory]
        [InlineData("")]
        [InlineData("/etc/ssh/keys/%n")]
        [InlineData("/etc/ssh/keys/%")]
        [InlineData("/a\n/b")]
        public void ATemplateSshdCouldNotUseIsRefused(string template)
        {
            var ex = Assert.Throws<SshKmsException>(() =>
                AuthorizedKeysScript.Build(AuthorizedKeysMode.Add, "s", "sshkms:s:v1", AdminLine, null, new AuthorizedKeysOptions { FileTemplate = template }));
            Assert.Equal("AuthorizedKeysFileInvalid", ex.ErrorId);
        }

        [Fact]
        public void AsRootWithoutATemplateTheScriptEditsTheFileSshdTNames()
        {
            string config = SshdConfig(_dir.Path + "/%u-keys/authorized_keys .ssh/authorized_keys");
            var files = new AuthorizedKeysOptions { SshdConfig = config };
            string line = KeyLine("sshkms:s:v1");

            var add = RunAsDeploy(AuthorizedKeysMode.Add, "sshkms:s:v1", line, files);

            Assert.True(add.Code == 0, add.Err);
            Assert.Equal(new[] { line }, File.ReadAllLines(_dir.File("deploy-keys/authorized_keys")));
            Assert.False(Directory.Exists(Home("deploy")), "the default ~/.ssh/authorized_keys was edited");
        }

        [Fact]
        public void ABadSshdConfigStopsTheScriptInsteadOfEditingAGuess()
        {
            var add = RunAsDeploy(AuthorizedKeysMode.Add, "sshkms:s:v1", KeyLine("sshkms:s:v1"), new AuthorizedKeysOptions { SshdConfig = _dir.File("missing_config") });

            Assert.Equal(4, add.Code);
            Assert.Contains("sshd -T -f " + _dir.File("missing_config") + " failed", add.Err);
            Assert.False(Directory.Exists(Home("deploy")));
        }

        [Fact]
        public void ACheckFailsAndNamesBothFilesWhenSshdReadsAnotherFile()
        {
            string config = SshdConfig("%h/keys/%u");
            var files = new AuthorizedKeysOptions { FileTemplate = ".ssh/authorized_keys", SshdConfig = config };
            string line = KeyLine("sshkms:s:v1");

            Assert.Equal(0, RunAsDeploy(AuthorizedKeysMode.Add, "sshkms:s:v1", line, files).Code);
            var check = RunAsDeploy(AuthorizedKeysMode.Check, "sshkms:s:v1", line, files);

            Assert.Equal(3, check.Code);
            Assert.Contains($"is in {Home("deploy")}/.ssh/authorized_keys (the file edited), but sshd reads {Home("deploy")}/keys/deploy for deploy", check.Err);
        }

        /// <summary>Holds the lock beside authorized_keys (as a concurrent rotation's script would) for the given seconds, after running a command under it.</summary>
        private Process HoldLock(string authorizedKeys, double seconds, string underLock = ":")
        {
            string lockFile = Path.Combine(Path.GetDirectoryName(authorizedKeys)!, "." + Path.GetFileName(authorizedKeys) + ".sshkms-lock");
            string ready = _dir.File("locked-" + Guid.NewGuid().ToString("N"));
            var psi = new ProcessStartInfo("flock", new[] { lockFile, "sh", "-c", $"{underLock}; : > '{ready}'; sleep {seconds}" });
            Process holder = Process.Start(psi)!;
            var wait = Stopwatch.StartNew();
            while (!File.Exists(ready) && wait.ElapsedMilliseconds < 10000)
            {
                Thread.Sleep(20);
            }

            Assert.True(File.Exists(ready), "the lock holder did not start");
            return holder;
        }

        [Fact]
        public void AConcurrentEditWaitsForTheLockAndKeepsWhatTheOtherWrote()
        {
            string ak = FakeNode.AuthorizedKeys(_dir.Path, Node);
            Directory.CreateDirectory(NodeDir);
            File.WriteAllText(ak, AdminLine + "\n");
            string other = KeyLine("sshkms:other:v1");
            using Process holder = HoldLock(ak, 1.5, $"echo '{other}' >> '{ak}'");
            string line = KeyLine("sshkms:s:v1");
            var timer = Stopwatch.StartNew();

            var r = FakeNode.Run(_dir.Path, Node, AuthorizedKeysScript.Build(AuthorizedKeysMode.Add, "s", "sshkms:s:v1", line, null), (_, _) => false);

            Assert.True(r.Code == 0, r.Err);
            Assert.True(timer.ElapsedMilliseconds >= 1000, $"the script did not wait for the lock ({timer.ElapsedMilliseconds} ms)");
            Assert.Equal(new[] { AdminLine, other, line }, File.ReadAllLines(ak));
            holder.WaitForExit();
        }

        [Fact]
        public async Task ARotationThatCannotGetTheLockFailsWithRotationLockedAndChangesNothing()
        {
            using var sm = new SecretsManagerClient(_moto.Settings);
            string name = "akfile/" + Guid.NewGuid().ToString("N");
            using SshPrivateKey key = SshPrivateKey.Generate(SshKeyAlgorithm.Ed25519);
            string version = Guid.NewGuid().ToString();
            string first = key.PublicKey.WithComment(KeyPairSecret.Tag(name, version)).ToString();
            var json = new JsonObject { ["privateKey"] = key.ToOpenSshFormat(), ["publicKey"] = first };
            await sm.CreateSecretAsync(name, Encoding.UTF8.GetBytes(json.ToJsonString()), null, version, null, CancellationToken.None);
            string ak = FakeNode.AuthorizedKeys(_dir.Path, Node);
            Directory.CreateDirectory(NodeDir);
            File.WriteAllLines(ak, new[] { AdminLine, first });
            using Process holder = HoldLock(ak, 20);
            try
            {
                var rotation = new KeyRotation(sm, new FakeFolderDistributor(_dir.Path, new[] { Node }), name, Guid.NewGuid().ToString())
                {
                    Files = new AuthorizedKeysOptions { LockWait = TimeSpan.FromSeconds(1) },
                };

                var ex = await Assert.ThrowsAsync<SshKmsException>(() => rotation.RunAsync(CancellationToken.None));

                Assert.Equal("RotationLocked", ex.ErrorId);
                Assert.Contains(Node, ex.Message);
                Assert.Equal(new[] { AdminLine, first }, File.ReadAllLines(ak));
                Assert.Equal(version, (await sm.DescribeSecretAsync(name, CancellationToken.None)).VersionWithStage("AWSCURRENT"));
            }
            finally
            {
                holder.Kill();
                holder.WaitForExit();
            }
        }

        /// <summary>A secret for user deploy whose first key sits in the file sshd reads on the node: %h/keys/%u.</summary>
        private async Task<(SecretsManagerClient Sm, string Name, string Version, string First)> SecretOnNodeAsync(string sshdFile)
        {
            var sm = new SecretsManagerClient(_moto.Settings);
            string name = "akfile/" + Guid.NewGuid().ToString("N");
            using SshPrivateKey key = SshPrivateKey.Generate(SshKeyAlgorithm.Ed25519);
            string version = Guid.NewGuid().ToString();
            string first = key.PublicKey.WithComment(KeyPairSecret.Tag(name, version)).ToString();
            var json = new JsonObject { ["privateKey"] = key.ToOpenSshFormat(), ["publicKey"] = first, ["userName"] = "deploy" };
            await sm.CreateSecretAsync(name, Encoding.UTF8.GetBytes(json.ToJsonString()), null, version, null, CancellationToken.None);
            Directory.CreateDirectory(Path.GetDirectoryName(sshdFile)!);
            File.WriteAllLines(sshdFile, new[] { AdminLine, first });
            return (sm, name, version, first);
        }

        [Fact]
        public async Task OverSsmATemplateAndTheNodesSshdConfigRotateTheFileSshdReads()
        {
            string sshdFile = Path.Combine(Home("deploy"), "keys", "deploy");
            var (sm, name, _, _) = await SecretOnNodeAsync(sshdFile);
            using (sm)
            using (var ssm = AwsClientFactory.CreateSsm(HandlerHttpClientFactory.Route(_moto.Settings, new FakeSsmNodeAgent(_dir.Path) { ResolveByUser = true })))
            {
                var distributor = new SsmNodeDistributor(ssm, new[] { Node }) { PollInterval = TimeSpan.FromMilliseconds(10) };
                string token = Guid.NewGuid().ToString();
                var rotation = new KeyRotation(sm, distributor, name, token)
                {
                    Files = new AuthorizedKeysOptions { FileTemplate = "%h/keys/%u", SshdConfig = SshdConfig("%h/keys/%u") },
                };

                await rotation.RunAsync(CancellationToken.None);

                var (_, current) = await KeyPairSecrets.ReadAsync(sm, name, "AWSCURRENT", CancellationToken.None);
                using (current)
                {
                    Assert.Equal(new[] { AdminLine, current.ParsePublicKey().ToString() }, File.ReadAllLines(sshdFile));
                }

                Assert.False(File.Exists(Path.Combine(Home("deploy"), ".ssh", "authorized_keys")));
            }
        }

        [Fact]
        public async Task OverSsmATestSecretFailureNamesTheFileSshdReadsBesideTheFileEdited()
        {
            string sshdFile = Path.Combine(Home("deploy"), "keys", "deploy");
            var (sm, name, version, first) = await SecretOnNodeAsync(sshdFile);
            using (sm)
            using (var ssm = AwsClientFactory.CreateSsm(HandlerHttpClientFactory.Route(_moto.Settings, new FakeSsmNodeAgent(_dir.Path) { ResolveByUser = true })))
            {
                var distributor = new SsmNodeDistributor(ssm, new[] { Node }) { PollInterval = TimeSpan.FromMilliseconds(10) };
                var rotation = new KeyRotation(sm, distributor, name, Guid.NewGuid().ToString())
                {
                    // The operator's guess is the default file; this node's sshd reads another.
                    Files = new AuthorizedKeysOptions { FileTemplate = ".ssh/authorized_keys", SshdConfig = SshdConfig("%h/keys/%u") },
                };

                var ex = await Assert.ThrowsAsync<SshKmsException>(() => rotation.RunAsync(CancellationToken.None));

                Assert.Equal("RotationTestFailed", ex.ErrorId);
                Assert.Contains($"{Home("deploy")}/.ssh/authorized_keys (the file edited), but sshd reads {sshdFile}", ex.Message);
                Assert.Equal(new[] { AdminLine, first }, File.ReadAllLines(sshdFile));
                Assert.Equal(version, (await sm.DescribeSecretAsync(name, CancellationToken.None)).VersionWithStage("AWSCURRENT"));
                Assert.DoesNotContain("sshkms:", File.ReadAllText(Path.Combine(Home("deploy"), ".ssh", "authorized_keys")));
            }
        }
    
        [Fact]
        public void TheCliAndTheCmdletRefuseATemplateBeforeAnyAwsCall()
        {
            // Nothing listens at the endpoint: any AWS call would fail with another error.
            string dead = $"http://127.0.0.1:{FreePort.Next()}";
            Tool.Result cli = Tool.Sshkms(new[] { "rotate", "--secret-id", "x", "--instance-id", "i-1", "--authorized-keys-file", "/etc/ssh/keys/%n", "--endpoint-url", dead, "--region", "us-east-1" });
            Assert.Equal(1, cli.ExitCode);
            Assert.Contains("[AuthorizedKeysFileInvalid]", cli.Error);
            using var ps = new ModuleRunspace();
            Assert.Equal("AuthorizedKeysFileInvalid", ps.Run("Invoke-SshKeyRotation -SecretId x -InstanceId i-1 -AuthorizedKeysFile '/etc/ssh/keys/%n' -Region us-east-1 -EndpointUrl $e", ("e", dead)).ErrorId);
            Assert.Equal("SshdConfigInvalid", ps.Run("Invoke-SshKeyRotation -SecretId x -InstanceId i-1 -SshdConfigFile relative/sshd_config -Region us-east-1 -EndpointUrl $e", ("e", dead)).ErrorId);
        }
    }
}
