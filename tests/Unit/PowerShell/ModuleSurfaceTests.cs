using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Text.RegularExpressions;
using SshKms.Tests.Infrastructure;
using Xunit;

namespace SshKms.Tests.PowerShell
{
    /// <summary>
    /// The module surface as PowerShell itself sees it after Import-Module, for every command the manifest exports:
    /// a parameter clash (ParameterNameConflictsWithAlias) makes Get-Command's .Parameters and Get-Help throw, so no
    /// command can ship uncallable again.
    /// </summary>
    public class ModuleSurfaceTests : IClassFixture<ModuleRunspace>
    {
        /// <summary>Verbs whose cmdlets change something outside the pipeline (a key, a file, a server, a secret): they must offer -WhatIf.</summary>
        private static readonly HashSet<string> StateChangingVerbs = new HashSet<string>(StringComparer.Ordinal)
        {
            "New", "Set", "Remove", "Add", "Clear", "Install", "Uninstall", "Update", "Invoke", "Copy", "Move", "Rename", "Reset",
            "Publish", "Unpublish", "Register", "Unregister", "Enable", "Disable", "Start", "Stop", "Restart", "Write", "Export",
            "Import", "Lock", "Unlock", "Protect", "Unprotect", "Grant", "Revoke", "Block", "Unblock", "Deploy", "Initialize", "Sync",
            "Send", "Save", "Restore", "Backup", "Approve", "Deny", "Submit", "Complete", "Suspend", "Resume", "Push", "Pop",
        };

        private readonly ModuleRunspace _ps;

        public ModuleSurfaceTests(ModuleRunspace ps)
        {
            _ps = ps;
        }

        public static IEnumerable<object[]> Exported() => ModuleRunspace.ManifestCmdlets().Select(n => new object[] { n });

        [Fact]
        public void TheManifestExportsExactlyTheCommandsTheModuleHas()
        {
            List<string> imported = _ps.Ok("(Get-Command -Module $m).Name", ("m", ModuleRunspace.ModuleName))
                .Select(o => (string)o.BaseObject).OrderBy(n => n, StringComparer.Ordinal).ToList();
            Assert.Contains("New-SshKmsCertificate", imported);
            Assert.Equal(imported, ModuleRunspace.ManifestCmdlets());
        }

        [Theory]
        [MemberData(nameof(Exported))]
        public void GetCommandResolvesEveryParameterAndGetHelpFullRenders(string name)
        {
            // .Parameters is where PowerShell merges the cmdlet's parameters with the common ones and throws on a clash.
            var count = _ps.Ok("(Get-Command $n -ErrorAction Stop).Parameters.Count", ("n", name));
            Assert.True((int)Assert.Single(count).BaseObject > 0);
            string help = (string)Assert.Single(_ps.Ok("Get-Help $n -Full -ErrorAction Stop | Out-String -Width 200", ("n", name))).BaseObject;
            Assert.Contains(name, help);
        }

        [Theory]
        [MemberData(nameof(Exported))]
        public void ParameterNamesAndAliasesAreDistinctIgnoringCase(string name)
        {
            var all = _ps.Ok("(Get-Command $n).Parameters.Values | ForEach-Object { $_.Name; $_.Aliases }", ("n", name))
                .Select(o => (string)o.BaseObject).ToList();
            var clashes = all.GroupBy(n => n, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1).Select(g => string.Join("/", g)).ToList();
            Assert.True(clashes.Count == 0, $"{name}: {string.Join(", ", clashes)}");
        }

        [Theory]
        [MemberData(nameof(Exported))]
        public void VerbIsApprovedNounIsOursAndOutputTypeIsDeclared(string name)
        {
            var facts = _ps.Ok(
                "$c = Get-Command $n; (Get-Verb -Verb $c.Verb) -ne $null; $c.Noun -clike 'Ssh*'; $c.OutputType.Count -gt 0; $c.Parameters.ContainsKey('WhatIf'); $c.Verb",
                ("n", name)).Select(o => o.BaseObject).ToList();
            Assert.True((bool)facts[0], $"{name}: verb not approved");
            Assert.True((bool)facts[1], $"{name}: noun does not start with Ssh");
            Assert.True((bool)facts[2], $"{name}: no [OutputType]");
            if (StateChangingVerbs.Contains((string)facts[4]))
            {
                Assert.True((bool)facts[3], $"{name} changes state but offers no -WhatIf (SupportsShouldProcess).");
            }
        }

        [Theory]
        [MemberData(nameof(Exported))]
        public void EveryParameterIsDocumented(string name)
        {
            string doc = Path.Combine(ModuleRunspace.RepoRoot, "docs", "cmdlets", name + ".md");
            Assert.True(File.Exists(doc), $"{doc} is missing");
            string text = File.ReadAllText(doc);
            Assert.Contains("# " + name, text);
            Assert.Contains("## EXAMPLES", text);
            Assert.Contains("```powershell", text);
            var own = _ps.Ok(
                "(Get-Command $n).Parameters.Values | Where-Object { $_.Name -notin [System.Management.Automation.PSCmdlet]::CommonParameters } | ForEach-Object Name",
                ("n", name)).Select(o => (string)o.BaseObject).ToList();
            Assert.NotEmpty(own);
            foreach (string p in own)
            {
                Assert.True(Regex.IsMatch(text, $@"^### -{p}\s*$", RegexOptions.Multiline), $"{name}.md does not document -{p}");
            }
        }
    }
}
