using System.IO;
using Xunit;

namespace SshKms.Tests.Infrastructure
{
    public class PeerSmokeTests
    {
        [Fact]
        public void SshdAcceptsAnAuthorizedKeyAndRefusesAnother()
        {
            using var dir = new TempDir();
            string key = dir.File("id");
            Tool.Check("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key);
            using var sshd = new SshdServer(authorizedKeys: new[] { File.ReadAllText(key + ".pub").Trim() });
            var args = new System.Collections.Generic.List<string>(sshd.ClientOptions()) { "-i", key, "-o", "IdentitiesOnly=yes", SshdServer.CurrentUser + "@127.0.0.1", "echo", "hello" };
            var ok = Tool.Run("ssh", args);
            Assert.True(ok.ExitCode == 0, ok.Error + sshd.Log);
            Assert.Equal("hello", ok.Output.Trim());

            string other = dir.File("other");
            Tool.Check("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", other);
            args[args.IndexOf(key)] = other;
            var refused = Tool.Run("ssh", args);
            Assert.Equal(255, refused.ExitCode);
            Assert.Contains("Permission denied", refused.Error);
        }
    }

    [Collection("aws")]
    public class MotoSmokeTests
    {
        private readonly MotoServer _moto;

        public MotoSmokeTests(MotoServer moto) => _moto = moto;

        [Fact]
        public void MotoAnswersAndResets()
        {
            _moto.Reset();
            using var http = new System.Net.Http.HttpClient();
            var r = http.GetAsync(_moto.Endpoint + "/moto-api/").GetAwaiter().GetResult();
            Assert.True(r.IsSuccessStatusCode);
        }
    }
}
