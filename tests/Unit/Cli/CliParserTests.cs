using System.IO;
using SshKms.Cli;
using SshKms.Core;
using Xunit;

namespace SshKms.Tests.Cli
{
    /// <summary>How command lines bind: the "--node HOST..." spelling as well as repeated options.</summary>
    public class CliParserTests
    {
        private static CliInvocation Parse(params string[] args) =>
            CliParser.Parse(Program.Commands, args, new CliConsole(() => Stream.Null, () => Stream.Null, TextWriter.Null, TextWriter.Null));

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
    }
}
