using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Net.Sockets;
using System.Threading;
using SshKms.Core.Keys;
using SshKms.Core.OpenSsh;
using SshKms.Tests.Infrastructure;

namespace SshKms.Tests.Trust
{
    /// <summary>
    /// A temp folder laid out as Debian lays out /etc/ssh: sshd_config whose first line includes sshd_config.d/*.conf,
    /// a host key, a PidFile, and a real sshd started on that configuration on demand. Dispose ends the sshd it started.
    /// </summary>
    public sealed class TrustSshd : IDisposable
    {
        private readonly TempDir _dir = new TempDir("sshkms-trust");
        private readonly List<string> _log = new List<string>();
        private Process? _process;

        /// <param name="debianInclude">Whether the main file starts with `Include DIR/sshd_config.d/*.conf`.</param>
        /// <param name="extraLines">More lines for the main file, after the Include.</param>
        public TrustSshd(bool debianInclude = true, IEnumerable<string>? extraLines = null)
        {
            Directory.CreateDirectory("/run/sshd");
            Directory.CreateDirectory(_dir.File("sshd_config.d"));
            Port = FreePort.Next();
            HostKeyPath = _dir.File("ssh_host_ed25519_key");
            Tool.Check("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", HostKeyPath);
            var lines = new List<string>();
            if (debianInclude)
            {
                lines.Add($"Include {_dir.File("sshd_config.d")}/*.conf");
            }

            lines.AddRange(extraLines ?? Enumerable.Empty<string>());
            lines.AddRange(new[]
            {
                $"Port {Port}",
                "ListenAddress 127.0.0.1",
                $"HostKey {HostKeyPath}",
                $"PidFile {PidFile}",
                "AuthorizedKeysFile none",
                "PasswordAuthentication no",
                "KbdInteractiveAuthentication no",
                "PermitRootLogin prohibit-password",
                "StrictModes no",
                "UsePAM no",
                "LogLevel VERBOSE",

                // An empty HOME, so the login shell does not run the machine user's ~/.bashrc.
                $"SetEnv HOME={Directory.CreateDirectory(_dir.File("home")).FullName}",
            });
            File.WriteAllLines(ConfigPath, lines);
        }

        public string Folder => _dir.Path;

        public string ConfigPath => _dir.File("sshd_config");

        public string PidFile => _dir.File("sshd.pid");

        public string HostKeyPath { get; }

        public int Port { get; }

        public static string User => Environment.UserName;

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

        /// <summary>Every file below the folder with its bytes and modification time: any write shows, even of the same bytes.</summary>
        public Dictionary<string, (string Hash, DateTime Modified)> Snapshot() =>
            Directory.GetFiles(Folder, "*", SearchOption.AllDirectories)
                .Where(f => !f.EndsWith(".pid", StringComparison.Ordinal))
                .ToDictionary(f => f, f => (Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(f))), File.GetLastWriteTimeUtc(f)));

        public void Start()
        {
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

        /// <summary>
        /// Logs in with a fresh key and a user certificate for <paramref name="principals"/> signed by <paramref name="caKey"/>.
        /// <paramref name="knownHostsLine"/>: the only known_hosts line the client has (default: the host key itself).
        /// </summary>
        public Tool.Result Login(string caKey, string[] principals, string? knownHostsLine = null, string? hostName = null)
        {
            string key = _dir.File("id-" + Guid.NewGuid().ToString("N").Substring(0, 6));
            using var subject = SshPrivateKey.Generate(SshKeyAlgorithm.Ed25519, "login");
            File.WriteAllText(key, subject.ToOpenSshFormat());
            File.SetUnixFileMode(key, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            var ca = SshKms.Core.Authority.CertificateAuthority.OpenAsync(KeyUri.Parse(caKey), new SshKms.Core.Aws.AwsSettings(), CancellationToken.None).GetAwaiter().GetResult();
            var request = new SshKms.Core.Authority.CertificateRequest(subject.PublicKey);
            foreach (string p in principals)
            {
                request.Principals.Add(p);
            }

            SshCertificate cert = ca.IssueAsync(request, CancellationToken.None).GetAwaiter().GetResult();
            File.WriteAllText(key + "-cert.pub", cert + "\n");
            string knownHosts = _dir.File("known_hosts-" + Guid.NewGuid().ToString("N").Substring(0, 6));
            File.WriteAllText(knownHosts, (knownHostsLine ?? $"[127.0.0.1]:{Port} {File.ReadAllText(HostKeyPath + ".pub").Trim()}") + "\n");
            return Tool.Run("ssh", new[]
            {
                "-F", "/dev/null", "-p", Port.ToString(), "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes",
                "-o", $"UserKnownHostsFile={knownHosts}", "-o", "GlobalKnownHostsFile=/dev/null", "-o", "ConnectTimeout=10",
                "-o", "IdentityAgent=none", "-i", key, "-o", "CertificateFile=" + key + "-cert.pub", "-o", "IdentitiesOnly=yes",
                $"{User}@{hostName ?? "127.0.0.1"}", "echo", "certified",
            });
        }

        public void Dispose()
        {
            try
            {
                if (_process != null && !_process.HasExited)
                {
                    _process.Kill(entireProcessTree: true);
                    _process.WaitForExit(5000);
                }
            }
            catch (InvalidOperationException)
            {
            }

            _process?.Dispose();
            _dir.Dispose();
        }
    }
}
