using System;
using System.IO;

namespace SshKms.Core
{
    /// <summary>
    /// Reading the files a user names, with one set of errors for every operation: the operation's own
    /// "not found" id when the file is missing, FileReadFailed for a folder or an I/O or permission error.
    /// </summary>
    internal static class InputFiles
    {
        /// <summary>Opens a file to read as a stream; a missing file is FileReadFailed unless <paramref name="notFoundId"/> names another id.</summary>
        public static FileStream OpenRead(string path, string? notFoundId = null, string what = "file")
        {
            ThrowIfMissing(path, notFoundId, what);
            try
            {
                return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 64 * 1024, useAsync: true);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                throw ReadFailed(path, ex.Message);
            }
        }

        /// <summary>The whole text of a small file (a key or certificate line).</summary>
        public static string ReadAllText(string path, string notFoundId, string what)
        {
            ThrowIfMissing(path, notFoundId, what);
            try
            {
                return File.ReadAllText(path);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                throw ReadFailed(path, ex.Message);
            }
        }

        private static void ThrowIfMissing(string path, string? notFoundId, string what)
        {
            if (Directory.Exists(path))
            {
                throw ReadFailed(path, "it is a directory.");
            }

            if (notFoundId != null && !File.Exists(path))
            {
                throw new SshKmsException(notFoundId, SshKmsErrorCategory.ObjectNotFound, $"No {what} at {path}.");
            }
        }

        private static SshKmsException ReadFailed(string path, string reason) =>
            new SshKmsException("FileReadFailed", SshKmsErrorCategory.ReadError, $"Could not read {path}: {reason}");
    }
}
