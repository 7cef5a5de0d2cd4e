using System.Collections.Generic;
using System.CommandLine;
using System.CommandLine.Parsing;
using System.Linq;
using SshKms.Core;

namespace SshKms.Cli
{
    /// <summary>
    /// The System.CommandLine tree built from the commands' declarations: each word of a command's path is a command
    /// ("cert new" is "new" under a group "cert"), each OptionSpec an option, the positional arity one argument.
    /// System.CommandLine reads "--name value", "--name=value", flags, "--" and writes --help; the few rules of ours
    /// it has no setting for are checked here. Every refusal is an SshKmsException with id CliUsage.
    /// </summary>
    internal sealed class CliParser
    {
        /// <summary>Every command accepts these: the AWS settings, as the AWS CLI spells them.</summary>
        public static readonly OptionSpec[] CommonOptions =
        {
            new OptionSpec("region"),
            new OptionSpec("profile"),
            new OptionSpec("endpoint-url"),
        };

        // No "@file" response files: a word such as an scp source may start with "@".
        private static readonly ParserConfiguration Configuration = new ParserConfiguration { ResponseFileTokenReplacer = null };

        private readonly Dictionary<Command, Leaf> _leaves = new Dictionary<Command, Leaf>();

        public CliParser(IReadOnlyList<CliCommand> commands)
        {
            Root = new RootCommand("sshkms: SSH certificates, sessions, rotation and envelope encryption anchored in AWS KMS. "
                + "Every command takes --region, --profile and --endpoint-url. --ca defaults to $SSHKMS_CA, then local:default.");
            Root.Directives.Clear(); // no [suggest] or [diagram]: not part of this CLI's syntax
            foreach (CliCommand declared in commands)
            {
                Command command = CommandAt(declared.Path.Split(' '));
                command.Description = declared.Usage;
                var leaf = new Leaf(declared);
                foreach (OptionSpec spec in declared.Options.Concat(CommonOptions))
                {
                    Option option = NewOption(spec, declared);
                    leaf.Options[spec.Name] = option;
                    command.Options.Add(option);
                }

                if (declared.MaxPositionals > 0 || declared.AcceptsDashDash)
                {
                    // Only the tokens are read; the type matters to System.CommandLine's arity check alone.
                    Argument arguments = declared.MaxPositionals == 1 ? new Argument<string>("argument") : new Argument<string[]>("arguments");
                    arguments.HelpName = PositionalsName(declared);
                    arguments.Arity = new ArgumentArity(declared.AcceptsDashDash ? 0 : declared.MinPositionals,
                        System.Math.Min(declared.MaxPositionals, ArgumentArity.ZeroOrMore.MaximumNumberOfValues));
                    command.Arguments.Add(arguments);
                }

                // The action only marks the command as runnable ("audit" is both a command and a group); Program runs it.
                command.SetAction(_ => 0);
                _leaves[command] = leaf;
            }

            foreach (Command group in Root.Subcommands.Where(c => !_leaves.ContainsKey(c)))
            {
                group.Description = "Commands: " + string.Join(", ", group.Subcommands.Select(c => group.Name + " " + c.Name)) + ".";
            }
        }

        public RootCommand Root { get; }

        /// <summary>The parse of a command line; a usage error of any kind throws.</summary>
        public ParseResult Parse(string[] args)
        {
            ParseResult parsed = Root.Parse(args, Configuration);
            Command command = parsed.CommandResult.Command;
            _leaves.TryGetValue(command, out Leaf? leaf);
            if (leaf != null)
            {
                RefuseWhatSystemCommandLineAccepts(args, leaf);
            }

            if (parsed.Errors.Count == 0)
            {
                return parsed;
            }

            if (leaf == null)
            {
                // A group ("cert", or no command at all) given no command or an unknown one.
                string path = string.Join(" ", parsed.CommandResult.Command == Root ? new string[0] : PathOf(parsed.CommandResult));
                return parsed.UnmatchedTokens.Count > 0
                    ? throw Usage($"unknown command '{(path + " " + parsed.UnmatchedTokens[0]).Trim()}'.")
                    : throw Usage($"'{path}' needs a command: {string.Join(", ", command.Subcommands.Select(c => c.Name))}.");
            }

            throw Usage($"{parsed.Errors[0].Message.TrimEnd('.')}. Usage: {leaf.Command.Usage}");
        }

