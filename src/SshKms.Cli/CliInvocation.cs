using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using SshKms.Core;
using SshKms.Core.Aws;

namespace SshKms.Cli
{
    /// <summary>The standard streams, injectable so tests run commands in-process.</summary>
    internal sealed class CliConsole
    {
        public CliConsole(Func<Stream> openIn, Func<Stream> openOut, TextWriter outWriter, TextWriter errWriter)
        {
            OpenIn = openIn;
            OpenOut = openOut;
            Out = outWriter;
            Err = errWriter;
        }

        public Func<Stream> OpenIn { get; }

        public Func<Stream> OpenOut { get; }

        public TextWriter Out { get; }

        public TextWriter Err { get; }

        /// <summary>True when these are the process's own standard streams, which a child process can inherit as they are.</summary>
        public bool IsProcessStdio { get; private set; }

        public static CliConsole System() =>
            new CliConsole(Console.OpenStandardInput, Console.OpenStandardOutput, Console.Out, Console.Error) { IsProcessStdio = true };
    }

    /// <summary>A parsed command line, handed to a command's handler.</summary>
    internal sealed class CliInvocation
    {
        private readonly Dictionary<string, List<string>> _options;

        public CliInvocation(CliCommand command, Dictionary<string, List<string>> options, List<string> positionals, List<string> afterDashDash, CliConsole console)
        {
            Command = command;
            _options = options;
            Positionals = positionals;
            AfterDashDash = afterDashDash;
            Console = console;
        }

        public CliCommand Command { get; }

        public IReadOnlyList<string> Positionals { get; }

        /// <summary>Words after "--", for commands that pass a remote command through.</summary>
        public IReadOnlyList<string> AfterDashDash { get; }

        public CliConsole Console { get; }

        public TextWriter Out => Console.Out;

        public TextWriter Err => Console.Err;

        /// <summary>A local key made on use: one stderr line naming its file and fingerprint (the cmdlets' warning).</summary>
        public void WarnIfCreated(SshKms.Core.Keys.KeyCreated? created)
        {
            if (created != null)
            {
                Err.WriteLine("sshkms: warning: " + created.Message);
            }
        }

        public AwsSettings Aws => new AwsSettings
        {
            Region = Get("region"),
            ProfileName = Get("profile"),
            EndpointUrl = Get("endpoint-url"),
        };

        public bool Has(string name) => _options.ContainsKey(name);

        public string? Get(string name) => _options.TryGetValue(name, out List<string>? values) ? values.Last() : null;

        public IReadOnlyList<string> GetAll(string name) => _options.TryGetValue(name, out List<string>? values) ? values : new List<string>();

        public string Require(string name) =>
            Get(name) ?? throw new SshKmsException("CliOptionMissing", SshKmsErrorCategory.InvalidArgument, $"--{name} is required. Usage: {Command.Usage}");

        public int? GetInt(string name)
        {
            string? text = Get(name);
            if (text == null)
            {
                return null;
            }

            if (!int.TryParse(text, out int value) || value < 0)
            {
                throw new SshKmsException("CliOptionInvalid", SshKmsErrorCategory.InvalidArgument, $"--{name} takes a whole number, not '{text}'.");
            }

            return value;
        }

        /// <summary>KEY=VALUE pairs of a repeatable option.</summary>
        public IReadOnlyList<KeyValuePair<string, string>> GetPairs(string name)
        {
            var pairs = new List<KeyValuePair<string, string>>();
            foreach (string item in GetAll(name))
            {
                int eq = item.IndexOf('=');
                if (eq <= 0)
                {
                    throw new SshKmsException("CliOptionInvalid", SshKmsErrorCategory.InvalidArgument, $"--{name} takes KEY=VALUE, not '{item}'.");
                }

                pairs.Add(new KeyValuePair<string, string>(item.Substring(0, eq), item.Substring(eq + 1)));
            }

            return pairs;
        }
    }
}
