using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using SshKms.Core;
using SshKms.Core.Aws;
using SshKms.Core.Keys;
using SshKms.Core.Trust;
using SshKms.Tests.Aws;
using SshKms.Tests.Infrastructure;
using SshKms.Tests.Rotation;
using Xunit;

namespace SshKms.Tests.Trust
{
    /// <summary>
    /// `trust set` on remote nodes: two real sshd nodes on 127.0.0.1 reached with session certificates, each running
    /// the node-side script against a TEMP sshd_config (<see cref="TrustSshd"/>), judged by a certificate login to an
    /// sshd on that configuration.
    /// </summary>
    public sealed class RemoteTrustTests : IDisposable
    {
        private readonly TempDir _dir = new TempDir("sshkms-remote-trust");
        private readonly string _loginCa = TestHome.NewLocalKey("remote-login");
        private readonly string _trustedCa = TestHome.NewLocalKey("remote-trusted");
        private readonly List<IDisposable> _servers = new List<IDisposable>();

        public RemoteTrustTests()
        {
            SigningKeys.CreateAsync(KeyUri.Parse(_loginCa), null, new AwsSettings(), CancellationToken.None).GetAwaiter().GetResult();
            SigningKeys.CreateAsync(KeyUri.Parse(_trustedCa), null, new AwsSettings(), CancellationToken.None).GetAwaiter().GetResult();
        }

        public void Dispose()
        {
            foreach (IDisposable server in _servers)
            {
                server.Dispose();
            }

            _dir.Dispose();
        }

        /// <summary>An SSH node that accepts session certificates from the login CA.</summary>
        private SshdServer Node()
        {
            string caLine = SigningKeys.OpenAsync(KeyUri.Parse(_loginCa), new AwsSettings(), CancellationToken.None).GetAwaiter().GetResult().PublicKey.ToString();
            var server = new SshdServer(trustedUserCaKeys: new[] { caLine });
            _servers.Add(server);
            return server;
        }

        private TrustSshd Target(IEnumerable<string>? extraLines = null)
        {
            var target = new TrustSshd(extraLines: extraLines);
            _servers.Add(target);
            return target;
        }

        private string KnownHosts(IEnumerable<SshdServer> servers)
        {
            string path = _dir.File("known_hosts-" + Guid.NewGuid().ToString("N"));
            File.WriteAllLines(path, servers.Select(s => $"[127.0.0.1]:{s.Port} {s.HostPublicKey}"));
            return path;
        }

        private SetCaTrustOptions Options(TrustSshd target, string knownHosts, params string[] nodes)
        {
            var options = new SetCaTrustOptions
            {
                CaKeys = new[] { _trustedCa },
                SshdConfig = target.ConfigPath,
                Nodes = nodes,
                LoginCaKey = _loginCa,
                UserName = SshdServer.CurrentUser,
                SshConfigFile = "/dev/null",
            };
            options.SshOptions.Add(new KeyValuePair<string, string>("UserKnownHostsFile", knownHosts));
            options.SshOptions.Add(new KeyValuePair<string, string>("GlobalKnownHostsFile", "/dev/null"));
            options.SshOptions.Add(new KeyValuePair<string, string>("ConnectTimeout", "10"));
            return options;
        }

        private static IReadOnlyList<CaTrustResult> Run(SetCaTrustOptions options, bool dryRun = false) =>
            SetCaTrustOperation.RunOnNodesAsync(options, dryRun, CancellationToken.None).GetAwaiter().GetResult();

        private static string NodeText(SshdServer s) => $"127.0.0.1:{s.Port}";

        [Fact]
        public void Two_nodes_over_SSH_install_trust_one_after_the_other_and_the_running_sshd_is_reloaded_into_accepting_the_CA()
        {
            SshdServer a = Node(), b = Node();
            TrustSshd target = Target();
            target.Start();
            Assert.Equal(255, target.Login(_trustedCa, new[] { TrustSshd.User }).ExitCode);

            // Both nodes write the same temp configuration, one at a time: the first changes it, the second finds it in place.
            SetCaTrustOptions options = Options(target, KnownHosts(new[] { a, b }), NodeText(a), NodeText(b));
            options.Parallel = 1;
            options.Principals = new[] { TrustSshd.User + "=ops" };
            IReadOnlyList<CaTrustResult> results = Run(options);

            Assert.Equal(new[] { NodeText(a), NodeText(b) }, results.Select(r => r.Node));
            Assert.True(results[0].ErrorId == null, results[0].Error);
            Assert.Equal("Changed", results[0].Status);
            Assert.Equal("DropIn", results[0].Placement);
            Assert.StartsWith("SIGHUP to sshd pid ", results[0].Reload);
            Assert.Contains(Path.Combine(target.Folder, "sshd_config.d", "00-sshkms.conf"), results[0].ChangedFiles);
            Assert.Equal("Unchanged", results[1].Status);
            Assert.Empty(results[1].ChangedFiles);
            Assert.Single(results[0].CaFingerprints);

            // The reloaded sshd now takes a certificate for the principal mapped to the login user, and no other.
            Tool.Result ok = RetryLogin(target, new[] { "ops" });
            Assert.True(ok.ExitCode == 0, ok.Error + target.Log);
            Assert.Equal("certified", ok.Output.Trim());
            Assert.Equal(255, target.Login(_trustedCa, new[] { "someone-else" }).ExitCode);

            // Modes 0644 or tighter.
            UnixFileMode mode = File.GetUnixFileMode(Path.Combine(target.Folder, "sshkms", "trusted_user_ca_keys"));
            Assert.Equal(UnixFileMode.None, mode & (UnixFileMode.GroupWrite | UnixFileMode.OtherWrite));
        }

