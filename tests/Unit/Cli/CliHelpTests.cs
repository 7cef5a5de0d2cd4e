using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using SshKms.Cli;
using SshKms.Core.OpenSsh;
using SshKms.Tests.Infrastructure;
using Xunit;

namespace SshKms.Tests.Cli
{
    /// <summary>`sshkms` as its own process: --help on every command and group, --version, and every usage error as one line.</summary>
    public sealed class CliHelpTests : IDisposable
    {
        private static readonly string Ca = TestHome.NewLocalCa("cli-help-ca");
        private readonly TempDir _dir = new TempDir("sshkms-cli-help");
        private readonly Dictionary<string, string?> _env = new Dictionary<string, string?> { ["SSHKMS_HOME"] = TestHome.Path, ["SSHKMS_CA"] = null };

        public void Dispose() => _dir.Dispose();

        public static IEnumerable<object[]> CommandPaths() => Program.Commands.Select(c => new object[] { c.Path });

        /// <summary>The groups ("cert", "ca", ...): every leading part of a command path that is no command itself.</summary>
        public static IEnumerable<object[]> GroupPaths() => Program.Commands
            .Select(c => c.Path.Split(' '))
            .Where(words => words.Length > 1)
            .Select(words => words[0])
            .Distinct()
            .Where(group => Program.Commands.All(c => c.Path != group))
            .Select(group => new object[] { group });

        private Tool.Result Sshkms(params string[] args) => Tool.Sshkms(args, _env);

        private static void AssertOneUsageLine(Tool.Result r, string errorId = "CliUsage")
        {
            Assert.Equal(2, r.ExitCode);
            Assert.Equal(string.Empty, r.Output);
            string[] lines = r.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.True(lines.Length == 1, "expected one stderr line, got:\n" + r.Error);
            Assert.StartsWith("sshkms: ", lines[0]);
            Assert.EndsWith($"[{errorId}]", lines[0]);
            Assert.DoesNotContain("   at ", r.Error);
        }

        [Theory]
        [MemberData(nameof(CommandPaths))]
        public void EveryCommandAnswersHelpWithItsOptions(string path)
        {
            CliCommand command = Program.Commands.Single(c => c.Path == path);
            foreach (string help in new[] { "--help", "-h" })
            {
                Tool.Result r = Sshkms(path.Split(' ').Append(help).ToArray());

                Assert.True(r.ExitCode == 0, $"sshkms {path} {help} exited {r.ExitCode}: {r.Error}");
                Assert.Equal(string.Empty, r.Error);
                Assert.Contains($"sshkms {path}", r.Output);
                Assert.Contains(command.Usage, r.Output);
                foreach (OptionSpec option in command.Options.Concat(CliParser.CommonOptions))
                {
                    Assert.Matches(new Regex($@"^\s+--{Regex.Escape(option.Name)}\b", RegexOptions.Multiline), r.Output);
                }

                // A value name cut at the wrong bracket ("<USER=NAME[,NAME>") misleads the reader.
                foreach (Match valueName in Regex.Matches(r.Output, "<([^>]*)>"))
                {
                    string name = valueName.Groups[1].Value;
                    Assert.True(name.Count(c => c == '[') == name.Count(c => c == ']'), $"unbalanced value name <{name}> in sshkms {path} {help}");
                }
            }
        }

        [Theory]
        [MemberData(nameof(GroupPaths))]
        public void EveryGroupAnswersHelpWithItsCommands(string group)
        {
            Tool.Result r = Sshkms(group, "--help");

            Assert.True(r.ExitCode == 0, r.Error);
            foreach (CliCommand command in Program.Commands.Where(c => c.Path.StartsWith(group + " ", StringComparison.Ordinal)))
            {
                Assert.Matches(new Regex($@"^\s+{Regex.Escape(command.Path.Split(' ')[1])}\s", RegexOptions.Multiline), r.Output);
            }

            AssertOneUsageLine(Sshkms(group));
        }

        [Fact]
        public void TopLevelHelpListsEveryCommandAndNoCommandIsUsageOnStderr()
        {
            Tool.Result help = Sshkms("--help");
            Tool.Result none = Sshkms();

            Assert.Equal(0, help.ExitCode);
            foreach (string word in Program.Commands.Select(c => c.Path.Split(' ')[0]).Distinct())
            {
                Assert.Matches(new Regex($@"^\s+{Regex.Escape(word)}\s", RegexOptions.Multiline), help.Output);
            }

            Assert.Equal(2, none.ExitCode);
            Assert.Equal(string.Empty, none.Output);
            Assert.Contains("Usage:", none.Error);
            Assert.Contains("cert", none.Error);
        }

