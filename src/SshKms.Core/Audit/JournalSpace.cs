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
        /// <summary>Room for many lines: the next appends land in space already held.</summary>
        internal const long ReserveBytes = 64 * 1024;

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
                if (Fallocate(stream.SafeFileHandle.DangerousGetHandle().ToInt32(), FallocKeepSize, stream.Length, ReserveBytes) == 0)
                {
                    return null;
                }

                int errno = Marshal.GetLastWin32Error();
                return errno == ENOSPC || errno == EDQUOT ? "no space left on its disk"
                    : errno == ENODEV || errno == ESPIPE ? "it is not a regular file"
                    : null; // A file system without fallocate (EOPNOTSUPP): the write itself will tell.
            }

            return FreeBytes(path) < ReserveBytes ? "no space left on its disk" : null;
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
