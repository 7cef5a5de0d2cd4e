using System;
using System.Diagnostics;
using System.IO;
using Xunit;

namespace SshKms.Tests.OpenSsh
{
    /// <summary>
    /// A private temp folder plus the real ssh-keygen, the independent peer our wire format must agree with.
    /// Dispose removes the folder and everything ssh-keygen wrote in it.
    /// </summary>
    public sealed class SshKeygen : IDisposable
    {
        public SshKeygen()
        {
            Dir = Path.Combine(Path.GetTempPath(), "sshkms-test-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(Dir);
        }

        public string Dir { get; }

        public string PathOf(string name) => Path.Combine(Dir, name);

        /// <summary>Runs ssh-keygen with arguments given as a list (no shell quoting); asserts it exits 0.</summary>
        public string Run(params string[] args) => RunWithInput(null, args);

        public string RunWithInput(string? stdin, params string[] args)
        {
            (int code, string output, string error) = TryRun(stdin, args);
            Assert.True(code == 0, $"ssh-keygen {string.Join(" ", args)} failed ({code}): {error}");
            return output;
        }

        public (int ExitCode, string Output, string Error) TryRun(string? stdin, params string[] args)
        {
            var psi = new ProcessStartInfo("ssh-keygen")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                RedirectStandardInput = true,
                WorkingDirectory = Dir,
            };

            // -L prints validity in local time; pin it so expected listings can be computed.
            psi.Environment["TZ"] = "UTC";
            foreach (string a in args)
            {
                psi.ArgumentList.Add(a);
            }

            using var p = Process.Start(psi)!;
            if (stdin != null)
            {
                p.StandardInput.Write(stdin);
            }

            p.StandardInput.Close();
            var errTask = p.StandardError.ReadToEndAsync();
            string output = p.StandardOutput.ReadToEnd();
            if (!p.WaitForExit(30_000))
            {
                p.Kill();
                throw new TimeoutException($"ssh-keygen {string.Join(" ", args)} hung");
            }

            return (p.ExitCode, output, errTask.Result);
        }

        /// <summary>Makes an unencrypted key pair with ssh-keygen; returns the private key path ("name.pub" beside it).</summary>
        public string Generate(string name, string type, int? bits = null, string passphrase = "")
        {
            string path = PathOf(name);
            if (bits.HasValue)
            {
                Run("-q", "-t", type, "-b", bits.Value.ToString(), "-N", passphrase, "-C", name, "-f", path);
            }
            else
            {
                Run("-q", "-t", type, "-N", passphrase, "-C", name, "-f", path);
            }

            return path;
        }

        /// <summary>Writes text to a file in the folder with owner-only mode (ssh-keygen refuses group-readable keys).</summary>
        public string Write(string name, string text)
        {
            string path = PathOf(name);
            File.WriteAllText(path, text);
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            return path;
        }

        public void Dispose()
        {
            try
            {
                Directory.Delete(Dir, true);
            }
            catch (IOException)
            {
                // A leftover temp folder must not fail the test that made it.
            }
        }
    }
}
