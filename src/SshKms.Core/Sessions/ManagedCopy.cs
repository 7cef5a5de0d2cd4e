using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Renci.SshNet;
using Renci.SshNet.Common;
using Renci.SshNet.Sftp;

namespace SshKms.Core.Sessions
{
    /// <summary>
    /// `scp -r` over SFTP in this process: local sources to one host, or one host's sources here; several sources,
    /// directories recursively, a relative remote path under the login's home. SFTP rather than SCP because the
    /// system scp itself speaks SFTP by default (OpenSSH 9), so both transports need the same server setup; the
    /// server names its failures (no such file, permission denied) instead of printing text; and no remote shell
    /// parses the paths. As scp does, a source that fails is reported on stderr, the others are still copied, and
    /// the exit code is then 1. Every local name comes from the caller or is checked to be one plain name, so a
    /// server cannot make a copy write outside the destination.
    /// </summary>
    internal sealed class ManagedCopy
    {
        private readonly SftpClient _sftp;
        private readonly SshOutputSink _sink;
        private readonly StringBuilder _error = new StringBuilder();
        private readonly CancellationToken _cancellationToken;
        private bool _failed;

        /// <summary>Why the copy stopped before its end (scp's own failure, exit 255), or null.</summary>
        private string? _stoppedBy;

        private ManagedCopy(SftpClient sftp, SshOutputSink sink, CancellationToken cancellationToken)
        {
            _sftp = sftp;
            _sink = sink;
            _cancellationToken = cancellationToken;
        }

        /// <summary>Refuses what this copy cannot do, before anything is copied: between two hosts, or local and remote sources mixed.</summary>
        public static void EnsureSupported(IReadOnlyList<string> sources, string destination)
        {
            bool upload = SshSession.IsRemoteOperand(destination);
            List<string> remote = sources.Concat(new[] { destination }).Where(SshSession.IsRemoteOperand).ToList();
            bool oneHost = remote.Select(HostPart).Distinct(StringComparer.Ordinal).Count() == 1;
            if (upload ? remote.Count != 1 : remote.Count != sources.Count || !oneHost)
            {
                throw new SshKmsException("CopyOperandsUnsupported", SshKmsErrorCategory.InvalidArgument,
                    "The in-process (Managed) transport copies local files to one host, or one host's files here: not from host to host, "
                    + "nor local and remote sources together.");
            }
        }

        public static async Task<SshProcessResult> RunAsync(SftpClient sftp, IReadOnlyList<string> sources, string destination, SshOutputSink sink,
            CancellationToken cancellationToken)
        {
            var copy = new ManagedCopy(sftp, sink, cancellationToken);
            if (SshSession.IsRemoteOperand(destination))
            {
                await copy.UploadAsync(sources, RemotePath(destination)).ConfigureAwait(false);
            }
            else
            {
                await copy.DownloadAsync(sources.Select(RemotePath).ToList(), destination).ConfigureAwait(false);
            }

            return copy._stoppedBy != null
                ? new SshProcessResult { ExitCode = 255, Error = copy._error.ToString(), ErrorId = "SshFailed", ErrorMessage = copy._stoppedBy }
                : new SshProcessResult { ExitCode = copy._failed ? 1 : 0, Error = copy._error.ToString() };
        }

        private static string HostPart(string operand) => operand.Substring(0, operand.IndexOf(':'));

        /// <summary>The path of "[user@]host:path": empty or "~" is the login's home, "~/x" and "x" are under it (the SFTP server starts there).</summary>
        private static string RemotePath(string operand)
        {
            string path = operand.Substring(operand.IndexOf(':') + 1);
            return path.Length == 0 || path == "~" ? "." : path.StartsWith("~/", StringComparison.Ordinal) ? path.Substring(2) : path;
        }

        private static string RemoteJoin(string directory, string name) => directory.EndsWith("/", StringComparison.Ordinal) ? directory + name : directory + "/" + name;

        private async Task UploadAsync(IReadOnlyList<string> sources, string destination)
        {
            bool intoDirectory = await IsRemoteDirectoryAsync(destination).ConfigureAwait(false);
            if (sources.Count > 1 && !intoDirectory)
            {
                // scp (SFTP) makes a missing target of several sources a directory; a file there stays an error.
                if (!await Attempt(destination, () => _sftp.CreateDirectoryAsync(destination, _cancellationToken)).ConfigureAwait(false))
                {
                    return;
                }

                intoDirectory = true;
            }

            foreach (string source in sources)
            {
                if (!File.Exists(source) && !Directory.Exists(source))
                {
                    // scp stops at a local source that is not there: the sources before it were copied, none after.
                    _stoppedBy = $"scp: stat local \"{source}\": No such file or directory";
                    _error.Append(_stoppedBy).Append('\n');
                    _sink.OnErrorLine?.Invoke(_stoppedBy);
                    return;
                }

                string name = Path.GetFileName(source.TrimEnd('/', Path.DirectorySeparatorChar));
                string target = intoDirectory ? RemoteJoin(destination, name) : destination;
                await Attempt(source, () => Directory.Exists(source) ? UploadDirectoryAsync(source, target) : UploadFileAsync(source, target)).ConfigureAwait(false);
            }
        }

        private async Task UploadDirectoryAsync(string local, string remote)
        {
            if (!await IsRemoteDirectoryAsync(remote).ConfigureAwait(false))
            {
                await _sftp.CreateDirectoryAsync(remote, _cancellationToken).ConfigureAwait(false);
            }

            foreach (string entry in Directory.EnumerateFileSystemEntries(local))
            {
                string target = RemoteJoin(remote, Path.GetFileName(entry));
                await Attempt(entry, () => Directory.Exists(entry) ? UploadDirectoryAsync(entry, target) : UploadFileAsync(entry, target)).ConfigureAwait(false);
            }
        }

