using System;
using System.IO;

namespace SshKms.Core
{
    /// <summary>
    /// Reading the files a user names, with one set of errors for every operation: the operation's own
    /// "not found" error when the file is missing, FileReadFailed for a folder or an I/O or permission error.
    /// </summary>
    internal static class InputFiles
    {
        /// <summary>Opens a file to read as a stream; a missing file is FileReadFailed.</summary>
        public static FileStream OpenRead(string path)
        {
            ThrowIfMissing(path, null);
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
        public static string ReadAllText(string path, Func<SshKmsException> missing)
        {
            ThrowIfMissing(path, missing);
            try
            {
                return File.ReadAllText(path);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                throw ReadFailed(path, ex.Message);
            }
        }

        private static void ThrowIfMissing(string path, Func<SshKmsException>? missing)
        {
            if (Directory.Exists(path))
            {
                throw ReadFailed(path, "it is a directory.");
            }

            if (missing != null && !File.Exists(path))
            {
                throw missing();
            }
        }

        private static SshKmsException ReadFailed(string path, string reason) =>
            new SshKmsException("FileReadFailed", SshKmsErrorCategory.ReadError, $"Could not read {path}: {reason}");
    }
}
