using System;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;

namespace SshKms.Core.Trust
{
    /// <summary>
    /// `sshd -t` on the configuration as it would be, before anything is replaced: a copy of the main file and of our
    /// directives in a temp folder, the main copy including our copy where the real one would be included.
    /// </summary>
    internal static class CandidateCheck
    {
        public static async Task ValidateAsync(SshdProgram sshd, TrustLayout layout, string newMain, string confPath, string conf, CancellationToken cancellationToken)
        {
            string dir = Path.Combine(Path.GetTempPath(), "sshkms-candidate-" + Guid.NewGuid().ToString("N").Substring(0, 10));
            Directory.CreateDirectory(dir);
            try
            {
                string candidateConf = Path.Combine(dir, Path.GetFileName(confPath));
                string candidateMain = Path.Combine(dir, "sshd_config");
                File.WriteAllText(candidateConf, conf);
                File.WriteAllText(candidateMain, TrustLayout.Text(SshdConfigText.Lines(newMain).Select(l => Redirect(l, layout, confPath, candidateConf))));
                string? problem = await sshd.ValidateAsync(candidateMain, cancellationToken).ConfigureAwait(false);
                if (problem != null)
                {
                    string said = problem.Replace(candidateMain, layout.MainConfig).Replace(candidateConf, confPath);
                    throw new SshKmsException("TrustConfigInvalid", SshKmsErrorCategory.InvalidData,
                        $"sshd -t rejects the configuration with trust added, so nothing was changed: {said}");
                }
            }
            finally
            {
                try
                {
                    Directory.Delete(dir, true);
                }
                catch (IOException)
                {
                }
            }
        }

        /// <summary>An Include line that names our file: the same files, ours swapped for the candidate copy.</summary>
        private static string Redirect(string line, TrustLayout layout, string confPath, string candidateConf)
        {
            (string Keyword, string Value)? kv = SshdConfigText.Split(line);
            if (kv == null || !kv.Value.Keyword.Equals("Include", StringComparison.OrdinalIgnoreCase) || !SshdConfigText.IncludeNames(kv.Value.Value, layout.ConfigDir, confPath))
            {
                return line;
            }

            var files = SshdConfigText.IncludedFiles(kv.Value.Value, layout.ConfigDir).Where(f => f != confPath).ToList();
            files.Add(confPath);
            files = files.Distinct().OrderBy(f => f, StringComparer.Ordinal).ToList();
            return "Include " + string.Join(" ", files.Select(f => f == confPath ? candidateConf : f));
        }
    }
}