        /// <summary>sshd re-executes itself on SIGHUP; the listener is back within moments.</summary>
        private Tool.Result RetryLogin(TrustSshd target, string[] principals)
        {
            Tool.Result r = target.Login(_trustedCa, principals);
            for (int i = 0; i < 20 && r.ExitCode != 0; i++)
            {
                Thread.Sleep(100);
                r = target.Login(_trustedCa, principals);
            }

            return r;
        }

        [Fact]
        public void A_dead_node_is_its_own_TrustNodeFailed_and_the_live_node_still_gets_trust()
        {
            SshdServer a = Node();
            TrustSshd target = Target();
            string dead = $"127.0.0.1:{FreePort.Next()}";
            SetCaTrustOptions options = Options(target, KnownHosts(new[] { a }), dead, NodeText(a));
            options.NoReload = true;
            IReadOnlyList<CaTrustResult> results = Run(options);

            Assert.Equal("Failed", results[0].Status);
            Assert.Equal("TrustNodeFailed", results[0].ErrorId);
            Assert.Contains(dead, results[0].Error);
            Assert.Equal("TrustNodeFailed", results[0].ToException()!.ErrorId);
            Assert.Equal("Changed", results[1].Status);
            Assert.Equal("Skipped (no reload asked)", results[1].Reload);

            target.Start();
            Tool.Result ok = target.Login(_trustedCa, new[] { TrustSshd.User });
            Assert.True(ok.ExitCode == 0, ok.Error + target.Log);
        }

        [Fact]
        public void A_keyword_someone_else_set_fails_the_node_with_the_file_and_line_and_nothing_is_written()
        {
            SshdServer a = Node();
            TrustSshd target = Target(new[] { "TrustedUserCAKeys /etc/ssh/other_ca.pub" });
            Dictionary<string, (string, DateTime)> before = target.Snapshot();
            CaTrustResult r = Run(Options(target, KnownHosts(new[] { a }), NodeText(a))).Single();

            Assert.Equal("TrustNodeFailed", r.ErrorId);
            Assert.Contains("TrustKeywordConflict", r.Error);
            Assert.Contains($"{target.ConfigPath} line 2 already sets TrustedUserCAKeys", r.Error);
            Assert.Equal(before, target.Snapshot());
        }

        [Fact]
        public void A_Match_block_that_overrides_our_value_rolls_every_file_back_as_TrustNotEffective()
        {
            SshdServer a = Node();
            TrustSshd target = Target();
            File.AppendAllLines(target.ConfigPath, new[] { "Match User " + SshdServer.CurrentUser, "    TrustedUserCAKeys /nonexistent/ca.pub" });
            Dictionary<string, (string, DateTime)> before = target.Snapshot();
            SetCaTrustOptions options = Options(target, KnownHosts(new[] { a }), NodeText(a));
            options.NoReload = true;
            CaTrustResult r = Run(options).Single();

            Assert.Equal("TrustNodeFailed", r.ErrorId);
            Assert.Contains("TrustNotEffective", r.Error);
            Assert.Contains("/nonexistent/ca.pub", r.Error);
            Assert.Equal(before, target.Snapshot());
        }

        [Fact]
        public void Dry_run_reports_WhatIf_and_writes_nothing_then_Include_placement_without_a_drop_in_folder_include()
        {
            SshdServer a = Node();
            var target = new TrustSshd(debianInclude: false);
            _servers.Add(target);
            Dictionary<string, (string, DateTime)> before = target.Snapshot();
            SetCaTrustOptions options = Options(target, KnownHosts(new[] { a }), NodeText(a));
            options.NoReload = true;

            CaTrustResult dry = Run(options, dryRun: true).Single();
            Assert.Equal("WhatIf", dry.Status);
            Assert.Equal("Include", dry.Placement);
            Assert.Equal(before, target.Snapshot());

            CaTrustResult set = Run(options).Single();
            Assert.Equal("Changed", set.Status);
            Assert.StartsWith(TrustLayoutMarker, File.ReadLines(target.ConfigPath).First());

            // The main file it replaced is kept in the backup folder, byte for byte.
            string backup = Assert.Single(Directory.GetFiles(Path.Combine(target.Folder, "sshkms", "backup"), "*", SearchOption.AllDirectories));
            Assert.Equal(before[target.ConfigPath].Item1, Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(backup))));

