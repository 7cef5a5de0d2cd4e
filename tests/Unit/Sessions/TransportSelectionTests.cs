using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using SshKms.Core.Sessions;
using SshKms.Tests.Infrastructure;
using SshKms.Tests.Parity;
using Xunit;

namespace SshKms.Tests.Sessions
{
    /// <summary>
    /// Which transport Auto picks, seen from outside: the CLI as a process and the cmdlet in a runspace, against a real
    /// sshd. Without `ssh` on PATH only the in-process client can log in (the OpenSsh transport is shown to fail there
    /// with SshClientNotFound). With ssh on PATH, the host is an alias that only an ssh_config file defines: the system
    /// ssh reaches it and the Managed transport, which reads no ssh_config, does not, so a login there was OpenSsh's.
    /// </summary>
    [Collection("sessions")]
    public sealed class TransportSelectionTests : IDisposable
    {
        private const string Alias = "selection-alias";
        private readonly TempDir _tmp = new TempDir("sshkms-transport-selection");
        private readonly string _ca = TestHome.NewLocalCa("selection-ca");
        private readonly SshdServer _server;

        /// <summary>A PATH of one folder holding only the dotnet host that runs the CLI: no ssh, no scp.</summary>
        private readonly string _pathWithoutSsh;

        /// <summary>An ssh_config that alone says where <see cref="Alias"/> is and which host key it has.</summary>
        private readonly string _sshConfig;

        public TransportSelectionTests()
        {
            _server = new SshdServer(trustedUserCaKeys: new[] { TestHome.CaPublicKeyLine(_ca) });
            _pathWithoutSsh = Directory.CreateDirectory(_tmp.File("bin")).FullName;
            string dotnet = Tool.Check("sh", "-c", "readlink -f \"$(command -v dotnet)\"").Trim();
            File.CreateSymbolicLink(Path.Combine(_pathWithoutSsh, "dotnet"), dotnet);
            _sshConfig = _tmp.File("ssh_config");
            File.WriteAllText(_sshConfig, $"Host {Alias}\n  HostName 127.0.0.1\n  Port {_server.Port}\n  UserKnownHostsFile {_server.KnownHostsPath}\n"
                + "  GlobalKnownHostsFile /dev/null\n  StrictHostKeyChecking yes\n  BatchMode yes\n");
        }

        public void Dispose()
        {
            _server.Dispose();
            _tmp.Dispose();
        }

        private Dictionary<string, string?> NoSshOnPath => new Dictionary<string, string?> { ["PATH"] = _pathWithoutSsh };

        /// <summary>`sshkms ssh` to 127.0.0.1 on the server's port, known_hosts given as the option both transports read.</summary>
        private string[] Loopback(string word, params string[] transport) =>
            new[] { "ssh", "--ca", _ca, "--user", SshdServer.CurrentUser, "--port", _server.Port.ToString(), "--ssh-option", "UserKnownHostsFile=" + _server.KnownHostsPath }
                .Concat(transport).Concat(new[] { "127.0.0.1", "--", "echo", word }).ToArray();

        private string[] ToAlias(string word, params string[] transport) =>
            new[] { "ssh", "--ca", _ca, "--user", SshdServer.CurrentUser, "--ssh-config", _sshConfig }
                .Concat(transport).Concat(new[] { Alias, "--", "echo", word }).ToArray();

        private int Logins => _server.Log.Split('\n').Count(l => l.Contains("Accepted publickey"));

        [Fact]
        public void TheCliWithoutSshOnPathPicksManagedByItselfAndWhenAsked()
        {
            Assert.False(File.Exists(Path.Combine(_pathWithoutSsh, "ssh")));
            foreach (string[] transport in new[] { Array.Empty<string>(), new[] { "--transport", "managed" } })
            {
                int before = Logins;
                Tool.Result r = Tool.Sshkms(Loopback("no-ssh-ok", transport), NoSshOnPath);
                Assert.True(r.ExitCode == 0, string.Join(" ", transport) + ": " + r.Error);
                Assert.Equal("no-ssh-ok\n", r.Output);
                Assert.Equal(before + 1, Logins);
            }
        }

