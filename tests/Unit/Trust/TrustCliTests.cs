using System;
using System.IO;
using System.Text.Json;
using System.Threading;
using SshKms.Core.Aws;
using SshKms.Core.Keys;
using SshKms.Tests.Infrastructure;
using Xunit;

namespace SshKms.Tests.Trust
{
    /// <summary>`sshkms trust ...` as a process, on a Debian-like layout in a temp folder, with a real sshd started on the result.</summary>
    public sealed class TrustCliTests : IDisposable
    {
        private readonly TrustSshd _server = new TrustSshd();
        private readonly string _ca = TestHome.NewLocalKey("trust-cli");

        public TrustCliTests()
        {
            SigningKeys.CreateAsync(KeyUri.Parse(_ca), null, new AwsSettings(), CancellationToken.None).GetAwaiter().GetResult();
        }

        public void Dispose() => _server.Dispose();

        private Tool.Result Cli(params string[] args) => Tool.Sshkms(args);

        [Fact]
        public void Trust_set_then_show_test_and_a_certificate_login_through_the_CLI()
        {
            Tool.Result dry = Cli("trust", "set", "--ca", _ca, "--sshd-config", _server.ConfigPath, "--principals", $"{TrustSshd.User}=ops", "--dry-run");
            Assert.True(dry.ExitCode == 0, dry.Error);
            Assert.Contains("+TrustedUserCAKeys ", dry.Output);
            Assert.False(Directory.Exists(Path.Combine(_server.Folder, "sshkms")));

            Tool.Result set = Cli("trust", "set", "--ca", _ca, "--sshd-config", _server.ConfigPath, "--principals", $"{TrustSshd.User}=ops", "--no-reload", "--json");
            Assert.True(set.ExitCode == 0, set.Error);
            using (JsonDocument doc = JsonDocument.Parse(set.Output))
            {
                Assert.Equal("Changed", doc.RootElement.GetProperty("status").GetString());
                Assert.Equal("DropIn", doc.RootElement.GetProperty("placement").GetString());
            }

            Tool.Result again = Cli("trust", "set", "--ca", _ca, "--sshd-config", _server.ConfigPath, "--principals", $"{TrustSshd.User}=ops", "--no-reload");
            Assert.StartsWith("Unchanged:", again.Output);

            Tool.Result show = Cli("trust", "show", "--sshd-config", _server.ConfigPath, "--json");
            using (JsonDocument doc = JsonDocument.Parse(show.Output))
            {
                Assert.Equal(_ca, doc.RootElement.GetProperty("caKeys")[0].GetProperty("keyUri").GetString());
                Assert.Equal("ops", doc.RootElement.GetProperty("principals").GetProperty(TrustSshd.User)[0].GetString());
            }

            Assert.Equal(0, Cli("trust", "test", "--ca", _ca, "--sshd-config", _server.ConfigPath).ExitCode);

            _server.Start();
            Tool.Result login = _server.Login(_ca, new[] { "ops" });
            Assert.True(login.ExitCode == 0, login.Error + _server.Log);

            Tool.Result removed = Cli("trust", "remove", "--ca", _ca, "--sshd-config", _server.ConfigPath, "--no-reload");
            Assert.True(removed.ExitCode == 0, removed.Error);
            Tool.Result test = Cli("trust", "test", "--sshd-config", _server.ConfigPath);
            Assert.Equal(1, test.ExitCode);
            Assert.Contains("not trusted", test.Output);
        }
    }
}