        [Fact]
        public void VersionPrintsTheAssemblyVersion()
        {
            Tool.Result r = Sshkms("--version");

            Assert.Equal(0, r.ExitCode);
            string expected = typeof(Program).Assembly.GetName().Version!.ToString(3);
            Assert.StartsWith(expected, r.Output.Trim());
        }

        [Theory]
        [InlineData("unknown command 'no-such-command'", "no-such-command")]
        [InlineData("unknown command 'cert bogus'", "cert", "bogus")]
        [InlineData("'cert' needs a command", "cert")]
        [InlineData("'--no-such-option'", "decrypt", "--no-such-option")]
        [InlineData("'--ca'", "cert", "new", "--ca")]
        [InlineData("'--ca' expects a single argument", "ca", "create", "--ca", "local:a", "--ca", "local:b")]
        [InlineData("--json takes no value", "cert", "show", "--json=true", "x")]
        [InlineData("--json takes no value", "audit", "--json=yes")]
        [InlineData("wrong number of arguments", "ssh", "--", "true")]
        [InlineData("'b'", "cert", "show", "a", "b")]
        [InlineData("'show'", "cert", "show")]
        [InlineData("takes nothing after '--'", "scp", "a", "b", "--", "c")]
        [InlineData("'b'", "rotate", "--secret-id", "s", "--node=a", "b")]
        [InlineData("'stray'", "rotate", "--secret-id", "s", "stray", "--node", "a")]
        public void EveryUsageErrorIsOneLineAndExit2(string inMessage, params string[] args)
        {
            Tool.Result r = Sshkms(args);

            AssertOneUsageLine(r);
            Assert.Contains(inMessage, r.Error);
        }

        [Theory]
        [InlineData("CliOptionMissing", "keypair", "get")]
        [InlineData("CliOptionInvalid", "decrypt", "--max-encrypted-data-keys", "many")]
        public void ACommandsOwnOptionErrorsAreUsageErrorsToo(string errorId, params string[] args) =>
            AssertOneUsageLine(Sshkms(args), errorId);

        /// <summary>The spellings the hand-written parser took, end to end: each issues a certificate with the same principals.</summary>
        [Theory]
        [InlineData("--ca {ca} --public-key {pub} --principal alice --principal bob --validity 1h")]
        [InlineData("--ca={ca} --public-key={pub} --principal=alice --principal=bob --validity=1h")]
        [InlineData("--principal alice bob --ca {ca} --validity 1h --public-key {pub}")]
        [InlineData("--ca {ca} --principal alice --public-key {pub} --principal bob --validity 1h --json")]
        public void EveryOldSpellingIssuesTheSameCertificate(string line)
        {
            string pub = _dir.File("k.pub");
            File.WriteAllText(pub, SshPrivateKey.Generate(SshKeyAlgorithm.Ed25519).PublicKey + "\n");
            string[] args = new[] { "cert", "new" }.Concat(line.Replace("{ca}", Ca).Replace("{pub}", pub).Split(' ')).ToArray();

            Tool.Result r = Sshkms(args);

            Assert.True(r.ExitCode == 0, r.Error);
            Tool.Result show = Sshkms("cert", "show", _dir.File("k-cert.pub"));
            Assert.True(show.ExitCode == 0, show.Error);
            Assert.Contains("Principals: alice, bob", show.Output);
        }

        [Fact]
        public void ADashPositionalReadsStandardInput()
        {
            string pub = _dir.File("k.pub");
            File.WriteAllText(pub, SshPrivateKey.Generate(SshKeyAlgorithm.Ed25519).PublicKey + "\n");
            Assert.Equal(0, Sshkms("cert", "new", "--ca", Ca, "--public-key", pub, "--principal", "p").ExitCode);

            Tool.Result r = Tool.Sshkms(new[] { "cert", "show", "-" }, _env, stdin: File.ReadAllText(_dir.File("k-cert.pub")));

            Assert.True(r.ExitCode == 0, r.Error);
            Assert.Contains("Principals: p", r.Output);
        }
    }
}
