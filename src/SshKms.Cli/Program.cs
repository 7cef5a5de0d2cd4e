using System;
using System.Collections.Generic;
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
            .ToList();

        private static int Main(string[] args) => RunAsync(args, CliConsole.System()).GetAwaiter().GetResult();

        /// <summary>Runs one command line; never throws. Errors become one line on stderr and a non-zero code.</summary>
        public static async Task<int> RunAsync(string[] args, CliConsole console)
        {
            if (args.Length == 0 || args[0] == "--help" || args[0] == "-h" || args[0] == "help")
            {
                PrintHelp(args.Length == 0 ? console.Err : console.Out);
                return args.Length == 0 ? ExitUsage : 0;
            }

            if (args[0] == "--version")
            {
                console.Out.WriteLine(typeof(Program).Assembly.GetName().Version);
                return 0;
            }

            try
            {
                CliInvocation invocation = CliParser.Parse(Commands, args, console);
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

        private static void PrintHelp(System.IO.TextWriter w)
        {
            w.WriteLine("sshkms: SSH certificates, sessions, rotation and envelope encryption anchored in AWS KMS.");
            w.WriteLine();
            foreach (CliCommand c in Commands)
            {
                w.WriteLine("  " + c.Usage);
            }

            w.WriteLine();
            w.WriteLine("Every command takes --region, --profile and --endpoint-url. --ca defaults to $SSHKMS_CA, then local:default.");
        }
    }
}
