using System;
using System.IO;
using System.Linq;
using System.Management.Automation;
using SshKms.Core.Sessions;
using SshKms.Tests.Infrastructure;
using Xunit;

namespace SshKms.Tests.Sessions
{
    /// <summary>
    /// Invoke-SshKmsSession and Copy-SshKmsItem in a real runspace, certified by a real local CA that a real sshd
    /// trusts: binding, per-host error records, -WhatIf.
    /// </summary>
    [Collection("sessions")]
    public sealed class SessionCmdletTests : IDisposable
    {
        private readonly TempDir _tmp = new TempDir("sshkms-cmdlet-session");
        private readonly ModuleRunspace _ps = new ModuleRunspace();
        private readonly string _ca = TestHome.NewLocalCa("session-ca");

        public void Dispose()
        {
            _ps.Dispose();
            _tmp.Dispose();
        }

        private string[] AgentFolders() => Directory.GetDirectories(Path.GetTempPath(), $"sshkms-agent-{Environment.ProcessId}-*");

        [Fact]
        public void RunsOnHostsAndReportsFailuresAsErrorRecordsWithTheirIds()
        {
            using var server = new SshdServer(trustedUserCaKeys: new[] { TestHome.CaPublicKeyLine(_ca) });
            string config = _tmp.File("config");
            File.WriteAllText(config, $"Host good\n  HostName 127.0.0.1\n  Port {server.Port}\nHost dead\n  HostName 127.0.0.1\n  Port {FreePort.Next()}\n");
            RunResult r = _ps.Run(
                "'good', 'dead' | Invoke-SshKmsSession -Command 'id -un' -UserName $u -KeyType Ed25519 -Validity 2m -CaKey $ca -ConfigFile $c -SshOption @{ UserKnownHostsFile = $kh }",
                ("u", SshdServer.CurrentUser), ("ca", _ca), ("c", config), ("kh", server.KnownHostsPath));

            var results = r.Output.Select(o => (SshSessionResult)o.BaseObject).OrderBy(x => x.HostName).ToList();
            Assert.Equal(new[] { "dead", "good" }, results.Select(x => x.HostName));
            Assert.Equal(SshdServer.CurrentUser + "\n", results[1].Output);
            ErrorRecord error = r.Error;
            Assert.Equal("HostUnreachable", r.ErrorId);
            Assert.Equal(ErrorCategory.ConnectionError, error.CategoryInfo.Category);
            Assert.StartsWith("dead: ", error.Exception.Message);

            // The certificates came from the CA through the product's journal: one per host, ed25519 subject keys.
            var issued = TestHome.IssuedBy(_ca);
            Assert.Equal(2, issued.Count);
            Assert.All(issued, e => Assert.Equal("ssh-ed25519", e.GetProperty("subjectKeyType").GetString()));
            Assert.Contains(results[1].CertificateSerial!.Value, issued.Select(e => e.GetProperty("serial").GetUInt64()));
        }

        [Fact]
        public void CopyItemCopiesFromTheHost()
        {
            using var server = new SshdServer(trustedUserCaKeys: new[] { TestHome.CaPublicKeyLine(_ca) }, extraConfig: new[] { "Subsystem sftp internal-sftp" });
            File.WriteAllText(_tmp.File("remote.txt"), "from-host");
            var result = (SshSessionResult)Assert.Single(_ps.Ok(
                "Copy-SshKmsItem -Path $src -Destination $dst -CaKey $ca -UserName $u -Port $p -ConfigFile /dev/null -SshOption @{ UserKnownHostsFile = $kh }",
                ("src", "127.0.0.1:" + _tmp.File("remote.txt")), ("dst", _tmp.File("local.txt")), ("ca", _ca), ("u", SshdServer.CurrentUser),
                ("p", server.Port), ("kh", server.KnownHostsPath))).BaseObject;
            Assert.True(result.Succeeded, result.ErrorMessage + result.Error);
            Assert.Equal("from-host", File.ReadAllText(_tmp.File("local.txt")));
        }

