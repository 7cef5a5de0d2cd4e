using System;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using SshKms.Core.Aws;
using SshKms.Core.Keys;
using SshKms.Core.OpenSsh;

namespace SshKms.Core.Trust
{
    public sealed class KnownHostsTrustOptions
    {
        /// <summary>The host CA key URI.</summary>
        public string? CaKey { get; set; }

        /// <summary>The hosts whose certificates from this CA the client accepts: "*.example.com", "[10.0.0.5]:2222", a comma list.</summary>
        public string? HostPattern { get; set; }

        /// <summary>The known_hosts file; default: ~/.ssh/known_hosts.</summary>
        public string? KnownHosts { get; set; }

        public AwsSettings Aws { get; set; } = new AwsSettings();
    }

    /// <summary>The known_hosts line and whether it had to be added.</summary>
    public sealed class KnownHostsTrustResult
    {
        internal KnownHostsTrustResult(string knownHosts, string line, string status)
        {
            KnownHosts = knownHosts;
            Line = line;
            Status = status;
        }

        public string KnownHosts { get; }

        public string Line { get; }

        /// <summary>Changed (the line was added), Unchanged (it was there), or WhatIf.</summary>
        public string Status { get; }
    }

    /// <summary>
    /// `trust known-hosts` / Set-SshCaTrust -HostPattern: the client side, one `@cert-authority PATTERN KEY` line, added
    /// once (a line with the same pattern and key counts as there, whatever its comment).
    /// </summary>
    public static class KnownHostsTrustOperation
    {
        public static async Task<KnownHostsTrustResult> RunAsync(KnownHostsTrustOptions options, bool whatIf, CancellationToken cancellationToken)
        {
            if (options == null)
            {
                throw new ArgumentNullException(nameof(options));
            }

            if (string.IsNullOrWhiteSpace(options.CaKey))
            {
                throw new SshKmsException("TrustCaKeyMissing", SshKmsErrorCategory.InvalidArgument, "Name the host CA key whose host certificates the client should accept.");
            }

            string pattern = (options.HostPattern ?? string.Empty).Trim();
            if (pattern.Length == 0 || pattern.Any(char.IsWhiteSpace) || pattern.StartsWith("@", StringComparison.Ordinal) || pattern.StartsWith("#", StringComparison.Ordinal))
            {
                throw new SshKmsException("TrustHostPatternInvalid", SshKmsErrorCategory.InvalidArgument,
                    $"'{options.HostPattern}' is not a known_hosts host pattern: give e.g. *.example.com or [10.0.0.5]:2222, without spaces.");
            }

            string path = Path.GetFullPath(string.IsNullOrEmpty(options.KnownHosts)
                ? Sessions.KnownHosts.UserFile()
                : options.KnownHosts!);
            KeyUri uri = KeyUri.Parse(options.CaKey!);
            ISigningKey key = await SigningKeys.OpenAsync(uri, options.Aws, cancellationToken).ConfigureAwait(false);
            string line = $"@cert-authority {pattern} {key.PublicKey.WithComment(uri.ToString())}";
            string existing = File.Exists(path) ? ReadText(path) : string.Empty;
            if (SshdConfigText.Lines(existing).Any(l => SameCertAuthority(l, pattern, key.PublicKey)))
            {
                return new KnownHostsTrustResult(path, line, "Unchanged");
            }

            if (whatIf)
            {
                return new KnownHostsTrustResult(path, line, "WhatIf");
            }

            try
            {
                string? dir = Path.GetDirectoryName(path);
                if (dir != null && !Directory.Exists(dir))
                {
                    Directory.CreateDirectory(dir);
                    OwnerOnly.RestrictDirectory(dir);
                }

                // Appended, not rewritten: the file keeps its owner, mode and every line ssh added meanwhile.
                File.AppendAllText(path, (existing.Length > 0 && !existing.EndsWith("\n", StringComparison.Ordinal) ? "\n" : string.Empty) + line + "\n");
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                throw new SshKmsException("FileWriteFailed", SshKmsErrorCategory.WriteError, $"Could not write {path}: {ex.Message}");
            }

            return new KnownHostsTrustResult(path, line, "Changed");
        }

        private static bool SameCertAuthority(string line, string pattern, SshPublicKey key)
        {
            string[] parts = line.Trim().Split(new[] { ' ', '\t' }, StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length < 4 || parts[0] != "@cert-authority" || parts[1] != pattern)
            {
                return false;
            }

            try
            {
                return SshPublicKey.Parse(parts[2] + " " + parts[3]).Equals(key);
            }
            catch (SshFormatException)
            {
                return false;
            }
        }

        private static string ReadText(string path)
        {
            try
            {
                return File.ReadAllText(path);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                throw new SshKmsException("FileReadFailed", SshKmsErrorCategory.ReadError, $"Could not read {path}: {ex.Message}");
            }
        }
    }
}
