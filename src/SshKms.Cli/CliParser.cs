using System.Collections.Generic;
using System.Linq;
using SshKms.Core;

namespace SshKms.Cli
{
    /// <summary>
    /// Finds the command a command line names and binds its options. "--name value", "--name=value" and
    /// flags; "--" ends the options. A command that takes no arguments also reads `--node a b c` as three values
    /// of a repeatable option, as its usage line "--node HOST..." shows. Errors are SshKmsExceptions with id CliUsage.
    /// </summary>
    internal static class CliParser
    {
        /// <summary>Every command accepts these: the AWS settings, as the AWS CLI spells them.</summary>
        public static readonly OptionSpec[] CommonOptions =
        {
            new OptionSpec("region"),
            new OptionSpec("profile"),
            new OptionSpec("endpoint-url"),
        };

        public static CliInvocation Parse(IReadOnlyList<CliCommand> commands, string[] args, CliConsole console)
        {
            CliCommand? command = commands
                .Where(c => Matches(c.Path.Split(' '), args))
                .OrderByDescending(c => c.Path.Split(' ').Length)
                .FirstOrDefault();
            if (command == null)
            {
                throw Usage(args.Length == 0 ? "no command given." : $"unknown command '{string.Join(" ", args.TakeWhile(a => !a.StartsWith("-")))}'.");
            }

            var specs = command.Options.Concat(CommonOptions).ToDictionary(o => o.Name);
            var options = new Dictionary<string, List<string>>();
            var positionals = new List<string>();
            var afterDashDash = new List<string>();
            string? openRepeatable = null;
            int i = command.Path.Split(' ').Length;
            for (; i < args.Length; i++)
            {
                string arg = args[i];
                if (arg == "--")
                {
                    if (!command.AcceptsDashDash)
                    {
                        throw Usage($"'{command.Path}' takes nothing after '--'. Usage: {command.Usage}");
                    }

                    afterDashDash.AddRange(args.Skip(i + 1));
                    break;
                }

                if (arg.StartsWith("--", System.StringComparison.Ordinal))
                {
                    string name = arg.Substring(2);
                    string? inlineValue = null;
                    int eq = name.IndexOf('=');
                    if (eq >= 0)
                    {
                        inlineValue = name.Substring(eq + 1);
                        name = name.Substring(0, eq);
                    }

                    if (!specs.TryGetValue(name, out OptionSpec? spec))
                    {
                        throw Usage($"unknown option '--{name}' for '{command.Path}'. Usage: {command.Usage}");
                    }

                    string value;
                    if (!spec.TakesValue)
                    {
                        if (inlineValue != null)
                        {
                            throw Usage($"--{name} takes no value.");
                        }

                        value = "true";
                    }
                    else if (inlineValue != null)
                    {
                        value = inlineValue;
                    }
                    else if (i + 1 < args.Length)
                    {
                        value = args[++i];
                    }
                    else
                    {
                        throw Usage($"--{name} needs a value. Usage: {command.Usage}");
                    }

                    if (!options.TryGetValue(name, out List<string>? values))
                    {
                        options[name] = values = new List<string>();
                    }
                    else if (!spec.Repeatable)
                    {
                        throw Usage($"--{name} was given more than once.");
                    }

                    values.Add(value);
                    openRepeatable = spec.Repeatable && inlineValue == null ? name : null;
                }
                else if (openRepeatable != null && command.MaxPositionals == 0)
                {
                    options[openRepeatable].Add(arg);
                }
                else
                {
                    positionals.Add(arg);
                }
            }

            if (positionals.Count < command.MinPositionals || positionals.Count > command.MaxPositionals)
            {
                throw Usage($"wrong number of arguments for '{command.Path}'. Usage: {command.Usage}");
            }

            return new CliInvocation(command, options, positionals, afterDashDash, console);
        }

        private static bool Matches(string[] words, string[] args) =>
            args.Length >= words.Length && words.Select((w, k) => args[k] == w).All(x => x);

        private static SshKmsException Usage(string message) =>
            new SshKmsException("CliUsage", SshKmsErrorCategory.InvalidArgument, message);
    }
}
