using System;
using System.IO;
using System.Security.Cryptography;
using System.Threading.Tasks;
#if NET8_0_OR_GREATER
using System.IO.Pipes;
using System.Net.Sockets;
#endif

namespace SshKms.Core.Sessions
{
    /// <summary>Where the agent listens: a Unix socket, or a named pipe on Windows.</summary>
    public sealed partial class SshAgentServer
    {
        internal const string SocketFileName = "agent.sock";

        /// <summary>Whether this runtime can serve the agent to ssh: .NET 8 and later (PowerShell 7.4+), not .NET Framework.</summary>
#if NET8_0_OR_GREATER
        internal const bool IsSupported = true;
#else
        internal const bool IsSupported = false;
#endif

        internal static SshKmsException OpenSshUnsupported() =>
            new SshKmsException("SessionTransportUnsupported", SshKmsErrorCategory.NotImplemented,
                "The OpenSsh transport needs PowerShell 7.4 or later (.NET 8) to serve the session key to ssh; on Windows PowerShell 5.1 use the Managed transport.");

#if NET8_0_OR_GREATER
        private Socket? _listener;
        private Task? _acceptLoop;

        private void Listen()
        {
            if (OperatingSystem.IsWindows())
            {
                ListenOnPipe();
                return;
            }

            // A fresh directory only we can enter: the socket inside it is unreachable by others from the moment
            // it is bound, so chmod 0600 afterwards leaves no window.
            // The PID names the owner, for an operator looking at /tmp and for tests that share it with other processes.
            string dir = Path.Combine(Path.GetTempPath(), $"sshkms-agent-{ProcessId}-{RandomName()}");
            if (System.IO.Directory.Exists(dir))
            {
                throw new SshKmsException("AgentDirectoryExists", SshKmsErrorCategory.SecurityError, $"The agent directory '{dir}' already exists.");
            }

            System.IO.Directory.CreateDirectory(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            Directory = dir;
            if (File.GetUnixFileMode(dir) != (UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute))
            {
                throw new SshKmsException("AgentDirectoryInsecure", SshKmsErrorCategory.SecurityError, $"The agent directory '{dir}' is not private (0700).");
            }

            string path = Path.Combine(dir, SocketFileName);
            var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            _listener = listener;
            listener.Bind(new UnixDomainSocketEndPoint(path));
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            listener.Listen(64);
            Address = path;
            _acceptLoop = Task.Run(async () =>
            {
                while (!_stop.IsCancellationRequested)
                {
                    Socket client;
                    try
                    {
                        client = await listener.AcceptAsync(_stop.Token).ConfigureAwait(false);
                    }
                    catch (Exception ex) when (ex is OperationCanceledException || ex is ObjectDisposedException || ex is SocketException)
                    {
                        return;
                    }

                    Track(new NetworkStream(client, ownsSocket: true));
                }
            });
        }

        private void ListenOnPipe()
        {
            if (!OperatingSystem.IsWindows())
            {
                return;
            }

            string name = "sshkms-agent-" + RandomName();
            Address = @"\\.\pipe\" + name;
            var security = new PipeSecurity();
            using (var me = System.Security.Principal.WindowsIdentity.GetCurrent())
            {
                security.AddAccessRule(new PipeAccessRule(me.User!, PipeAccessRights.FullControl, System.Security.AccessControl.AccessControlType.Allow));
            }

            security.SetAccessRuleProtection(isProtected: true, preserveInheritance: false);
            NamedPipeServerStream Create() => NamedPipeServerStreamAcl.Create(name, PipeDirection.InOut, NamedPipeServerStream.MaxAllowedServerInstances,
                PipeTransmissionMode.Byte, PipeOptions.Asynchronous | PipeOptions.CurrentUserOnly, 0, 0, security);

            // A pipe name exists only while an instance of it does: the first is made before Address is handed to
            // ssh, and each next one before the connected one is served, so ssh never finds the agent missing.
            NamedPipeServerStream next = Create();
            _acceptLoop = Task.Run(async () =>
            {
                while (true)
                {
                    NamedPipeServerStream pipe = next;
                    try
                    {
                        await pipe.WaitForConnectionAsync(_stop.Token).ConfigureAwait(false);
                        next = Create();
                    }
                    catch (Exception ex) when (ex is OperationCanceledException || ex is ObjectDisposedException || ex is IOException)
                    {
                        pipe.Dispose();
                        return;
                    }

                    Track(pipe);
                }
            });
        }

        private static int ProcessId
        {
            get
            {
                using (System.Diagnostics.Process self = System.Diagnostics.Process.GetCurrentProcess())
                {
                    return self.Id;
                }
            }
        }

        /// <summary>Closes the socket or pipe; returns the accept loop, which ends on its own once cancelled.</summary>
        private Task? CloseListener()
        {
            _listener?.Dispose();
            return _acceptLoop;
        }

        private void RemoveSocketDirectory()
        {
            if (Directory != null)
            {
                try
                {
                    System.IO.Directory.Delete(Directory, recursive: true);
                }
                catch (DirectoryNotFoundException)
                {
                }
            }
        }
#else
        private void Listen() => throw OpenSshUnsupported();

        private Task? CloseListener() => null;

        private void RemoveSocketDirectory()
        {
        }
#endif

        private static string RandomName()
        {
            var bytes = new byte[12];
            using (var rng = RandomNumberGenerator.Create())
            {
                rng.GetBytes(bytes);
            }

            return BitConverter.ToString(bytes).Replace("-", string.Empty).ToLowerInvariant();
        }
    }
}
