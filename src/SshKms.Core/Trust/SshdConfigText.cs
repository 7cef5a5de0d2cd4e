using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;

namespace SshKms.Core.Trust
{
    /// <summary>One keyword line of an sshd configuration, where it was read, and whether a Match block makes it conditional.</summary>
    internal sealed class SshdDirective
    {
        public SshdDirective(string file, int line, string keyword, string value, bool conditional)
        {
            File = file;
            Line = line;
            Keyword = keyword;
            Value = value;
            Conditional = conditional;
        }

        public string File { get; }

        public int Line { get; }

        public string Keyword { get; }

        public string Value { get; }

        public bool Conditional { get; }
    }

    /// <summary>
    /// Reads sshd_config the way sshd orders it: Include expanded in place (each pattern's matches sorted), relative
    /// includes resolved against the configuration's folder, and everything after a top-level Match conditional.
    /// Only what trust needs: the order of keywords, not their meaning; `sshd -t` and `sshd -T` judge the rest.
    /// </summary>
    internal static class SshdConfigText
    {
        private const int MaxIncludeDepth = 16;

        /// <summary>Keyword and value of a line; null for blanks and comments.</summary>
        public static (string Keyword, string Value)? Split(string line)
        {
            string t = line.Trim();
            if (t.Length == 0 || t[0] == '#')
            {
                return null;
            }

            int gap = 0;
            while (gap < t.Length && !char.IsWhiteSpace(t[gap]) && t[gap] != '=')
            {
                gap++;
            }

            string keyword = t.Substring(0, gap);
            string value = t.Substring(gap).TrimStart(' ', '\t', '=').Trim();
            return (keyword, value);
        }

        /// <summary>Every directive of <paramref name="mainText"/> (the main file's candidate text) in sshd's order; <paramref name="replace"/> gives other files' candidate text.</summary>
        public static List<SshdDirective> Walk(string mainPath, string mainText, Func<string, string?> replace)
        {
            var result = new List<SshdDirective>();
            WalkText(mainPath, mainText, Path.GetDirectoryName(mainPath) ?? "/", false, replace, result, 0);
            return result;
        }

        private static void WalkText(string path, string text, string baseDir, bool conditional, Func<string, string?> replace, List<SshdDirective> into, int depth)
        {
            string[] lines = Lines(text);
            bool inMatch = conditional;
            for (int i = 0; i < lines.Length; i++)
            {
                (string Keyword, string Value)? kv = Split(lines[i]);
                if (kv == null)
                {
                    continue;
                }

                string keyword = kv.Value.Keyword;
                if (keyword.Equals("Match", StringComparison.OrdinalIgnoreCase))
                {
                    inMatch = true;
                }

                into.Add(new SshdDirective(path, i + 1, keyword, kv.Value.Value, inMatch));
                if (keyword.Equals("Include", StringComparison.OrdinalIgnoreCase) && depth < MaxIncludeDepth)
                {
                    foreach (string file in IncludedFiles(kv.Value.Value, baseDir))
                    {
                        string? body = replace(file) ?? ReadOrNull(file);
                        if (body != null)
                        {
                            WalkText(file, body, baseDir, inMatch, replace, into, depth + 1);
                        }
                    }
                }
            }
        }

        /// <summary>The files an Include value names, each pattern's matches sorted as glob(3) sorts them.</summary>
        public static IEnumerable<string> IncludedFiles(string value, string baseDir)
        {
            foreach (string pattern in value.Split(new[] { ' ', '\t' }, StringSplitOptions.RemoveEmptyEntries))
            {
                string full = Path.IsPathRooted(pattern) ? pattern : Path.Combine(baseDir, pattern);
                string dir = Path.GetDirectoryName(full) ?? "/";
                string name = Path.GetFileName(full);
                if (name.IndexOfAny(new[] { '*', '?', '[' }) < 0)
                {
                    yield return full;
                    continue;
                }

                if (!Directory.Exists(dir))
                {
                    continue;
                }

                foreach (string file in Directory.GetFiles(dir).Where(f => GlobMatches(name, Path.GetFileName(f))).OrderBy(f => f, StringComparer.Ordinal))
                {
                    yield return file;
                }
            }
        }

        /// <summary>Whether an Include value names <paramref name="file"/> (a file there now or one we are about to create).</summary>
        public static bool IncludeNames(string value, string baseDir, string file)
        {
            foreach (string pattern in value.Split(new[] { ' ', '\t' }, StringSplitOptions.RemoveEmptyEntries))
            {
                string full = Path.IsPathRooted(pattern) ? pattern : Path.Combine(baseDir, pattern);
                if (string.Equals(Path.GetDirectoryName(full), Path.GetDirectoryName(file), StringComparison.Ordinal)
                    && GlobMatches(Path.GetFileName(full), Path.GetFileName(file)))
                {
                    return true;
                }
            }

            return false;
        }

        public static bool GlobMatches(string pattern, string name)
        {
            string regex = "^" + Regex.Escape(pattern).Replace(@"\*", ".*").Replace(@"\?", ".").Replace(@"\[", "[") + "$";
            return !name.StartsWith(".", StringComparison.Ordinal) && Regex.IsMatch(name, regex);
        }

        public static string[] Lines(string text) =>
            text.Length == 0 ? new string[0] : text.Replace("\r\n", "\n").TrimEnd('\n').Split('\n');

        private static string? ReadOrNull(string file)
        {
            try
            {
                return File.Exists(file) ? File.ReadAllText(file) : null;
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                return null;
            }
        }
    }
}
