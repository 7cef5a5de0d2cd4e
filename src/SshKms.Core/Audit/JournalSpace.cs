using System;
using System.IO;
using System.Runtime.InteropServices;

namespace SshKms.Core.Audit
{
    /// <summary>
    /// Makes sure the journal has room for the next lines before anything is signed or run. On Linux the space is
    /// reserved for the file itself with fallocate(2) (FALLOC_FL_KEEP_SIZE: the file's visible length and contents do
    /// not change, so a crash leaves nothing behind); elsewhere the file system's free space is checked.
    /// </summary>
    internal static class JournalSpace
    {
        /// <summary>Room for many lines, reserved at once: the next appends land in space already held.</summary>
        internal const long ReserveBytes = 1024 * 1024;

        /// <summary>Below this much reserved room left, reserve again.</summary>
        private const long MinimumRoom = 64 * 1024;

        /// <summary>Per journal path, the end of the room this process reserved last.</summary>
        private static readonly System.Collections.Generic.Dictionary<string, long> ReservedUntil =
            new System.Collections.Generic.Dictionary<string, long>(StringComparer.Ordinal);

        private const int FallocKeepSize = 1;
        private const int ENOSPC = 28;
        private const int EDQUOT = 122;
        private const int ENODEV = 19;
        private const int ESPIPE = 29;

        /// <summary>Null when there is room; otherwise why the next line could not be written.</summary>
        internal static string? Check(FileStream stream, string path)
        {
            if (RuntimeInformation.IsOSPlatform(OSPlatform.Linux))
            {
                long length = stream.Length;
                lock (ReservedUntil)
                {
                    // A fallocate per line made each fsync'd append far slower (bench/CertThroughput: 71 against 120 certificates/s),
                    // so room is reserved a chunk at a time and this process remembers how far it reaches.
                    if (ReservedUntil.TryGetValue(path, out long until) && length + MinimumRoom <= until)
                    {
                        return null;
                    }
                }

                // A whole chunk, or else the minimum (a small disk that has room for some lines is not full).
                int errno = 0;
                foreach (long size in new[] { ReserveBytes, MinimumRoom })
                {
                    if (Fallocate(stream.SafeFileHandle.DangerousGetHandle().ToInt32(), FallocKeepSize, length, size) == 0)
                    {
                        lock (ReservedUntil)
                        {
                            ReservedUntil[path] = length + size;
                        }

                        return null;
                    }

                    errno = Marshal.GetLastWin32Error();
                    if (errno != ENOSPC && errno != EDQUOT)
                    {
                        break;
                    }
                }

                return errno == ENOSPC || errno == EDQUOT ? "no space left on its disk"
                    : errno == ENODEV || errno == ESPIPE ? "it is not a regular file"
                    : null; // A file system without fallocate (EOPNOTSUPP): the write itself will tell.
            }

            return FreeBytes(path) < MinimumRoom ? "no space left on its disk" : null;
        }

        private static long? FreeBytes(string path)
        {
            try
            {
                string? where = RuntimeInformation.IsOSPlatform(OSPlatform.Windows) ? Path.GetPathRoot(path) : Path.GetDirectoryName(path);
                return string.IsNullOrEmpty(where) ? (long?)null : new DriveInfo(where).AvailableFreeSpace;
            }
            catch (ArgumentException)
            {
                return null;
            }
        }

        [DllImport("libc", EntryPoint = "fallocate", SetLastError = true)]
        private static extern int Fallocate(int fd, int mode, long offset, long length);
    }
}
