using System;
using System.Collections.Generic;
using System.CommandLine;
using System.Linq;
using System.Threading.Tasks;
using SshKms.Cli.Commands;
using SshKms.Core;

namespace SshKms.Cli
{
    internal static class Program
    {
        public const int ExitUsage = 2;
        public const int ExitError = 1;

        /// <summary>Every command, one line per capability.</summary>
        public static IReadOnlyList<CliCommand> Commands { get; } = new List<CliCommand>()
            .Concat(CaCommands.All).Concat(CertCommands.All)
            .Concat(SshKms.Cli.Commands.SessionCommands.All)
            .Concat(EnvelopeCommands.All)
            .Concat(KeyPairCommands.All)
            .Concat(RotateCommands.All)
            .Concat(AuditCommands.All)
            .Concat(TrustCommands.All)
            .Concat(RevocationCommands.All)
            .ToList();

        private static int Main(string[] args) => RunAsync(args, CliConsole.System()).GetAwaiter().GetResult();

        /// <summary>Runs one command line; never throws. Errors become one line on stderr and a non-zero code.</summary>
        public static async Task<int> RunAsync(string[] args, CliConsole console)
        {
            try
            {
                var parser = new CliParser(Commands);
                if (args.Length == 0)
                {
                    // No command: the usage, where it cannot be mistaken for a command's output.
                    parser.Parse(new[] { "--help" }).Invoke(new InvocationConfiguration { Output = console.Err });
                    return ExitUsage;
                }

                ParseResult parsed = parser.Parse(args.Length == 1 && args[0] == "help" ? new[] { "--help" } : args);
                CliInvocation? invocation = parser.Bind(parsed, args, console);
                if (invocation == null)
                {
                    // --help or --version: System.CommandLine writes them.
                    return parsed.Invoke(new InvocationConfiguration { Output = console.Out, Error = console.Err });
                }

                return await invocation.Command.Run(invocation).ConfigureAwait(false);
            }
            catch (SshKmsException ex)
            {
                console.Err.WriteLine($"sshkms: {ex.Message} [{ex.ErrorId}]");
                return IsUsageError(ex.ErrorId) ? ExitUsage : ExitError;
            }
            catch (OperationCanceledException)
            {
                console.Err.WriteLine("sshkms: cancelled.");
                return 130;
            }
            catch (Exception ex)
            {
                // Unknown failures still get one line: a stack trace helps nobody at a runbook's console.
                console.Err.WriteLine($"sshkms: unexpected {ex.GetType().Name}: {ex.Message} [Unexpected]");
                return ExitError;
            }
        }

        /// <summary>A command line the parser or a command's options refused: exit 2, as for any usage error.</summary>
        internal static bool IsUsageError(string errorId) =>
            errorId == "CliUsage" || errorId == "CliOptionMissing" || errorId == "CliOptionInvalid";
    }
}
