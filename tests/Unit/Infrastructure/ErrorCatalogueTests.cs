using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using Xunit;

namespace SshKms.Tests.Infrastructure
{
    /// <summary>
    /// docs/errors.md lists every ErrorId once, and only ids the code produces. The code side is read from the source
    /// text of src/**/*.cs, so a new id needs a row in the table, and a removed id takes its row with it.
    /// </summary>
    public class ErrorCatalogueTests
    {
        /// <summary>Patterns whose first group is an id literal at a place that produces an error id.</summary>
        private static readonly (string Why, Regex Pattern)[] IdPatterns =
        {
            // The first argument of new SshKmsException("Id", ...), namespace-qualified or not, any line breaks.
            ("SshKmsException(\"Id\", ...)", new Regex(@"\bSshKmsException\(\s*""(\w+)""")),

            // SshFormatException(message, "Id"): the id is the second, last argument (a one-argument call takes the default, below).
            ("new SshFormatException(message, \"Id\")", new Regex(@"\bnew SshFormatException\([^;]*?""\s*,\s*""(\w+)""\s*\)", RegexOptions.Singleline)),

            // ErrorId = "Id": AssemblyConflict's ErrorRecord id (src/SshKms.PowerShell/AssemblyConflict.cs) and the
            // session result's SessionCancelled (src/SshKms.Core/Sessions/SessionAuditTrail.cs).
            ("ErrorId = \"Id\"", new Regex(@"\bErrorId\s*=\s*""(\w+)""")),

            // OpenSshClient.Classify turns ssh's exit 255 into ids with Set(result, "Id", message); SshSessionResult
            // rethrows them as SshKmsException(ErrorId, ...) and the CLI prints them per host.
            ("OpenSshClient Set(result, \"Id\", ...)", new Regex(@"\bSet\(result,\s*""(\w+)""")),

            // KeyRotation.ThrowIfAnyFailed(step, outcomes, "Id", what) throws new SshKmsException(errorId, ...).
            ("KeyRotation ThrowIfAnyFailed(..., \"Id\", ...)", new Regex(@"\bThrowIfAnyFailed\([^;]*?,\s*""(\w+)""\s*,", RegexOptions.Singleline)),

            // KmsKeySpecs.Normalize(spec, "Id") and UnsupportedSpec(spec, "Id") throw new SshKmsException(errorId, ...).
            ("KmsKeySpecs Normalize/UnsupportedSpec(spec, \"Id\")", new Regex(@"\b(?:UnsupportedSpec|Normalize)\([^;()]*,\s*""(\w+)""\)")),

            // Ids the CLI writes itself, not from an exception: "sshkms: ... [Id]" (Unexpected, AuditSignatureNotInJournal).
            ("CLI \"sshkms: ... [Id]\"", new Regex(@"sshkms: [^""\r\n]*\[([A-Z]\w*)\]""")),
        };

        /// <summary>Ids chosen by an expression the patterns cannot read, each with the file that holds its literal.</summary>
        private static readonly (string Id, string File, string Where)[] ExplicitIds =
        {
            ("SshFormatInvalid", "src/SshKms.Core/OpenSsh/SshFormatException.cs", "the default errorId of SshFormatException's constructor"),
            ("SshCertificateNotYetValid", "src/SshKms.Core/OpenSsh/SshCertificate.cs", "Validate: new SshKmsException(early ? \"SshCertificateNotYetValid\" : \"SshCertificateExpired\", ...)"),
            ("SshCertificateExpired", "src/SshKms.Core/OpenSsh/SshCertificate.cs", "Validate: the same conditional id"),
            ("SshSignatureMalformed", "src/SshKms.Core/OpenSsh/SshSignatureVerifier.cs", "ErrorIdFor(status), passed to SshFormatException by EnsureValid"),
            ("SshSignatureAlgorithmMismatch", "src/SshKms.Core/OpenSsh/SshSignatureVerifier.cs", "ErrorIdFor(status)"),
            ("SshSignatureKeyTypeUnsupported", "src/SshKms.Core/OpenSsh/SshSignatureVerifier.cs", "ErrorIdFor(status)"),
            ("SshSignatureKeyTooSmall", "src/SshKms.Core/OpenSsh/SshSignatureVerifier.cs", "ErrorIdFor(status)"),
            ("SshSignatureInvalid", "src/SshKms.Core/OpenSsh/SshSignatureVerifier.cs", "ErrorIdFor(status), its default"),
        };

        /// <summary>
        /// Files where an SshKmsException (or SshFormatException) takes its id from a variable or expression; the ids
        /// reach it through the patterns or ExplicitIds above. A new such site must be added here, with its ids.
        /// </summary>
        private static readonly string[] VariableIdSites =
        {
            "src/SshKms.Core/Rotation/KeyRotation.cs",          // ThrowIfAnyFailed's errorId
            "src/SshKms.Core/Keys/KmsKeySpecs.cs",              // UnsupportedSpec's errorId
            "src/SshKms.Core/Sessions/SshSessionResult.cs",     // SshSessionResult.ErrorId (OpenSshClient.Set, SessionCancelled)
            "src/SshKms.Core/OpenSsh/SshCertificate.cs",        // early ? "SshCertificateNotYetValid" : "SshCertificateExpired"
            "src/SshKms.Core/OpenSsh/SshSignatureVerifier.cs",  // ErrorIdFor(status)
        };

