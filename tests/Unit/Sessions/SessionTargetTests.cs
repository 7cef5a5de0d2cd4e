using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using SshKms.Core.Authority;
using SshKms.Core.Aws;
using SshKms.Core.Keys;
using SshKms.Core.OpenSsh;
using SshKms.Core.Sessions;
using SshKms.Tests.Infrastructure;
using Xunit;

namespace SshKms.Tests.Sessions
{
    /// <summary>
    /// Who a session certifies and where it goes: the login user as ssh itself resolves it (user@host, ssh_config's
    /// User), per-host users and ports, and a CA whose key lives in KMS (moto), all against real sshd.
    /// </summary>
    [Collection("sessions")]
    public sealed class SessionTargetTests : IDisposable
    {
        private readonly InMemoryCertificateMinter _minter = new InMemoryCertificateMinter();
        private readonly TempDir _tmp = new TempDir("sshkms-session-target");

        public void Dispose()
        {
            _minter.Dispose();
            _tmp.Dispose();
        }

        /// <summary>An ssh_config that sends every host to a user who does not exist, and would hide agent keys.</summary>
        private string ConfigWithOtherUser(SshdServer server)
        {
            string path = _tmp.File("ssh_config");
            File.WriteAllText(path, $"Host *\n  User sshkms-nobody\n  IdentitiesOnly yes\n  IdentityFile {_tmp.File("no-such-key")}\n"
                + $"  UserKnownHostsFile {server.KnownHostsPath}\n  GlobalKnownHostsFile /dev/null\n");
            return path;
        }

        [Fact]
        public async Task ThePrincipalIsTheUserSshLogsInAsFromTheConfigOrFromUserAtHost()
        {
            using var server = new SshdServer(trustedUserCaKeys: new[] { _minter.CaPublicKeyLine });
            var options = new SshSessionOptions { Port = server.Port, Command = "id -un", ConfigFile = ConfigWithOtherUser(server) };
            SshSession session = SshSession.WithCertificates(_minter.IssueAsync, options);

            SshSessionResult fromConfig = await session.RunHostAsync("127.0.0.1", CancellationToken.None);
            Assert.Equal("sshkms-nobody", fromConfig.Principal);
            Assert.Equal(new[] { "sshkms-nobody" }, _minter.Issued.Last().Principals);
            Assert.Equal("LoginRefused", fromConfig.ErrorId);

            // user@host wins over the config, as in ssh; IdentitiesOnly=yes in the config does not hide the agent's certificate.
            SshSessionResult atHost = await session.RunHostAsync($"{SshdServer.CurrentUser}@127.0.0.1", CancellationToken.None);
            Assert.True(atHost.Succeeded, atHost.ErrorMessage + atHost.Error);
            Assert.Equal(SshdServer.CurrentUser, atHost.Output.Trim());
            Assert.Equal(SshdServer.CurrentUser, atHost.Principal);
            Assert.Equal("127.0.0.1", atHost.HostName);
            Assert.Equal(new[] { SshdServer.CurrentUser }, _minter.Issued.Last().Principals);
        }

        [Fact]
        public async Task EachTargetKeepsItsOwnUserAndPortAndABadPortFailsAlone()
        {
            using var one = new SshdServer(trustedUserCaKeys: new[] { _minter.CaPublicKeyLine });
            using var two = new SshdServer(trustedUserCaKeys: new[] { _minter.CaPublicKeyLine });
            string known = _tmp.File("known_hosts");
            File.WriteAllLines(known, new[] { File.ReadAllText(one.KnownHostsPath).Trim(), File.ReadAllText(two.KnownHostsPath).Trim() });
            var options = new SshSessionOptions { Command = "echo $SSH_CONNECTION", ConfigFile = "/dev/null" };
            options.SshOptions.Add(new KeyValuePair<string, string>("UserKnownHostsFile", known));

            IReadOnlyList<SshSessionResult> results = await SshSession.WithCertificates(_minter.IssueAsync, options).RunAsync(new[]
            {
                new SshTarget("127.0.0.1", SshdServer.CurrentUser, one.Port),
                new SshTarget("127.0.0.1", SshdServer.CurrentUser, two.Port),
                new SshTarget("127.0.0.1", SshdServer.CurrentUser, 70000),
            }, null, CancellationToken.None);

            Assert.True(results[0].Succeeded, results[0].ErrorMessage + results[0].Error);
            Assert.EndsWith($" {one.Port}", results[0].Output.Trim());
            Assert.True(results[1].Succeeded, results[1].ErrorMessage + results[1].Error);
            Assert.EndsWith($" {two.Port}", results[1].Output.Trim());
            Assert.Equal("SshPortInvalid", results[2].ErrorId);
        }

        [Fact]
        public async Task ACaKeyInKmsLogsIn()
        {
            using var moto = new MotoServer();
            KeyUri uri = KeyUri.Parse("awskms:alias/session-ca-" + Guid.NewGuid().ToString("N").Substring(0, 8));
            ISigningKey created = await SigningKeys.CreateAsync(uri, "ECC_NIST_P256", moto.Settings, CancellationToken.None);
            CertificateAuthority ca = await CertificateAuthority.OpenAsync(uri, moto.Settings, CancellationToken.None);
            using var server = new SshdServer(trustedUserCaKeys: new[] { created.PublicKey.ToString() });

            SshSessionResult r = await SshSession.WithAuthority(ca, SshSessionTests.OptionsFor(server, "echo via-kms"))
                .RunHostAsync("127.0.0.1", CancellationToken.None);

            Assert.True(r.Succeeded, r.ErrorMessage + r.Error + server.Log);
            Assert.Equal("via-kms", r.Output.Trim());
            Assert.Matches($@"Accepted publickey for {SshdServer.CurrentUser} .* ID .*\(serial {r.CertificateSerial}\) CA ECDSA", server.Log);
            Assert.StartsWith("arn:aws:", ca.Operator);
        }
    }
}
