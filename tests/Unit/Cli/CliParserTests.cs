using System.IO;
using System.Linq;
using SshKms.Cli;
using SshKms.Core;
using Xunit;

namespace SshKms.Tests.Cli
{
    /// <summary>How command lines bind: the "--node HOST..." spelling as well as repeated options.</summary>
    public class CliParserTests
    {
        private static CliInvocation Parse(params string[] args)
        {
            var parser = new CliParser(Program.Commands);
            return parser.Bind(parser.Parse(args), args, new CliConsole(() => Stream.Null, () => Stream.Null, TextWriter.Null, TextWriter.Null))!;
        }

        [Fact]
        public void ARepeatableOptionTakesTheWordsAfterItWhenTheCommandTakesNoArguments()
        {
            CliInvocation inv = Parse("rotate", "--secret-id", "s", "--node", "web1", "ops@db1:2222", "[::1]:22", "--token", "t", "--instance-id", "i-1", "i-2");
            Assert.Equal(new[] { "web1", "ops@db1:2222", "[::1]:22" }, inv.GetAll("node"));
            Assert.Equal(new[] { "i-1", "i-2" }, inv.GetAll("instance-id"));
            Assert.Equal("t", inv.Get("token"));

            CliInvocation repeated = Parse("rotate", "--secret-id", "s", "--node", "a", "--node", "b");
            Assert.Equal(new[] { "a", "b" }, repeated.GetAll("node"));
        }

        [Fact]
        public void AWordAfterASingleValuedOptionIsStillAnError()
        {
            var ex = Assert.Throws<SshKmsException>(() => Parse("rotate", "--secret-id", "s", "stray", "--node", "a"));
            Assert.Equal("CliUsage", ex.ErrorId);
            var inline = Assert.Throws<SshKmsException>(() => Parse("rotate", "--secret-id", "s", "--node=a", "b"));
            Assert.Equal("CliUsage", inline.ErrorId);
        }

        [Fact]
        public void CommandsWithArgumentsKeepTheirPositionals()
        {
            CliInvocation inv = Parse("ssh", "--ssh-option", "User=x", "web1", "web2", "--", "uptime");
            Assert.Equal(new[] { "User=x" }, inv.GetAll("ssh-option"));
            Assert.Equal(new[] { "web1", "web2" }, inv.Positionals);
        }

        /// <summary>
        /// Every spelling the hand-written parser took binds as it did. Expected: "name=v1,v2" per option ("name" alone
        /// for a flag), separated by ';'; positionals and the words after "--" separated by ' '.
        /// </summary>
        [Theory]
        [InlineData("ssh --ca local:x host -- uptime -x", "ca=local:x", "host", "uptime -x")]
        [InlineData("ssh --ca=local:x --user=u h1 h2 --port 2222", "ca=local:x;user=u;port=2222", "h1 h2", "")]
        [InlineData("ssh h1 --json -- ls --help -- -h", "json", "h1", "ls --help -- -h")]
        [InlineData("ssh --ssh-option User=x --ssh-option=Port=1 h", "ssh-option=User=x,Port=1", "h", "")]
        [InlineData("scp --secret-id s a b dest", "secret-id=s", "a b dest", "")]
        [InlineData("cert show -", "", "-", "")]
        [InlineData("cert show --json /tmp/x-cert.pub", "json", "/tmp/x-cert.pub", "")]
        [InlineData("rotate --secret-id s --node a b c --parallel 3", "secret-id=s;node=a,b,c;parallel=3", "", "")]
        [InlineData("rotate --secret-id=s --node a --node=b --accept-new-host-key", "secret-id=s;node=a,b;accept-new-host-key", "", "")]
        [InlineData("decrypt --key k1 --key k2 --context a=b --in -", "key=k1,k2;context=a=b;in=-", "", "")]
        [InlineData("encrypt --key k --validity-is-no-option-here=1", null, "", "")]
        [InlineData("cert new --ca local:c --validity -5m --region eu-west-1", "ca=local:c;validity=-5m;region=eu-west-1", "", "")]
        [InlineData("audit --type a b --last 3", "type=a,b;last=3", "", "")]
        [InlineData("audit verify --journal j", "journal=j", "", "")]
        public void EveryOldSpellingBindsAsBefore(string line, string? options, string positionals, string afterDashDash)
        {
            string[] args = line.Split(' ');
            if (options == null)
            {
                Assert.Equal("CliUsage", Assert.Throws<SshKmsException>(() => Parse(args)).ErrorId);
                return;
            }

            CliInvocation inv = Parse(args);

            Assert.Equal(string.Join(" ", args.TakeWhile(a => !a.StartsWith("-", System.StringComparison.Ordinal)).Take(inv.Command.Path.Split(' ').Length)), inv.Command.Path);
            foreach (string expected in options.Split(';', System.StringSplitOptions.RemoveEmptyEntries))
            {
                int eq = expected.IndexOf('=');
                string name = eq < 0 ? expected : expected.Substring(0, eq);
                Assert.True(inv.Has(name), name);
                Assert.Equal(eq < 0 ? new[] { "true" } : expected.Substring(eq + 1).Split(','), inv.GetAll(name));
            }

            Assert.Equal(positionals.Split(' ', System.StringSplitOptions.RemoveEmptyEntries), inv.Positionals);
            Assert.Equal(afterDashDash.Split(' ', System.StringSplitOptions.RemoveEmptyEntries), inv.AfterDashDash);
        }
    }
}