        private static IEnumerable<string> PathOf(CommandResult result)
        {
            var words = new Stack<string>();
            for (SymbolResult? r = result; r is CommandResult c && c.Parent != null; r = r.Parent)
            {
                words.Push(c.Command.Name);
            }

            return words;
        }

        /// <summary>The invocation of the command a parse names; null when it asks for help or the version instead.</summary>
        public CliInvocation? Bind(ParseResult parsed, IReadOnlyList<string> args, CliConsole console)
        {
            Command command = parsed.CommandResult.Command;
            if (!_leaves.TryGetValue(command, out Leaf? leaf) || parsed.Action != command.Action)
            {
                return null;
            }

            CliCommand declared = leaf.Command;
            var options = new Dictionary<string, List<string>>();
            foreach (KeyValuePair<string, Option> pair in leaf.Options)
            {
                OptionResult? result = parsed.GetResult(pair.Value);
                if (result == null || result.Implicit)
                {
                    continue;
                }

                options[pair.Key] = pair.Value.Arity.MaximumNumberOfValues == 0
                    ? new List<string> { "true" }
                    : result.Tokens.Select(t => t.Value).ToList();
            }

            // Words after "--" are a remote command, never hosts; System.CommandLine hands both to the one argument.
            int dashDash = IndexOfDashDash(parsed);
            var positionals = new List<string>();
            var afterDashDash = new List<string>();
            ArgumentResult? arguments = parsed.CommandResult.Children.OfType<ArgumentResult>().FirstOrDefault();
            foreach (Token token in arguments?.Tokens ?? (IEnumerable<Token>)new Token[0])
            {
                (dashDash >= 0 && IndexOf(parsed, token) > dashDash ? afterDashDash : positionals).Add(token.Value);
            }

            if (dashDash >= 0 && !declared.AcceptsDashDash)
            {
                throw Usage($"'{declared.Path}' takes nothing after '--'. Usage: {declared.Usage}");
            }

            if (positionals.Count < declared.MinPositionals || positionals.Count > declared.MaxPositionals)
            {
                throw Usage($"wrong number of arguments for '{declared.Path}'. Usage: {declared.Usage}");
            }

            return new CliInvocation(declared, options, positionals, afterDashDash, console);
        }

        /// <summary>
        /// Spellings System.CommandLine takes but this CLI never did: "--flag=value" (a flag takes no value), and
        /// "--node=a b" (an inline value ends a repeatable option; only "--node a b" takes the words after it).
        /// System.CommandLine splits "--name=value" into two tokens, so this reads the words as typed.
        /// </summary>
        private static void RefuseWhatSystemCommandLineAccepts(IReadOnlyList<string> args, Leaf leaf)
        {
            for (int i = 0; i < args.Count && args[i] != "--"; i++)
            {
                string word = args[i];
                int eq = word.IndexOf('=');
                if (!IsOptionWord(word) || eq < 0 || !leaf.Options.TryGetValue(word.Substring(2, eq - 2), out Option? option))
                {
                    continue;
                }

                if (option.Arity.MaximumNumberOfValues == 0)
                {
                    throw Usage($"{option.Name} takes no value.");
                }

                if (option.AllowMultipleArgumentsPerToken && i + 1 < args.Count && !args[i + 1].StartsWith("-", System.StringComparison.Ordinal))
                {
                    throw Usage($"Unrecognized command or argument '{args[i + 1]}'. Usage: {leaf.Command.Usage}");
                }
            }
        }

        private static bool IsOptionWord(string word) => word.StartsWith("--", System.StringComparison.Ordinal) && word.Length > 2;

        private static int IndexOfDashDash(ParseResult parsed)
        {
            for (int i = 0; i < parsed.Tokens.Count; i++)
            {
                if (parsed.Tokens[i].Type == TokenType.DoubleDash)
                {
                    return i;
                }
            }

            return -1;
        }

