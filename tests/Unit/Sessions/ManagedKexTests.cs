using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using SshKms.Core;
using SshKms.Core.Sessions;
using SshKms.Tests.Infrastructure;
using Xunit;

namespace SshKms.Tests.Sessions
{
    /// <summary>
    /// ssh's KexAlgorithms option on the Managed transport, against a real sshd that offers one key exchange only:
    /// the option decides what the client offers, as it does for ssh.
    /// </summary>
    [Collection("sessions")]
    public sealed class ManagedKexTests : System.IDisposable
    {
        private readonly InMemoryCertificateMinter _minter = new InMemoryCertificateMinter();

        public void Dispose() => _minter.Dispose();

        private async Task<SshSessionResult> RunWith(SshdServer server, string? kex)
        {
            SshSessionOptions options = SshSessionTests.OptionsFor(server, "echo kex-ok");
            options.Transport = SshTransportKind.Managed;
            if (kex != null)
            {
                options.SshOptions.Add(new KeyValuePair<string, string>("KexAlgorithms", kex));
            }

            return (await SshSession.WithCertificates(_minter.IssueAsync, options).RunAsync(new[] { "127.0.0.1" }, null, CancellationToken.None)).Single();
        }

        [Theory]
        [InlineData(null, true)]
        [InlineData("curve25519-sha256", true)]
        [InlineData("^curve25519-sha256", true)]
        [InlineData("-curve25519-sha256", false)]
        [InlineData("sntrup761x25519-sha512,ecdh-sha2-nistp256", false)]
        public async Task TheOptionDecidesWhichKeyExchangesAreOffered(string? kex, bool connects)
        {
            using var server = new SshdServer(trustedUserCaKeys: new[] { _minter.CaPublicKeyLine }, extraConfig: new[] { "KexAlgorithms curve25519-sha256" });
            SshSessionResult r = await RunWith(server, kex);
            if (connects)
            {
                Assert.True(r.ErrorId == null, r.ErrorId + " " + r.ErrorMessage);
                Assert.Equal("kex-ok\n", r.Output);
            }
            else
            {
                Assert.NotNull(r.ErrorId);
                Assert.DoesNotContain("Accepted", server.Log);
            }
        }

        [Fact]
        public async Task AListWithNoKeyExchangeThisClientCanDoIsAnInvalidOption()
        {
            using var server = new SshdServer(trustedUserCaKeys: new[] { _minter.CaPublicKeyLine });
            var ex = await Assert.ThrowsAsync<SshKmsException>(() => RunWith(server, "no-such-kex"));
            Assert.Equal("SshOptionInvalid", ex.ErrorId);
            Assert.DoesNotContain("Accepted", server.Log);
        }
    }
}