        [Fact]
        public void Docs_table_lists_exactly_the_ids_the_code_produces()
        {
            SortedSet<string> code = CodeIds();
            SortedSet<string> docs = DocIds(out List<string> order);

            string[] missing = code.Except(docs, StringComparer.Ordinal).ToArray();
            string[] stale = docs.Except(code, StringComparer.Ordinal).ToArray();
            Assert.True(missing.Length == 0 && stale.Length == 0,
                $"docs/errors.md and the code disagree.\n  Missing rows (produced by src, not in the table): {List(missing)}\n  Stale rows (in the table, produced by no code): {List(stale)}");

            string[] duplicates = order.GroupBy(i => i, StringComparer.Ordinal).Where(g => g.Count() > 1).Select(g => g.Key).ToArray();
            Assert.True(duplicates.Length == 0, $"docs/errors.md lists these ids more than once: {List(duplicates)}");
            Assert.Equal(order.OrderBy(i => i, StringComparer.Ordinal).ToList(), order);
        }

        [Fact]
        public void Ids_from_variables_are_all_accounted_for()
        {
            // Every explicitly listed id still has its literal in the file named for it.
            foreach ((string id, string file, string where) in ExplicitIds)
            {
                string text = File.ReadAllText(Path.Combine(ModuleRunspace.RepoRoot, file));
                Assert.True(text.Contains("\"" + id + "\"", StringComparison.Ordinal), $"{id} ({where}) is no longer in {file}: drop it from ExplicitIds.");
            }

            // Every throw whose id is not a literal sits in a known file; a new one must be read by a pattern or listed.
            // (SshFormatException's second argument is not checked this way: messages hold ", " themselves.)
            var nonLiteral = new Regex(@"\bnew (?:SshKms\.Core\.)?SshKmsException\((?>\s*)(?!"")");
            var unknown = new List<string>();
            foreach ((string relative, string text) in SourceFiles())
            {
                foreach (Match m in nonLiteral.Matches(text))
                {
                    if (!VariableIdSites.Contains(relative, StringComparer.Ordinal))
                    {
                        unknown.Add($"{relative}:{LineOf(text, m.Index)}");
                    }
                }
            }

            Assert.True(unknown.Count == 0,
                $"These throws take their ErrorId from a variable: add a pattern or ExplicitIds rows for their ids, and the file to VariableIdSites: {List(unknown)}");
        }

        private static SortedSet<string> CodeIds()
        {
            var ids = new SortedSet<string>(StringComparer.Ordinal);
            foreach ((string _, string text) in SourceFiles())
            {
                foreach ((string _, Regex pattern) in IdPatterns)
                {
                    foreach (Match m in pattern.Matches(text))
                    {
                        ids.Add(m.Groups[1].Value);
                    }
                }
            }

            foreach ((string id, string _, string _) in ExplicitIds)
            {
                ids.Add(id);
            }

            return ids;
        }

        private static SortedSet<string> DocIds(out List<string> order)
        {
            string path = Path.Combine(ModuleRunspace.RepoRoot, "docs", "errors.md");
            Assert.True(File.Exists(path), $"{path} is missing.");
            order = new List<string>();
            var row = new Regex(@"^\|\s*`?(\w+)`?\s*\|");
            foreach (string line in File.ReadAllLines(path))
            {
                Match m = row.Match(line);
                if (m.Success && m.Groups[1].Value != "ErrorId")
                {
                    order.Add(m.Groups[1].Value);
                }
            }

            Assert.NotEmpty(order);
            return new SortedSet<string>(order, StringComparer.Ordinal);
        }

        /// <summary>src/**/*.cs without bin and obj, as (path relative to the repo with '/', text).</summary>
        private static IEnumerable<(string Relative, string Text)> SourceFiles()
        {
            string root = ModuleRunspace.RepoRoot;
            string src = Path.Combine(root, "src");
            foreach (string file in Directory.EnumerateFiles(src, "*.cs", SearchOption.AllDirectories).OrderBy(f => f, StringComparer.Ordinal))
            {
                string relative = Path.GetRelativePath(root, file).Replace('\\', '/');
                string[] parts = relative.Split('/');
                if (parts.Contains("bin") || parts.Contains("obj"))
                {
                    continue;
                }

                yield return (relative, File.ReadAllText(file));
            }
        }

        private static int LineOf(string text, int index) => text.Take(index).Count(c => c == '\n') + 1;

        private static string List(IEnumerable<string> items)
        {
            string joined = string.Join(", ", items);
            return joined.Length == 0 ? "(none)" : joined;
        }
    }
}
