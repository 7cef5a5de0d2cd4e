using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;
using SshKms.Tests.Infrastructure;
using Xunit;

namespace SshKms.Tests.Parity
{
    /// <summary>
    /// Feeds one bad input to both front ends: the cmdlet through a real runspace, and the `sshkms` CLI as a process.
    /// Both must refuse it with the same ErrorId, because both map onto the same Core operation.
    /// </summary>
    public static class FrontEndParity
    {
        /// <summary>
        /// Runs <paramref name="script"/> (variables bound as given) and `sshkms <paramref name="cliArgs"/>`,
        /// and asserts that each fails with <paramref name="expectedId"/>.
        /// </summary>
        public static void AssertSameErrorId(string expectedId, string script, string[] cliArgs,
            IDictionary<string, string?>? env = null, string? stdin = null, params (string Name, object? Value)[] variables)
        {
            using var ps = new ModuleRunspace();
            RunResult cmdlet = ps.Run(script, variables);
            Assert.True(cmdlet.Errors.Count > 0, $"the cmdlet wrote no error for: {script}");
            string cmdletId = cmdlet.Errors[0].FullyQualifiedErrorId.Split(',')[0];

            Tool.Result cli = Tool.Sshkms(cliArgs, env, stdin);
            Assert.True(cli.ExitCode != 0, $"sshkms {string.Join(" ", cliArgs)} exited 0");
            Assert.DoesNotContain("   at ", cli.Error);

            Assert.Equal(expectedId, cmdletId);
            Assert.Equal(expectedId, CliErrorId(cli.Error));
        }

        /// <summary>The id in the CLI's one error line, `sshkms: message [Id]`.</summary>
        public static string CliErrorId(string stderr)
        {
            string line = stderr.Split('\n').Select(l => l.Trim()).LastOrDefault(l => l.StartsWith("sshkms:", System.StringComparison.Ordinal)) ?? string.Empty;
            Match m = Regex.Match(line, @"\[([A-Za-z0-9]+)\]$");
            Assert.True(m.Success, $"no '[ErrorId]' at the end of the CLI's error line: {stderr}");
            return m.Groups[1].Value;
        }
    }
}
