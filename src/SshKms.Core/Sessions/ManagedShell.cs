using System;
using System.IO;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;
using Renci.SshNet;
using Renci.SshNet.Common;

namespace SshKms.Core.Sessions
{
    /// <summary>
    /// An interactive session (no command) as ssh gives one: on a terminal, a shell on a pseudo-terminal of the same
    /// TERM and size, this terminal in raw mode so every key goes to the remote side; with stdin redirected, the
    /// login shell reading its commands from stdin, without a pseudo-terminal. Either way the shell's exit status is
    /// the result's.
    /// </summary>
    internal static class ManagedShell
    {
        /// <summary>
        /// Without a terminal, the login shell is run as a command: SSH.NET's shell channels can neither end their input
        /// nor keep stderr apart, and a command's can. sshd runs it through the user's own shell, as a shell request would.
        /// </summary>
        private const string LoginShell = "exec \"${SHELL:-/bin/sh}\" -l";

        public static Task<SshProcessResult> RunAsync(SshClient client, SshOutputSink sink, CancellationToken cancellationToken) =>
            Console.IsInputRedirected
                ? ManagedCommand.RunAsync(client, LoginShell, inheritStdio: true, sink, cancellationToken)
                : RunOnTerminalAsync(client, cancellationToken);

        private static async Task<SshProcessResult> RunOnTerminalAsync(SshClient client, CancellationToken cancellationToken)
        {
            (uint columns, uint rows) = WindowSize();
            using (ShellStream shell = client.CreateShellStream(Environment.GetEnvironmentVariable("TERM") ?? "xterm", columns, rows, 0, 0, 32 * 1024))
            {
                var exitStatus = new ExitStatus(shell);
                using (RawTerminal.Enter())
                using (cancellationToken.Register(shell.Dispose))
                using (new Timer(_ => Resize(shell, ref columns, ref rows), null, 250, 250))
                using (var ended = new CancellationTokenSource())
                {
                    // The terminal's input never ends by itself: the shell's end ends the session, and the typing stops then.
                    Task typing = ManagedCommand.StartOnOwnThread(() => Type(Console.OpenStandardInput(), shell, ended.Token));
                    await ManagedCommand.StartOnOwnThread(() => ManagedCommand.Pass(shell, Console.OpenStandardOutput())).ConfigureAwait(false);
                    ended.Cancel();
                    await typing.ConfigureAwait(false);
                }

                cancellationToken.ThrowIfCancellationRequested();
                return new SshProcessResult { ExitCode = exitStatus.Value ?? 255 };
            }
        }

        /// <summary>
        /// Keys as they are typed (ShellStream holds writes until flushed). A read waits only while a key may come, so
        /// that no keystroke meant for whatever runs next in this terminal (PowerShell's prompt) is taken once the shell ended.
        /// </summary>
        private static void Type(Stream keyboard, ShellStream shell, CancellationToken ended)
        {
            try
            {
                var buffer = new byte[1024];
                while (!ended.IsCancellationRequested)
                {
                    if (!RawTerminal.InputWithin(100))
                    {
                        continue;
                    }

                    int read = keyboard.Read(buffer, 0, buffer.Length);
                    if (read == 0)
                    {
                        return;
                    }

                    shell.Write(buffer, 0, read);
                    shell.Flush();
                }
            }
            catch (Exception ex) when (ex is IOException || ex is ObjectDisposedException || ex is SshException)
            {
                // The shell has ended: the rest of the typing is not for it.
            }
        }

        private static (uint Columns, uint Rows) WindowSize()
        {
            try
            {
                return ((uint)Math.Max(1, Console.WindowWidth), (uint)Math.Max(1, Console.WindowHeight));
            }
            catch (IOException)
            {
                return (80, 24);
            }
        }

