using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Net.Sockets;
using System.Threading;

namespace SshKms.Tests.Infrastructure
{
    /// <summary>
    /// A real OpenSSH sshd on a free 127.0.0.1 port with its own host key and config, started as
    /// `/usr/sbin/sshd -D -e -f &lt;config&gt;`. Tests log in as the current user (root in CI).
    /// Dispose ends exactly the process this started.
    /// </summary>
    public sealed class SshdServer : IDisposable
    {
        private readonly TempDir _dir = new TempDir("sshkms-sshd");
        private readonly Process _process;
        private readonly List<string> _log = new List<string>();

        /// <param name="trustedUserCaKeys">Lines for TrustedUserCAKeys (CA public keys); none disables it.</param>
        /// <param name="authorizedKeys">Lines for the user's authorized_keys, kept in this server's own folder.</param>
        /// <param name="extraConfig">More sshd_config lines.</param>
        /// <param name="scriptAuthorizedKeys">The file the rotation's authorized_keys script edits on this node (SSHKMS_AUTHORIZED_KEYS); default: the one sshd reads.</param>
        public SshdServer(IEnumerable<string>? trustedUserCaKeys = null, IEnumerable<string>? authorizedKeys = null, IEnumerable<string>? extraConfig = null,
            string? scriptAuthorizedKeys = null)
        {
            Directory.CreateDirectory("/run/sshd");
            Port = FreePort.Next();
            HostKeyPath = _dir.File("ssh_host_ed25519_key");
            Tool.Check("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", HostKeyPath);
            HostPublicKey = File.ReadAllText(HostKeyPath + ".pub").Trim();
            AuthorizedKeysPath = _dir.File("authorized_keys");
            File.WriteAllLines(AuthorizedKeysPath, authorizedKeys ?? Array.Empty<string>());
            File.SetUnixFileMode(AuthorizedKeysPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            var config = new List<string>
            {
                $"Port {Port}",
                "ListenAddress 127.0.0.1",
                $"HostKey {HostKeyPath}",
                $"PidFile {_dir.File("sshd.pid")}",
                $"AuthorizedKeysFile {AuthorizedKeysPath}",
                "PasswordAuthentication no",
                "KbdInteractiveAuthentication no",
                "PubkeyAuthentication yes",
                "PermitRootLogin prohibit-password",
                "StrictModes no",
                "UsePAM no",
                "LogLevel VERBOSE",
                "MaxStartups 100:30:200",
                "MaxSessions 50",

                // Sessions on this node see where its authorized_keys is, as SSM's fake agent tells the script. HOME is an
                // empty folder so that the login shell does not run the machine user's ~/.bashrc (here pyenv init, ~0.7 s
                // per login, serialised on a lock). sshd honours only the first SetEnv line, so both go on one.
                $"SetEnv SSHKMS_AUTHORIZED_KEYS={scriptAuthorizedKeys ?? AuthorizedKeysPath} HOME={Directory.CreateDirectory(_dir.File("home")).FullName}",
            };
            if (trustedUserCaKeys != null)
            {
                CaKeysPath = _dir.File("trusted_user_ca_keys");
                File.WriteAllLines(CaKeysPath, trustedUserCaKeys);
                config.Add($"TrustedUserCAKeys {CaKeysPath}");
            }

            config.AddRange(extraConfig ?? Array.Empty<string>());
            ConfigPath = _dir.File("sshd_config");
            File.WriteAllLines(ConfigPath, config);
            KnownHostsPath = _dir.File("known_hosts");
            File.WriteAllText(KnownHostsPath, $"[127.0.0.1]:{Port} {HostPublicKey}\n");

            var psi = new ProcessStartInfo("/usr/sbin/sshd") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
            foreach (string a in new[] { "-D", "-e", "-f", ConfigPath })
            {
                psi.ArgumentList.Add(a);
            }

            _process = Process.Start(psi) ?? throw new InvalidOperationException("sshd did not start");
            _process.ErrorDataReceived += (_, e) => { if (e.Data != null) { lock (_log) { _log.Add(e.Data); } } };
            _process.OutputDataReceived += (_, e) => { };
            _process.BeginErrorReadLine();
            _process.BeginOutputReadLine();
            WaitForPort();
        }

        public int Port { get; }

        public string ConfigPath { get; }

        public string HostKeyPath { get; }

        /// <summary>"ssh-ed25519 AAAA..." of this server's host key.</summary>
        public string HostPublicKey { get; }

        /// <summary>A known_hosts file that trusts exactly this server.</summary>
        public string KnownHostsPath { get; }

        public string AuthorizedKeysPath { get; }

        public string? CaKeysPath { get; }

        public static string CurrentUser => Environment.UserName;

        /// <summary>What sshd has logged so far (LogLevel VERBOSE): which key or certificate was accepted, and why logins failed.</summary>
        public string Log
        {
            get
            {
                lock (_log)
                {
                    return string.Join("\n", _log);
                }
            }
        }

        /// <summary>ssh options for a strict, non-interactive client of this server that ignores the user's own config.</summary>
        public string[] ClientOptions(string? identityAgent = null) => new[]
        {
            "-F", "/dev/null",
            "-p", Port.ToString(),
            "-o", "BatchMode=yes",
            "-o", "StrictHostKeyChecking=yes",
            "-o", $"UserKnownHostsFile={KnownHostsPath}",
            "-o", "GlobalKnownHostsFile=/dev/null",
            "-o", "ConnectTimeout=10",
            "-o", $"IdentityAgent={identityAgent ?? "none"}",
        };

        private void WaitForPort()
        {
            var deadline = DateTime.UtcNow.AddSeconds(20);
            while (DateTime.UtcNow < deadline)
            {
                if (_process.HasExited)
                {
                    throw new InvalidOperationException($"sshd exited with {_process.ExitCode}: {Log}");
                }

                try
                {
                    using var client = new TcpClient();
                    client.Connect("127.0.0.1", Port);
                    return;
                }
                catch (SocketException)
                {
                    Thread.Sleep(50);
                }
            }

            throw new TimeoutException($"sshd did not listen on {Port}: {Log}");
        }

        public void Dispose()
        {
            try
            {
                if (!_process.HasExited)
                {
                    _process.Kill(entireProcessTree: true);
                    _process.WaitForExit(5000);
                }
            }
            catch (InvalidOperationException)
            {
            }

            _process.Dispose();
            _dir.Dispose();
        }
    }
}