        [Fact]
        public void PipedObjectsKeepTheirOwnPortAndLocalOperandsResolveAgainstTheCurrentLocation()
        {
            using var one = new SshdServer(trustedUserCaKeys: new[] { TestHome.CaPublicKeyLine(_ca) }, extraConfig: new[] { "Subsystem sftp internal-sftp" });
            using var two = new SshdServer(trustedUserCaKeys: new[] { TestHome.CaPublicKeyLine(_ca) });
            var results = _ps.Ok(
                "@([pscustomobject]@{ HostName = '127.0.0.1'; Port = $p1; UserName = $u }, [pscustomobject]@{ HostName = '127.0.0.1'; Port = $p2; UserName = $u }) | " +
                "Invoke-SshKmsSession -Command 'echo $SSH_CONNECTION' -CaKey $ca -ConfigFile /dev/null -AcceptNewHostKey -SshOption @{ UserKnownHostsFile = $kh }",
                ("p1", one.Port), ("p2", two.Port), ("u", SshdServer.CurrentUser), ("ca", _ca), ("kh", _tmp.File("known_hosts")))
                .Select(o => (SshSessionResult)o.BaseObject).ToList();
            Assert.Equal(new[] { one.Port, two.Port }.OrderBy(p => p), results.Select(r => int.Parse(r.Output.Trim().Split(' ').Last())).OrderBy(p => p));

            // scp runs in the process's directory; ./local.txt means the runspace's location.
            File.WriteAllText(_tmp.File("remote.txt"), "from-host");
            _ps.Ok("Push-Location $d; try { Copy-SshKmsItem -Path $src -Destination ./local.txt -CaKey $ca -UserName $u -Port $p1 -ConfigFile /dev/null -SshOption @{ UserKnownHostsFile = $kh } } finally { Pop-Location }",
                ("d", _tmp.Path), ("src", "127.0.0.1:" + _tmp.File("remote.txt")), ("ca", _ca), ("u", SshdServer.CurrentUser), ("p1", one.Port), ("kh", _tmp.File("known_hosts")));
            Assert.Equal("from-host", File.ReadAllText(_tmp.File("local.txt")));
        }

        [Fact]
        public void WhatIfConnectsNowhereSignsNothingAndStartsNoAgent()
        {
            using var server = new SshdServer(trustedUserCaKeys: new[] { TestHome.CaPublicKeyLine(_ca) }, extraConfig: new[] { "Subsystem sftp internal-sftp" });
            File.WriteAllText(_tmp.File("remote.txt"), "from-host");
            string[] agentsBefore = AgentFolders();
            RunResult r = _ps.Run(
                "Invoke-SshKmsSession 127.0.0.1 'id -un' -CaKey $ca -UserName $u -Port $p -ConfigFile /dev/null -SshOption @{ UserKnownHostsFile = $kh } -WhatIf; " +
                "Copy-SshKmsItem -Path $src -Destination $dst -CaKey $ca -UserName $u -Port $p -ConfigFile /dev/null -SshOption @{ UserKnownHostsFile = $kh } -WhatIf",
                ("ca", _ca), ("u", SshdServer.CurrentUser), ("p", server.Port), ("kh", server.KnownHostsPath),
                ("src", "127.0.0.1:" + _tmp.File("remote.txt")), ("dst", _tmp.File("local.txt")));
            Assert.Empty(r.Errors);
            Assert.Empty(r.Output);
            Assert.Empty(TestHome.IssuedBy(_ca));
            Assert.False(File.Exists(_tmp.File("local.txt")));
            // The server's own readiness probe shows as a bare connection in its log: no client may have begun to log in.
            Assert.DoesNotMatch("Accepted|Failed|Postponed|authenticating user|Invalid user", server.Log);
            Assert.Equal(agentsBefore, AgentFolders());
        }

        [Fact]
        public void ASessionNeverCreatesANamedLocalCa()
        {
            string missing = TestHome.NewLocalKey("session-missing");
            RunResult r = _ps.Run("Invoke-SshKmsSession 127.0.0.1 true -CaKey $ca -Port 1", ("ca", missing));
            Assert.Equal("KeyNotFound", r.ErrorId);
            Assert.False(File.Exists(TestHome.KeyFile(missing.Substring("local:".Length))));
        }
    }
}
