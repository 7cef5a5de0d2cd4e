using System;
using System.Collections.Generic;
using System.Threading.Tasks;

namespace SshKms.Cli
{
    /// <summary>One option a command accepts. Flags take no value; repeatable options collect every value.</summary>
    internal sealed class OptionSpec
    {
        public OptionSpec(string name, bool takesValue = true, bool repeatable = false)
        {
            Name = name;
            TakesValue = takesValue;
            Repeatable = repeatable;
        }

        public string Name { get; }

        public bool TakesValue { get; }

        public bool Repeatable { get; }

        public static OptionSpec Flag(string name) => new OptionSpec(name, takesValue: false);

        public static OptionSpec Many(string name) => new OptionSpec(name, repeatable: true);
    }

    /// <summary>A leaf command such as "cert new": its words, options, positional arity and handler.</summary>
    internal sealed class CliCommand
    {
        public CliCommand(string path, string usage, OptionSpec[] options, Func<CliInvocation, Task<int>> run,
            int minPositionals = 0, int maxPositionals = 0, bool acceptsDashDash = false)
        {
            Path = path;
            Usage = usage;
            Options = options;
            Run = run;
            MinPositionals = minPositionals;
            MaxPositionals = maxPositionals;
            AcceptsDashDash = acceptsDashDash;
        }

        public string Path { get; }

        public string Usage { get; }

        public IReadOnlyList<OptionSpec> Options { get; }

        public Func<CliInvocation, Task<int>> Run { get; }

        public int MinPositionals { get; }

        public int MaxPositionals { get; }

        /// <summary>Whether words after "--" are passed through (a remote command), rather than refused.</summary>
        public bool AcceptsDashDash { get; }
    }
}
