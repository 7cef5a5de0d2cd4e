using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace SshKms.Core.Aws
{
    /// <summary>The profile names the AWS CLI and SDKs know, for argument completion: read from the shared files only.</summary>
    public static class AwsProfileNames
    {
        /// <summary>
        /// "[profile x]" (and "[default]") sections of $AWS_CONFIG_FILE or ~/.aws/config, "[x]" sections of
        /// $AWS_SHARED_CREDENTIALS_FILE or ~/.aws/credentials; sorted, each once. A missing or unreadable file adds none.
        /// </summary>
        public static IReadOnlyList<string> List()
        {
            string home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
            var names = new SortedSet<string>(StringComparer.Ordinal);
            foreach (string section in Sections(FileOrDefault("AWS_CONFIG_FILE", Path.Combine(home, ".aws", "config"))))
            {
                // The config file names profiles "profile x"; "default" stands alone; "sso-session x" and "services x" are not profiles.
                if (section == "default")
                {
                    names.Add(section);
                }
                else if (section.StartsWith("profile ", StringComparison.Ordinal) && section.Substring(8).Trim().Length > 0)
                {
                    names.Add(section.Substring(8).Trim());
                }
            }

            foreach (string section in Sections(FileOrDefault("AWS_SHARED_CREDENTIALS_FILE", Path.Combine(home, ".aws", "credentials"))))
            {
                names.Add(section);
            }

            return names.ToList();
        }

        private static string FileOrDefault(string variable, string fallback)
        {
            string? value = Environment.GetEnvironmentVariable(variable);
            return string.IsNullOrWhiteSpace(value) ? fallback : value!;
        }

        private static IEnumerable<string> Sections(string path) =>
            ReadLines(path)
                .Select(l => l.Trim())
                .Where(l => l.Length > 2 && l[0] == '[' && l[l.Length - 1] == ']')
                .Select(l => l.Substring(1, l.Length - 2).Trim());

        private static string[] ReadLines(string path)
        {
            try
            {
                return File.Exists(path) ? File.ReadAllLines(path) : Array.Empty<string>();
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                return Array.Empty<string>();
            }
        }
    }
}
