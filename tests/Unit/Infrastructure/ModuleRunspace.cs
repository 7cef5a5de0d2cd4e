using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Text.RegularExpressions;
using Xunit;

namespace SshKms.Tests.Infrastructure
{
    /// <summary>
    /// A real PowerShell runspace (Microsoft.PowerShell.SDK) with the module imported the way a user imports it:
    /// Import-Module on the SshKms.PowerShell.dll this test project built, plus the repo's SshKms.format.ps1xml
    /// when it exists. Cmdlets are driven only through scripts: parameter binding, ShouldProcess, the pipeline and
    /// the error stream are PowerShell's own. SSHKMS_HOME and the AWS variables are the process's (TestHome, MotoServer).
    /// </summary>
    public sealed class ModuleRunspace : IDisposable
    {
        private readonly System.Management.Automation.PowerShell _ps;

        public ModuleRunspace()
        {
            _ps = System.Management.Automation.PowerShell.Create();
            Ok("Import-Module -Name $module -ErrorAction Stop", ("module", ModulePath));
            string format = Path.Combine(RepoRoot, "SshKms.format.ps1xml");
            if (File.Exists(format))
            {
                Ok("Update-FormatData -PrependPath $format -ErrorAction Stop", ("format", format));
            }
        }

        /// <summary>The cmdlet assembly this test project built and references.</summary>
        public static string ModulePath => typeof(SshKms.PowerShell.SshKmsCmdlet).Assembly.Location;

        /// <summary>The module's name once imported from the dll.</summary>
        public static string ModuleName => Path.GetFileNameWithoutExtension(ModulePath);

        public static string RepoRoot { get; } = FindRepoRoot();

        /// <summary>CmdletsToExport as SshKms.psd1 in the repo lists them.</summary>
        public static IReadOnlyList<string> ManifestCmdlets()
        {
            string manifest = File.ReadAllText(Path.Combine(RepoRoot, "SshKms.psd1"));
            Match block = Regex.Match(manifest, @"CmdletsToExport\s*=\s*@\(([^)]*)\)");
            Assert.True(block.Success, "CmdletsToExport = @(...) not found in SshKms.psd1");
            return Regex.Matches(block.Groups[1].Value, "'([^']+)'").Select(m => m.Groups[1].Value).OrderBy(n => n, StringComparer.Ordinal).ToList();
        }

        /// <summary>Runs a script with the given variables set; terminating errors land in Errors like the others.</summary>
        public RunResult Run(string script, params (string Name, object? Value)[] variables)
        {
            _ps.Commands.Clear();
            _ps.Streams.ClearStreams();
            foreach ((string name, object? value) in variables)
            {
                _ps.Runspace.SessionStateProxy.SetVariable(name, value);
            }

            _ps.AddScript(script);
            var errors = new List<ErrorRecord>();
            Collection<PSObject> output = new Collection<PSObject>();
            try
            {
                output = _ps.Invoke();
            }
            catch (RuntimeException ex)
            {
                errors.Add(ex.ErrorRecord);
            }

            errors.InsertRange(0, _ps.Streams.Error);
            return new RunResult(output.Where(o => o != null).ToList(), errors, _ps.Streams.Warning.Select(w => w.Message).ToList(),
                _ps.Streams.Verbose.Select(v => v.Message).ToList());
        }

        /// <summary>Runs a script that must not write any error; returns its output.</summary>
        public IReadOnlyList<PSObject> Ok(string script, params (string Name, object? Value)[] variables)
        {
            RunResult result = Run(script, variables);
            Assert.True(result.Errors.Count == 0, $"{script}\n failed: {string.Join("\n", result.Errors.Select(e => $"{e.FullyQualifiedErrorId}: {e}"))}");
            return result.Output;
        }

        public void Dispose() => _ps.Dispose();

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

    /// <summary>What one script run produced, per stream.</summary>
    public sealed class RunResult
    {
        public RunResult(IReadOnlyList<PSObject> output, IReadOnlyList<ErrorRecord> errors, IReadOnlyList<string> warnings, IReadOnlyList<string> verbose)
        {
            Output = output;
            Errors = errors;
            Warnings = warnings;
            Verbose = verbose;
        }

        public IReadOnlyList<PSObject> Output { get; }

        public IReadOnlyList<ErrorRecord> Errors { get; }

        public IReadOnlyList<string> Warnings { get; }

        public IReadOnlyList<string> Verbose { get; }

        /// <summary>The one error written; its ErrorId is the SshKms catalogue's (FullyQualifiedErrorId adds ",Command").</summary>
        public ErrorRecord Error => Assert.Single(Errors);

        public string ErrorId => Error.FullyQualifiedErrorId.Split(',')[0];

        public T Single<T>() => Assert.IsType<T>(Assert.Single(Output).BaseObject);
    }
}