        [Fact]
        public void TheCliWithSshOnPathPicksOpenSshWhichHonoursSshConfig()
        {
            Tool.Result auto = Tool.Sshkms(ToAlias("via-ssh-config"));
            Assert.True(auto.ExitCode == 0, auto.Error);
            Assert.Equal("via-ssh-config\n", auto.Output);
            Assert.Equal(1, Logins);

            // The control: the in-process client does not read ssh_config, so it cannot find the alias at all.
            Tool.Result managed = Tool.Sshkms(ToAlias("should-not-run", "--transport", "managed"));
            Assert.NotEqual(0, managed.ExitCode);
            Assert.Equal("HostUnreachable", FrontEndParity.CliErrorId(managed.Error));
            Assert.Equal(1, Logins);
        }

        [Fact]
        public void TheCmdletInARunspaceWithoutSshOnPathPicksManaged()
        {
            using var ps = new ModuleRunspace();
            string pathBefore = Environment.GetEnvironmentVariable("PATH")!;
            // $env:PATH is this process's PATH: the runspace puts it back whatever happens.
            var result = (SshSessionResult)Assert.Single(ps.Ok(
                "$saved = $env:PATH; try { $env:PATH = $bin; "
                + "Invoke-SshKmsSession 127.0.0.1 'echo cmdlet-no-ssh' -CaKey $ca -UserName $u -Port $p -SshOption @{ UserKnownHostsFile = $kh } "
                + "} finally { $env:PATH = $saved }",
                ("bin", _pathWithoutSsh), ("ca", _ca), ("u", SshdServer.CurrentUser), ("p", _server.Port), ("kh", _server.KnownHostsPath))).BaseObject;
            Assert.Equal(pathBefore, Environment.GetEnvironmentVariable("PATH"));
            Assert.True(result.Succeeded, result.ErrorId + " " + result.ErrorMessage + result.Error);
            Assert.Equal("cmdlet-no-ssh\n", result.Output);
            Assert.Contains($"(serial {result.CertificateSerial}) CA ", _server.Log);
        }

        [Fact]
        public void TheCmdletWithSshOnPathPicksOpenSshWhichHonoursSshConfig()
        {
            using var ps = new ModuleRunspace();
            var auto = (SshSessionResult)Assert.Single(ps.Ok(
                "Invoke-SshKmsSession $alias 'echo cmdlet-ssh-config' -CaKey $ca -UserName $u -ConfigFile $cfg",
                ("alias", Alias), ("ca", _ca), ("u", SshdServer.CurrentUser), ("cfg", _sshConfig))).BaseObject;
            Assert.True(auto.Succeeded, auto.ErrorId + " " + auto.ErrorMessage + auto.Error);
            Assert.Equal("cmdlet-ssh-config\n", auto.Output);
            Assert.Contains($"(serial {auto.CertificateSerial}) CA ", _server.Log);

            RunResult managed = ps.Run("Invoke-SshKmsSession $alias 'echo should-not-run' -Transport Managed -CaKey $ca -UserName $u -ConfigFile $cfg",
                ("alias", Alias), ("ca", _ca), ("u", SshdServer.CurrentUser), ("cfg", _sshConfig));
            Assert.Equal("HostUnreachable", managed.ErrorId);
            Assert.Equal(1, Logins);
        }

        [Fact]
        public void OpenSshAskedForWithoutSshOnPathIsSshClientNotFoundOnBothFrontEnds()
        {
            FrontEndParity.AssertSameErrorId("SshClientNotFound",
                "$saved = $env:PATH; try { $env:PATH = $bin; Invoke-SshKmsSession 127.0.0.1 'echo should-not-run' -Transport OpenSsh -CaKey $ca -UserName $u -Port $p } "
                + "finally { $env:PATH = $saved }",
                Loopback("should-not-run", "--transport", "openssh"), NoSshOnPath, null,
                ("bin", _pathWithoutSsh), ("ca", _ca), ("u", SshdServer.CurrentUser), ("p", _server.Port));
            Assert.Equal(0, Logins);
        }
    }
}
