using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Reflection;
using System.Text.RegularExpressions;
using Xunit;

namespace SshKms.Tests.PowerShell
{
    /// <summary>
    /// The module surface read from metadata, over every cmdlet compiled into SshKms.PowerShell, so cmdlets added
    /// later are held to the same rules. Attributes are read with GetCustomAttributesData(): PowerShellStandard's
    /// bodies are stubs at run time.
    /// </summary>
    public class CmdletSurfaceTests
    {
        /// <summary>Get-Verb's approved list (PowerShell 7.4), from the Verbs* classes' constants.</summary>
        private static readonly HashSet<string> ApprovedVerbs = new HashSet<string>(
            new[] { typeof(VerbsCommon), typeof(VerbsCommunications), typeof(VerbsData), typeof(VerbsDiagnostic), typeof(VerbsLifecycle), typeof(VerbsOther), typeof(VerbsSecurity) }
                .SelectMany(t => t.GetFields(BindingFlags.Public | BindingFlags.Static))
                .Where(f => f.IsLiteral)
                .Select(f => (string)f.GetRawConstantValue()!),
            StringComparer.Ordinal);

        /// <summary>
        /// Verbs whose cmdlets change something outside the pipeline (a KMS key, a file, a server, a secret) and so
        /// must offer -WhatIf/-Confirm. Get/Test/Find/Read/Resolve/Compare/Measure/Show/Format/ConvertTo/Join/Split
        /// only read or transform, and Connect/Enter/Use open sessions the user drives interactively.
        /// </summary>
        private static readonly HashSet<string> StateChangingVerbs = new HashSet<string>(StringComparer.Ordinal)
        {
            "New", "Set", "Remove", "Add", "Clear", "Install", "Uninstall", "Update", "Invoke", "Copy", "Move", "Rename", "Reset",
            "Publish", "Unpublish", "Register", "Unregister", "Enable", "Disable", "Start", "Stop", "Restart", "Write", "Export",
            "Import", "Lock", "Unlock", "Protect", "Unprotect", "Grant", "Revoke", "Block", "Unblock", "Deploy", "Initialize", "Sync",
            "Send", "Save", "Restore", "Backup", "Approve", "Deny", "Submit", "Complete", "Suspend", "Resume", "Push", "Pop",
        };

        private static readonly string RepoRoot = FindRepoRoot();

        public static IEnumerable<object[]> Cmdlets() => CmdletTypes().Select(t => new object[] { t.Name });

        private static IEnumerable<Type> CmdletTypes() =>
            typeof(SshKms.PowerShell.SshKmsCmdlet).Assembly.GetTypes()
                .Where(t => !t.IsAbstract && typeof(Cmdlet).IsAssignableFrom(t))
                .OrderBy(t => t.Name);

        private static Type TypeOf(string name) => CmdletTypes().Single(t => t.Name == name);

        private static CustomAttributeData CmdletAttribute(Type t) => t.GetCustomAttributesData().Single(a => a.AttributeType == typeof(CmdletAttribute));

        private static string CommandName(Type t)
        {
            var a = CmdletAttribute(t);
            return a.ConstructorArguments[0].Value + "-" + a.ConstructorArguments[1].Value;
        }

        [Fact]
        public void ThereAreCmdletsToCheck() => Assert.Contains("New-SshKmsCertificate", CmdletTypes().Select(CommandName));

        [Theory]
        [MemberData(nameof(Cmdlets))]
        public void VerbIsApprovedAndNounIsOurs(string typeName)
        {
            var a = CmdletAttribute(TypeOf(typeName));
            Assert.Contains((string)a.ConstructorArguments[0].Value!, ApprovedVerbs);
            string noun = (string)a.ConstructorArguments[1].Value!;
            Assert.True(noun.StartsWith("SshKms", StringComparison.Ordinal) || noun.StartsWith("Ssh", StringComparison.Ordinal), noun);
        }

        [Theory]
        [MemberData(nameof(Cmdlets))]
        public void StateChangingCmdletsSupportShouldProcess(string typeName)
        {
            Type t = TypeOf(typeName);
            var a = CmdletAttribute(t);
            bool supports = a.NamedArguments.Any(n => n.MemberName == nameof(System.Management.Automation.CmdletAttribute.SupportsShouldProcess) && (bool)n.TypedValue.Value!);
            if (StateChangingVerbs.Contains((string)a.ConstructorArguments[0].Value!))
            {
                Assert.True(supports, $"{CommandName(t)} changes state but does not declare SupportsShouldProcess.");
            }
        }

        [Theory]
        [MemberData(nameof(Cmdlets))]
        public void OutputTypeIsDeclared(string typeName)
        {
            var output = TypeOf(typeName).GetCustomAttributesData().Where(a => a.AttributeType == typeof(OutputTypeAttribute)).ToList();
            Assert.NotEmpty(output);
        }

        [Fact]
        public void ManifestExportsExactlyTheCompiledCmdlets()
        {
            string manifest = File.ReadAllText(Path.Combine(RepoRoot, "SshKms.psd1"));
            Match block = Regex.Match(manifest, @"CmdletsToExport\s*=\s*@\(([^)]*)\)");
            Assert.True(block.Success, "CmdletsToExport = @(...) not found in SshKms.psd1");
            var exported = Regex.Matches(block.Groups[1].Value, "'([^']+)'").Select(m => m.Groups[1].Value).OrderBy(n => n).ToList();
            Assert.Equal(CmdletTypes().Select(CommandName).OrderBy(n => n).ToList(), exported);
        }

        [Theory]
        [MemberData(nameof(Cmdlets))]
        public void EveryCmdletAndParameterIsDocumented(string typeName)
        {
            Type t = TypeOf(typeName);
            string name = CommandName(t);
            string doc = Path.Combine(RepoRoot, "docs", "cmdlets", name + ".md");
            Assert.True(File.Exists(doc), $"{doc} is missing");
            string text = File.ReadAllText(doc);
            Assert.Contains("# " + name, text);
            Assert.Contains("## EXAMPLES", text);
            Assert.Contains("```powershell", text);
            var parameters = t.GetProperties(BindingFlags.Public | BindingFlags.Instance)
                .Where(p => p.GetCustomAttributesData().Any(a => a.AttributeType == typeof(ParameterAttribute)))
                .Select(p => p.Name)
                .ToList();
            Assert.NotEmpty(parameters);
            foreach (string p in parameters)
            {
                Assert.True(Regex.IsMatch(text, $@"^### -{p}\s*$", RegexOptions.Multiline), $"{name}.md does not document -{p}");
            }

            if (CmdletAttribute(t).NamedArguments.Any(n => n.MemberName == nameof(System.Management.Automation.CmdletAttribute.SupportsShouldProcess) && (bool)n.TypedValue.Value!))
            {
                Assert.Contains("### -WhatIf", text);
                Assert.Contains("### -Confirm", text);
            }
        }

        private static string FindRepoRoot()
        {
            string? dir = AppContext.BaseDirectory;
            while (dir != null && !File.Exists(Path.Combine(dir, "SshKms.psd1")))
            {
                dir = Path.GetDirectoryName(dir);
            }

            return dir ?? throw new InvalidOperationException("SshKms.psd1 not found above the test output folder.");
        }
    }
}