        private static int IndexOf(ParseResult parsed, Token token)
        {
            for (int i = 0; i < parsed.Tokens.Count; i++)
            {
                if (ReferenceEquals(parsed.Tokens[i], token))
                {
                    return i;
                }
            }

            return -1;
        }

        private Command CommandAt(string[] words)
        {
            Command parent = Root;
            foreach (string word in words)
            {
                Command? child = parent.Subcommands.FirstOrDefault(c => c.Name == word);
                if (child == null)
                {
                    child = new Command(word);
                    parent.Subcommands.Add(child);
                }

                parent = child;
            }

            return parent;
        }

        /// <summary>A flag takes no value; a repeatable option, in a command with no arguments, every word after it ("--node a b c").</summary>
        private static Option NewOption(OptionSpec spec, CliCommand declared)
        {
            string name = "--" + spec.Name;
            if (!spec.TakesValue)
            {
                return new Option<bool>(name) { Arity = ArgumentArity.Zero };
            }

            string? helpName = ValueName(declared.Usage, spec.Name);
            if (spec.Repeatable)
            {
                return new Option<string[]>(name)
                {
                    Arity = ArgumentArity.OneOrMore,
                    AllowMultipleArgumentsPerToken = declared.MaxPositionals == 0,
                    HelpName = helpName,
                };
            }

            return new Option<string>(name) { Arity = ArgumentArity.ExactlyOne, HelpName = helpName };
        }

        /// <summary>The word the usage line shows after an option ("--validity 5m" gives "5m"), for --help.</summary>
        private static string? ValueName(string usage, string name)
        {
            string[] words = usage.Split(' ');
            for (int i = 0; i + 1 < words.Length; i++)
            {
                if (words[i].Trim('[', '(') == "--" + name)
                {
                    string value = UntilUnopenedBracket(words[i + 1].TrimStart('[', '('));
                    return value.Length == 0 || value.StartsWith("-", System.StringComparison.Ordinal) ? null : value;
                }
            }

            return null;
        }

        /// <summary>"USER=NAME[,NAME]...]..." gives "USER=NAME[,NAME]...": the value ends at a bracket it did not open.</summary>
        private static string UntilUnopenedBracket(string word)
        {
            int depth = 0;
            for (int i = 0; i < word.Length; i++)
            {
                if (word[i] == '[' || word[i] == '(')
                {
                    depth++;
                }
                else if (word[i] == ']' || word[i] == ')')
                {
                    if (depth == 0)
                    {
                        return word.Substring(0, i);
                    }

                    depth--;
                }
            }

            return word;
        }

        /// <summary>The usage line's arguments ("HOST...", "PATH|-", "SRC... DEST"): its words that are no option and no option's value.</summary>
        private static string PositionalsName(CliCommand declared)
        {
            var names = new List<string>();
            string[] words = declared.Usage.Split(' ').Where(w => w.Length > 0).Skip(1 + declared.Path.Split(' ').Length).ToArray();
            for (int i = 0; i < words.Length; i++)
            {
                string word = words[i].Trim('[', ']', '(', ')');
                if (word == "--")
                {
                    break;
                }

                if (word.StartsWith("--", System.StringComparison.Ordinal))
                {
                    OptionSpec? spec = declared.Options.Concat(CommonOptions).FirstOrDefault(o => "--" + o.Name == word);
                    if (spec != null && spec.TakesValue && !words[i].EndsWith("]", System.StringComparison.Ordinal) && !words[i].EndsWith(")", System.StringComparison.Ordinal))
                    {
                        i++;
                    }

                    continue;
                }

                if (word.Length > 0 && word != "|" && !word.StartsWith("-", System.StringComparison.Ordinal))
                {
                    names.Add(word);
                }
            }

            return names.Count == 0 ? "ARG" : string.Join(" ", names);
        }

        private static SshKmsException Usage(string message) =>
            new SshKmsException("CliUsage", SshKmsErrorCategory.InvalidArgument, message);

        /// <summary>A runnable command: its declaration and its options by name.</summary>
        private sealed class Leaf
        {
            public Leaf(CliCommand command) => Command = command;

            public CliCommand Command { get; }

            public Dictionary<string, Option> Options { get; } = new Dictionary<string, Option>();
        }
    }
}
