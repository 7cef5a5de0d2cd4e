using System;
using System.IO;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Renci.SshNet;

namespace SshKms.Core.Sessions
{
    /// <summary>
    /// One remote command over a connected SSH.NET client, with its streams handled as the system ssh handles them:
    /// output reaches the sink line by line while the command runs (and is kept in the result), or, with
    /// InheritStdio, goes byte for byte to this process's stdout/stderr while this process's stdin is forwarded
    /// until its end.
    /// </summary>
    internal static class ManagedCommand
    {
        private const int ChunkSize = 32 * 1024;

        public static async Task<SshProcessResult> RunAsync(SshClient client, string commandText, bool inheritStdio, SshOutputSink sink,
            CancellationToken cancellationToken)
        {
            using (SshCommand command = client.CreateCommand(commandText))
            {
                Task execution = command.ExecuteAsync(cancellationToken);
                if (execution.IsCanceled)
                {
                    // Cancelled before the channel opened: there is no input to give.
                    await execution.ConfigureAwait(false);
                }

                Stream? input = InputOf(command);
                var output = new StringBuilder();
                var error = new StringBuilder();
                Task reading;
                if (inheritStdio)
                {
                    // Not awaited: a terminal's stdin may never end, and the command's end is what ends the run.
                    if (input != null)
                    {
                        _ = StartOnOwnThread(() => Forward(Console.OpenStandardInput(), input));
                    }

                    reading = Task.WhenAll(
                        StartOnOwnThread(() => Pass(command.OutputStream, Console.OpenStandardOutput())),
                        StartOnOwnThread(() => Pass(command.ExtendedOutputStream, Console.OpenStandardError())));
                }
                else
                {
                    // As ssh with its stdin closed: the command reads end-of-file at once.
                    input?.Dispose();
                    reading = Task.WhenAll(
                        StartOnOwnThread(() => ReadLines(command.OutputStream, output, sink.OnOutputLine)),
                        StartOnOwnThread(() => ReadLines(command.ExtendedOutputStream, error, sink.OnErrorLine)));
                }

                await execution.ConfigureAwait(false);

                // The output streams end once the channel has closed, after the last data it carried.
                await reading.ConfigureAwait(false);
                var result = new SshProcessResult { ExitCode = command.ExitStatus ?? 255, Output = output.ToString(), Error = error.ToString() };
                if (command.ExitStatus == null)
                {
                    // ssh exits 255 for a command killed by a signal, which the OpenSsh transport reports as SshFailed.
                    result.ErrorId = "SshFailed";
                    result.ErrorMessage = command.ExitSignal == null ? "The remote command ended without an exit status."
                        : $"The remote command was killed by signal {command.ExitSignal}.";
                }

                return result;
            }
        }

        /// <summary>The command's stdin; null when the command has already ended (a quick one can, before this is asked).</summary>
        private static Stream? InputOf(SshCommand command)
        {
            try
            {
                return command.CreateInputStream();
            }
            catch (InvalidOperationException)
            {
                // SSH.NET opens the input only while the command executes.
                return null;
            }
        }

        /// <summary>
        /// Reads run on threads of their own: SSH.NET's output streams block, and with many hosts at once pool threads
        /// blocked in reads would starve the rest of the run.
        /// </summary>
        internal static Task StartOnOwnThread(Action work) =>
            Task.Factory.StartNew(work, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

        /// <summary>Lines as Process splits them (\n, \r\n or \r), each kept with '\n' as the OpenSsh transport keeps them.</summary>
        private static void ReadLines(Stream stream, StringBuilder into, Action<string>? onLine)
        {
            using (var reader = new StreamReader(stream, new UTF8Encoding(false)))
            {
                string? line;
                while ((line = reader.ReadLine()) != null)
                {
                    into.Append(line).Append('\n');
                    onLine?.Invoke(line);
                }
            }
        }

        /// <summary>Bytes as they come, flushed per chunk so a prompt or a progress line shows at once.</summary>
        internal static void Pass(Stream from, Stream to)
        {
            var buffer = new byte[ChunkSize];
            int read;
            while ((read = from.Read(buffer, 0, buffer.Length)) > 0)
            {
                to.Write(buffer, 0, read);
                to.Flush();
            }
        }

        /// <summary>This process's stdin to the command until its end, then end-of-file; a command that ended first stops it.</summary>
        private static void Forward(Stream from, Stream input)
        {
            try
            {
                var buffer = new byte[ChunkSize];
                int read;
                while ((read = from.Read(buffer, 0, buffer.Length)) > 0)
                {
                    input.Write(buffer, 0, read);
                }

                input.Dispose();
            }
            catch (Exception ex) when (ex is IOException || ex is ObjectDisposedException || ex is InvalidOperationException
                || ex is Renci.SshNet.Common.SshException)
            {
                // The command ended (or the connection closed) before its input did: what is left is not wanted.
            }
        }
    }
}