        private async Task UploadFileAsync(string local, string remote)
        {
            using (FileStream input = File.OpenRead(local))
            {
                await _sftp.UploadFileAsync(input, remote, true, null, _cancellationToken).ConfigureAwait(false);
            }
#if NET8_0_OR_GREATER
            if (!OperatingSystem.IsWindows())
            {
                // As scp: the file keeps its permission bits (the server's umask may still narrow a new file's).
                _sftp.ChangePermissions(remote, Convert.ToInt16(Convert.ToString((int)File.GetUnixFileMode(local) & 0x1FF, 8)));
            }
#endif
        }

        private async Task DownloadAsync(IReadOnlyList<string> sources, string destination)
        {
            bool intoDirectory = Directory.Exists(destination);
            if (sources.Count > 1 && !intoDirectory)
            {
                Fail(destination, "Not a directory");
                return;
            }

            foreach (string source in sources)
            {
                await Attempt(source, async () =>
                {
                    ISftpFile file = _sftp.Get(source);
                    string target = intoDirectory ? Path.Combine(destination, PlainName(file.Name)) : destination;
                    await (file.IsDirectory ? DownloadDirectoryAsync(file.FullName, target) : DownloadFileAsync(file, target)).ConfigureAwait(false);
                }).ConfigureAwait(false);
            }
        }

        private async Task DownloadDirectoryAsync(string remote, string local)
        {
            Directory.CreateDirectory(local);
            foreach (ISftpFile entry in _sftp.ListDirectory(remote))
            {
                if (entry.Name == "." || entry.Name == "..")
                {
                    continue;
                }

                await Attempt(RemoteJoin(remote, entry.Name), async () =>
                {
                    string target = Path.Combine(local, PlainName(entry.Name));

                    // A link is followed, as scp -r does; the listing describes the link itself.
                    ISftpFile file = entry.IsSymbolicLink ? _sftp.Get(entry.FullName) : entry;
                    await (file.IsDirectory ? DownloadDirectoryAsync(entry.FullName, target) : DownloadFileAsync(file, target)).ConfigureAwait(false);
                }).ConfigureAwait(false);
            }
        }

        private async Task DownloadFileAsync(ISftpFile file, string local)
        {
            using (var output = new FileStream(local, FileMode.Create, FileAccess.Write))
            {
                await _sftp.DownloadFileAsync(file.FullName, output, _cancellationToken).ConfigureAwait(false);
            }
#if NET8_0_OR_GREATER
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(local, (UnixFileMode)(ModeOf(file) & 0x1FF) & ~(UnixFileMode.SetUser | UnixFileMode.SetGroup | UnixFileMode.StickyBit));
            }
#endif
        }

#if NET8_0_OR_GREATER
        private static int ModeOf(ISftpFile file) =>
            (file.OwnerCanRead ? 0x100 : 0) | (file.OwnerCanWrite ? 0x80 : 0) | (file.OwnerCanExecute ? 0x40 : 0)
            | (file.GroupCanRead ? 0x20 : 0) | (file.GroupCanWrite ? 0x10 : 0) | (file.GroupCanExecute ? 0x8 : 0)
            | (file.OthersCanRead ? 0x4 : 0) | (file.OthersCanWrite ? 0x2 : 0) | (file.OthersCanExecute ? 0x1 : 0);
#endif

        /// <summary>A name the server gave, used only if it is one plain name: never "..", a separator, or empty.</summary>
        private static string PlainName(string name)
        {
            if (name.Length == 0 || name == "." || name == ".." || name.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0
                || name.IndexOf('/') >= 0 || name.IndexOf(Path.DirectorySeparatorChar) >= 0)
            {
                throw new InvalidDataException($"the server sent the name '{name}', which would leave the destination; it was not copied");
            }

            return name;
        }

        private async Task<bool> IsRemoteDirectoryAsync(string path)
        {
            try
            {
                return (await _sftp.GetAttributesAsync(path, _cancellationToken).ConfigureAwait(false)).IsDirectory;
            }
            catch (SftpPathNotFoundException)
            {
                return false;
            }
        }

        /// <summary>One source (or one entry of a directory): its failure is reported and the copy goes on, as scp's does.</summary>
        private async Task<bool> Attempt(string what, Func<Task> copy)
        {
            try
            {
                await copy().ConfigureAwait(false);
                return true;
            }
            catch (Exception ex) when (!_cancellationToken.IsCancellationRequested && Reason(ex) is string reason)
            {
                Fail(what, reason);
                return false;
            }
        }

        /// <summary>scp's words for a failure of one file; null for a failure of the whole connection, which ends the copy.</summary>
        private static string? Reason(Exception ex) => ex switch
        {
            SftpPathNotFoundException _ => "No such file or directory",
            FileNotFoundException _ => "No such file or directory",
            SftpPermissionDeniedException _ => "Permission denied",
            UnauthorizedAccessException _ => "Permission denied",
            SshConnectionException _ => null,
            SshException _ => ex.Message,
            IOException _ => ex.Message,
            _ => null,
        };

        private void Fail(string what, string reason)
        {
            string line = $"scp: {what}: {reason}";
            _failed = true;
            _error.Append(line).Append('\n');
            _sink.OnErrorLine?.Invoke(line);
        }
    }
}