        /// <summary>A terminal resized while the shell runs is resized remotely too (polled: SIGWINCH is not on every runtime).</summary>
        private static void Resize(ShellStream shell, ref uint columns, ref uint rows)
        {
            (uint c, uint r) = WindowSize();
            if (c == columns && r == rows)
            {
                return;
            }

            columns = c;
            rows = r;
            try
            {
                shell.ChangeWindowSize(c, r, 0, 0);
            }
            catch (Exception ex) when (ex is ObjectDisposedException || ex is SshException)
            {
            }
        }

        /// <summary>
        /// The exit-status the server sends for the shell's channel. SSH.NET 2026.0.0 reads it for commands but neither
        /// shows it for a ShellStream nor makes its channel types public, so the channel's requests are watched by
        /// reflection; if SSH.NET changes its insides the status is unknown (255), and nothing else breaks.
        /// </summary>
        private sealed class ExitStatus
        {
            private readonly object _gate = new object();
            private int? _value;

            public ExitStatus(ShellStream shell)
            {
                object? channel = typeof(ShellStream).GetField("_channel", BindingFlags.Instance | BindingFlags.NonPublic)?.GetValue(shell);
                EventInfo? requests = channel?.GetType().GetEvent("RequestReceived");
                MethodInfo onRequest = typeof(ExitStatus).GetMethod(nameof(OnRequest), BindingFlags.Instance | BindingFlags.NonPublic)!;
                if (requests?.EventHandlerType != null)
                {
                    // EventHandler<ChannelRequestEventArgs> bound to OnRequest(object, EventArgs): the arguments are EventArgs.
                    requests.AddEventHandler(channel, Delegate.CreateDelegate(requests.EventHandlerType, this, onRequest));
                }
            }

            public int? Value
            {
                get
                {
                    lock (_gate)
                    {
                        return _value;
                    }
                }
            }

            private void OnRequest(object sender, EventArgs e)
            {
                object? info = e.GetType().GetProperty("Info")?.GetValue(e);
                if (info?.GetType().Name == "ExitStatusRequestInfo" && info.GetType().GetProperty("ExitStatus")?.GetValue(info) is uint status)
                {
                    lock (_gate)
                    {
                        _value = (int)status;
                    }
                }
            }
        }

        /// <summary>This terminal in raw mode (no echo, no line editing, no signals from keys) while the remote shell owns it.</summary>
        private sealed class RawTerminal : IDisposable
        {
            private const int StandardInput = 0;
            private const int ChangeNow = 0;
            private readonly byte[] _saved;

            private RawTerminal(byte[] saved) => _saved = saved;

            public static IDisposable? Enter()
            {
                if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
                {
                    return null;
                }

                // struct termios is opaque here: a buffer larger than any platform's, filled and changed by libc itself.
                var saved = new byte[256];
                if (tcgetattr(StandardInput, saved) != 0)
                {
                    return null;
                }

                var raw = (byte[])saved.Clone();
                cfmakeraw(raw);
                return tcsetattr(StandardInput, ChangeNow, raw) == 0 ? new RawTerminal(saved) : null;
            }

            public void Dispose() => tcsetattr(StandardInput, ChangeNow, _saved);

            /// <summary>Whether stdin has input (or its end) within the time; always true where poll is not at hand (Windows).</summary>
            public static bool InputWithin(int milliseconds)
            {
                if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
                {
                    return true;
                }

                var fds = new[] { new PollFd { Fd = StandardInput, Events = PollIn } };
                return poll(fds, (UIntPtr)1, milliseconds) != 0;
            }

            private const short PollIn = 1;

            [StructLayout(LayoutKind.Sequential)]
            private struct PollFd
            {
                public int Fd;
                public short Events;
                public short Returned;
            }

            [DllImport("libc", SetLastError = true)]
            private static extern int poll([In, Out] PollFd[] fds, UIntPtr count, int timeout);

            [DllImport("libc", SetLastError = true)]
            private static extern int tcgetattr(int fd, byte[] termios);

            [DllImport("libc", SetLastError = true)]
            private static extern int tcsetattr(int fd, int optionalActions, byte[] termios);

            [DllImport("libc")]
            private static extern void cfmakeraw(byte[] termios);
        }
    }
}
