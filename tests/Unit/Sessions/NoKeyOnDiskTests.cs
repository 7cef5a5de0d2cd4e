using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using SshKms.Core.OpenSsh;
using SshKms.Core.Sessions;
using SshKms.Tests.Infrastructure;
using Xunit;

namespace SshKms.Tests.Sessions
{
    /// <summary>
    /// strace follows this test process and every child (ssh included) while a session runs, records every file
    /// opened for creation or renamed into place, and the test reads each one for private key material.
    /// A negative control writes a key on purpose inside the traced window and must be caught.
    /// </summary>
    [Collection("sessions")]
    public sealed class NoKeyOnDiskTests : IDisposable
    {
        private readonly InMemoryCertificateMinter _minter = new InMemoryCertificateMinter();
        private readonly TempDir _tmp = new TempDir("sshkms-trace");

        [Theory]
        [InlineData(SshTransportKind.OpenSsh)]
        [InlineData(SshTransportKind.Managed)]
        public async Task ASessionCreatesNoFileHoldingPrivateKeyMaterial(SshTransportKind transport)
        {
            using SshdServer server = new SshdServer(trustedUserCaKeys: new[] { _minter.CaPublicKeyLine });
            string controlFile = _tmp.File("control-key");
            List<string> created;
            List<string> executed;
            SshSessionResult result;
            SshSessionOptions options = SshSessionTests.OptionsFor(server, "echo traced");
            options.Transport = transport;
            using (var trace = new FileCreationTrace(_tmp.File("strace.log")))
            {
                result = (await SshSession.WithCertificates(_minter.IssueAsync, options).RunAsync(new[] { "127.0.0.1" }, null, CancellationToken.None)).Single();

                // Negative control: exactly what a careless implementation would do.
                using SshPrivateKey leaked = SshPrivateKey.Generate(SshKeyAlgorithm.EcdsaP256);
                File.WriteAllText(controlFile, leaked.ToOpenSshFormat());
                created = trace.Stop();
                executed = trace.Executed;
            }

            Assert.Equal("traced\n", result.Output);
            Assert.Contains(controlFile, created);
            Assert.Contains($"(serial {result.CertificateSerial}) CA ", server.Log);
            if (transport == SshTransportKind.OpenSsh)
            {
                // The trace saw the session's own agent directory and socket, and followed ssh itself.
                Assert.Contains(created, p => p.Contains("sshkms-agent-") && p.EndsWith("agent.sock"));
                Assert.Contains(executed, p => p.EndsWith("/ssh"));
            }
            else
            {
                // In process: no file, folder or socket at all but the test's own, and no program started but the kill that stops the trace.
                Assert.Empty(created.Except(new[] { controlFile, _tmp.File("probe") }));
                Assert.All(executed, p => Assert.EndsWith("/kill", p));
            }

            List<string> holdingKeys = created.Where(HoldsPrivateKey).ToList();
            Assert.Equal(new[] { controlFile }, holdingKeys);
        }

        private static bool HoldsPrivateKey(string path)
        {
            try
            {
                if (!File.Exists(path))
                {
                    return false;
                }

                string text = Encoding.Latin1.GetString(File.ReadAllBytes(path));
                return text.Contains("PRIVATE KEY") || text.Contains("openssh-key-v1");
            }
            catch (IOException)
            {
                return false;
            }
            catch (UnauthorizedAccessException)
            {
                return false;
            }
        }

        public void Dispose()
        {
            _minter.Dispose();
            _tmp.Dispose();
        }

        /// <summary>strace -f attached to this process: every path opened with O_CREAT, creat()ed, or renamed to.</summary>
        private sealed class FileCreationTrace : IDisposable
        {
            private readonly Process _strace;
            private readonly string _log;

            public FileCreationTrace(string log)
            {
                _log = log;
                var psi = new ProcessStartInfo("strace") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
                foreach (string a in new[] { "-f", "-qq", "-e", "trace=openat,open,creat,rename,renameat,renameat2,link,linkat,mkdir,mkdirat,bind,execve", "-o", log, "-p", Environment.ProcessId.ToString() })
                {
                    psi.ArgumentList.Add(a);
                }

                _strace = Process.Start(psi)!;
                _strace.BeginErrorReadLine();
                _strace.BeginOutputReadLine();
                // Attached once our own probe file shows up in the log.
                string probe = Path.Combine(Path.GetDirectoryName(log)!, "probe");
                var deadline = DateTime.UtcNow.AddSeconds(20);
                while (DateTime.UtcNow < deadline)
                {
                    File.WriteAllText(probe, "x");
                    Thread.Sleep(100);
                    if (File.Exists(log) && ReadLog().Contains(probe))
                    {
                        return;
                    }
                }

                throw new TimeoutException("strace did not attach");
            }

            private string ReadLog()
            {
                using var fs = new FileStream(_log, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
                return new StreamReader(fs).ReadToEnd();
            }

            public List<string> Executed { get; } = new List<string>();

            public List<string> Stop()
            {
                Tool.Run("kill", new[] { "-INT", _strace.Id.ToString() });
                _strace.WaitForExit(20000);
                var paths = new List<string>();
                foreach (string line in ReadLog().Split('\n'))
                {
                    Match m = Regex.Match(line, @"\b(openat|open|creat)\((?:AT_FDCWD, )?""([^""]+)""(.*)");
                    if (m.Success && (m.Groups[1].Value == "creat" || m.Groups[3].Value.Contains("O_CREAT")))
                    {
                        paths.Add(m.Groups[2].Value);
                    }

                    Match d = Regex.Match(line, @"\b(?:mkdirat?\((?:AT_FDCWD, )?|sun_path="")""?([^""]+)""");
                    if (d.Success)
                    {
                        paths.Add(d.Groups[1].Value);
                    }

                    Match x = Regex.Match(line, @"\bexecve\(""([^""]+)""");
                    if (x.Success)
                    {
                        Executed.Add(x.Groups[1].Value);
                    }

                    Match r = Regex.Match(line, @"\b(rename|renameat2?|link|linkat)\(.*""[^""]+"".*""([^""]+)""");
                    if (r.Success)
                    {
                        paths.Add(r.Groups[2].Value);
                    }
                }

                return paths.Distinct().ToList();
            }

            public void Dispose()
            {
                if (!_strace.HasExited)
                {
                    _strace.Kill();
                }

                _strace.Dispose();
            }
        }
    }

    /// <summary>
    /// Session tests look at what the whole process does (an strace of it, agent folders in the temp directory),
    /// so they run alone, after the parallel collections: another test's sshd host key or rotation session would
    /// otherwise show up in what they observe.
    /// </summary>
    [CollectionDefinition("sessions", DisableParallelization = true)]
    public sealed class SessionsCollection
    {
    }
}
