using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;
using SshKms.Core.Sessions;

namespace SshKms.Core.Trust
{
    /// <summary>
    /// The sshd binary as the judge of a configuration: `sshd -t -f FILE` validates it, `sshd -T -f FILE -C ...`
    /// prints the effective values. Our own reading of sshd_config only orders keywords; sshd decides what they mean.
    /// </summary>
    internal sealed class SshdProgram
    {
        private SshdProgram(string path)
        {
            Path = path;
        }

        public string Path { get; }

        /// <summary>The given path, else sshd on PATH, else /usr/sbin/sshd (often not on a user's PATH).</summary>
        public static SshdProgram Find(string? path)
        {
            if (!string.IsNullOrEmpty(path))
            {
                return File.Exists(path) ? new SshdProgram(path!) : throw NotFound(path!);
            }

            string? onPath = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
                .Split(new[] { System.IO.Path.PathSeparator }, StringSplitOptions.RemoveEmptyEntries)
                .Select(d => System.IO.Path.Combine(d.Trim('"'), RuntimeInformation.IsOSPlatform(OSPlatform.Windows) ? "sshd.exe" : "sshd"))
                .FirstOrDefault(File.Exists);
            string[] usual = RuntimeInformation.IsOSPlatform(OSPlatform.Windows)
                ? new[] { System.IO.Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.System), "OpenSSH", "sshd.exe") }
                : new[] { "/usr/sbin/sshd", "/usr/local/sbin/sshd" };
            string? found = onPath ?? usual.FirstOrDefault(File.Exists);
            return found != null ? new SshdProgram(found) : throw NotFound("sshd");
        }

        /// <summary>Null when the configuration is valid, else what sshd said about it.</summary>
        public async Task<string?> ValidateAsync(string configPath, CancellationToken cancellationToken)
        {
            SshProcessResult r = await RunAsync(new[] { "-t", "-f", configPath }, cancellationToken).ConfigureAwait(false);
            return r.ExitCode == 0 ? null : OneLine(r);
        }

        /// <summary>The effective configuration for one connection: keyword (lower case) to every value it has, in order.</summary>
        public async Task<Dictionary<string, List<string>>> EffectiveAsync(string configPath, string user, CancellationToken cancellationToken)
        {
            SshProcessResult r = await RunAsync(new[] { "-T", "-f", configPath, "-C", $"user={user},host=localhost,addr=127.0.0.1" }, cancellationToken)
                .ConfigureAwait(false);
            if (r.ExitCode != 0)
            {
                throw new SshKmsException("TrustConfigInvalid", SshKmsErrorCategory.InvalidData,
                    $"sshd rejects the configuration {configPath}: {OneLine(r)}");
            }

            var values = new Dictionary<string, List<string>>(StringComparer.OrdinalIgnoreCase);
            foreach (string line in SshdConfigText.Lines(r.Output))
            {
                (string Keyword, string Value)? kv = SshdConfigText.Split(line);
                if (kv != null)
                {
                    if (!values.TryGetValue(kv.Value.Keyword, out List<string>? list))
                    {
                        values[kv.Value.Keyword] = list = new List<string>();
                    }

                    list.Add(kv.Value.Value);
                }
            }

            return values;
        }

        /// <summary>What sshd printed, as one line: errors are one line wherever they are shown.</summary>
        internal static string OneLine(SshProcessResult r) =>
            string.Join("; ", SshdConfigText.Lines(r.Error + r.Output).Select(l => l.Trim()).Where(l => l.Length > 0));

        private Task<SshProcessResult> RunAsync(string[] args, CancellationToken cancellationToken) =>
            OpenSshClient.RunAsync(Path, args, false, null, null, cancellationToken);

        private static SshKmsException NotFound(string what) =>
            new SshKmsException("TrustSshdNotFound", SshKmsErrorCategory.NotInstalled,
                $"The OpenSSH server '{what}' was not found; trust needs sshd to validate the configuration (install openssh-server).");
    }
}