            // What the local reader sees is what the node wrote.
            CaTrustInfo info = GetCaTrustOperation.RunAsync(new GetCaTrustOptions { SshdConfig = target.ConfigPath }, CancellationToken.None).GetAwaiter().GetResult();
            Assert.Equal("Include", info.Placement);
            Assert.Equal(_trustedCa, info.CaKeys.Single().KeyUri);

            target.Start();
            Assert.True(target.Login(_trustedCa, new[] { TrustSshd.User }).ExitCode == 0, target.Log);
        }

        private const string TrustLayoutMarker = "# sshkms: the next line is managed by 'sshkms trust'";

        [Fact]
        public void The_CLI_exits_1_when_a_node_failed_and_prints_each_node()
        {
            SshdServer a = Node();
            TrustSshd target = Target();
            string dead = $"127.0.0.1:{FreePort.Next()}";
            Tool.Result r = Tool.Sshkms(new[]
            {
                "trust", "set", "--ca", _trustedCa, "--sshd-config", target.ConfigPath, "--no-reload", "--node", NodeText(a), "--node", dead,
                "--login-ca", _loginCa, "--user", SshdServer.CurrentUser, "--ssh-config", "/dev/null",
                "--ssh-option", "UserKnownHostsFile=" + KnownHosts(new[] { a }), "--ssh-option", "GlobalKnownHostsFile=/dev/null",
            });

            Assert.Equal(1, r.ExitCode);
            Assert.Contains($"{NodeText(a)}: Changed: {target.ConfigPath} (DropIn)", r.Output);
            Assert.Contains("[TrustNodeFailed]", r.Error);
            Assert.Contains(dead, r.Error);
        }

        /// <summary>The in-process client logs in to the node (sshd's log says which client it was), and sshd then takes the trusted CA's certificates.</summary>
        [Fact]
        public void The_CLI_over_the_Managed_transport_installs_trust_and_a_certificate_login_then_works()
        {
            SshdServer a = Node();
            TrustSshd target = Target();
            target.Start();
            Assert.Equal(255, target.Login(_trustedCa, new[] { TrustSshd.User }).ExitCode);
            Tool.Result r = Tool.Sshkms(new[]
            {
                "trust", "set", "--ca", _trustedCa, "--sshd-config", target.ConfigPath, "--node", NodeText(a), "--transport", "managed",
                "--login-ca", _loginCa, "--user", SshdServer.CurrentUser, "--ssh-option", "UserKnownHostsFile=" + KnownHosts(new[] { a }),
            });

            Assert.True(r.ExitCode == 0, r.Error + a.Log);
            Assert.Contains($"{NodeText(a)}: Changed: {target.ConfigPath} (DropIn)", r.Output);
            SshRotationTests.AssertEveryLoginWentOver(SshKms.Core.Sessions.SshTransportKind.Managed, new[] { a });
            Tool.Result ok = RetryLogin(target, new[] { TrustSshd.User });
            Assert.True(ok.ExitCode == 0, ok.Error + target.Log);
        }

        [Theory]
        [InlineData("OpenSsh")]
        [InlineData("Managed")]
        public void The_cmdlet_writes_a_result_per_node_a_TrustNodeFailed_error_for_the_dead_one_and_WhatIf_reaches_no_node(string transport)
        {
            SshdServer a = Node();
            TrustSshd target = Target();
            string dead = $"127.0.0.1:{FreePort.Next()}";
            string known = KnownHosts(new[] { a });
            const string Script = "Set-SshCaTrust -CaKey $ca -SshdConfigPath $config -Node $nodes -LoginCaKey $login -UserName $user -ConfigFile /dev/null "
                + "-SshOption @{ UserKnownHostsFile = $known; GlobalKnownHostsFile = '/dev/null' } -NoReload -Transport $transport";
            var variables = new (string, object?)[]
            {
                ("ca", _trustedCa), ("config", target.ConfigPath), ("nodes", new[] { NodeText(a), dead }), ("login", _loginCa),
                ("user", SshdServer.CurrentUser), ("known", known), ("transport", transport),
            };
            using var ps = new ModuleRunspace();

            RunResult whatIf = ps.Run(Script + " -WhatIf", variables);
            Assert.Empty(whatIf.Errors);
            Assert.Empty(whatIf.Output);
            Assert.False(Directory.Exists(Path.Combine(target.Folder, "sshkms")));
            Assert.False(File.Exists(Path.Combine(target.Folder, "sshd_config.d", "00-sshkms.conf")));

            RunResult run = ps.Run(Script, variables);
            CaTrustResult ok = run.Single<CaTrustResult>();
            Assert.Equal(NodeText(a), ok.Node);
            Assert.Equal("Changed", ok.Status);
            Assert.Equal("TrustNodeFailed", run.ErrorId);
            Assert.Contains(dead, run.Error.Exception.Message);
            Assert.Contains("HostUnreachable", run.Error.Exception.Message);
            SshRotationTests.AssertEveryLoginWentOver(Enum.Parse<SshKms.Core.Sessions.SshTransportKind>(transport), new[] { a });
        }

        [Fact]
        public void Host_certificates_and_two_channels_are_refused_before_any_node_is_reached()
        {
            var both = new SetCaTrustOptions { CaKeys = new[] { _trustedCa }, Nodes = new[] { "h1" }, InstanceIds = new[] { "i-1" } };
            Assert.Equal("TrustTargetsConflict", Assert.Throws<SshKmsException>(() => Run(both)).ErrorId);
            var host = new SetCaTrustOptions { CaKeys = new[] { _trustedCa }, Nodes = new[] { "h1" }, HostCertificate = true };
            Assert.Equal("TrustRemoteUnsupported", Assert.Throws<SshKmsException>(() => Run(host)).ErrorId);
            var login = new SetCaTrustOptions { CaKeys = new[] { _trustedCa }, InstanceIds = new[] { "i-1" }, LoginCaKey = _loginCa };
            Assert.Equal("TrustTargetsConflict", Assert.Throws<SshKmsException>(() => Run(login)).ErrorId);
        }
    }

    /// <summary>`trust set` by SSM Run Command: moto EC2 instances, the node script run by the FAKE SSM agent (moto runs no agent).</summary>
    [Collection("aws")]
    public sealed class RemoteTrustSsmTests : IDisposable
    {
        private readonly MotoServer _moto;
        private readonly TempDir _dir = new TempDir("sshkms-ssm-trust");
        private readonly FakeSsmNodeAgent _agent;
        private readonly TrustSshd _target = new TrustSshd();
        private readonly string _ca = TestHome.NewLocalKey("ssm-trusted");

        public RemoteTrustSsmTests(MotoServer moto)
        {
            _moto = moto;
            _agent = new FakeSsmNodeAgent(_dir.Path);
            SigningKeys.CreateAsync(KeyUri.Parse(_ca), null, new AwsSettings(), CancellationToken.None).GetAwaiter().GetResult();
        }

        public void Dispose()
        {
            _target.Dispose();
            _dir.Dispose();
        }

        [Fact]
        public async Task Instances_by_tag_each_get_a_result_and_sshd_on_the_written_configuration_accepts_the_CA()
        {
            string tag = "trust-" + Guid.NewGuid().ToString("N").Substring(0, 8);
            using var ec2 = AwsClientFactory.CreateEc2(_moto.Settings);
            Amazon.EC2.Model.RunInstancesResponse started = await ec2.RunInstancesAsync(new Amazon.EC2.Model.RunInstancesRequest
            {
                ImageId = "ami-12c6146b",
                MinCount = 2,
                MaxCount = 2,
                TagSpecifications = new List<Amazon.EC2.Model.TagSpecification>
                {
                    new Amazon.EC2.Model.TagSpecification { ResourceType = Amazon.EC2.ResourceType.Instance, Tags = new List<Amazon.EC2.Model.Tag> { new Amazon.EC2.Model.Tag("SshTrust", tag) } },
                },
            });
            string[] ids = started.Reservation.Instances.Select(i => i.InstanceId).OrderBy(i => i).ToArray();

            var options = new SetCaTrustOptions
            {
                CaKeys = new[] { _ca },
                SshdConfig = _target.ConfigPath,
                SsmTag = "SshTrust=" + tag,
                NoReload = true,
                Parallel = 1,
                Aws = HandlerHttpClientFactory.Route(_moto.Settings, _agent),
            };
            IReadOnlyList<CaTrustResult> results = await SetCaTrustOperation.RunOnNodesAsync(options, false, CancellationToken.None);

            Assert.Equal(ids, results.Select(r => r.Node).OrderBy(n => n));
            Assert.All(results, r => Assert.True(r.ErrorId == null, r.Error));
            Assert.Equal(new[] { "Changed", "Unchanged" }, results.Select(r => r.Status).OrderBy(s => s));
            _target.Start();
            Tool.Result ok = _target.Login(_ca, new[] { TrustSshd.User });
            Assert.True(ok.ExitCode == 0, ok.Error + _target.Log);
        }
    }
}
