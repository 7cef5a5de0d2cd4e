using System;
using System.IO;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading.Tasks;

namespace SshKms.Core
{
    /// <summary>
    /// Files that hold secrets are created owner-only from the first byte (0600 / 0700 on Unix), never
    /// created open and tightened afterwards.
    /// </summary>
    public static class OwnerOnly
    {
        /// <summary>Writes a new file readable only by its owner, via a temp name and rename so readers never see half of it.</summary>
        public static void WriteAllText(string path, string contents, bool overwrite = false)
        {
            byte[] bytes = new UTF8Encoding(false).GetBytes(contents);
            try
            {
                WriteAllBytes(path, bytes, overwrite);
            }
            finally
            {
                // The contents are usually a private key.
                Wipe.Bytes(bytes);
            }
        }

        public static void WriteAllBytes(string path, byte[] contents, bool overwrite = false) =>
            WriteViaTempAsync(path, overwrite, stream =>
            {
                stream.Write(contents, 0, contents.Length);
                return Task.FromResult(true);
            }).GetAwaiter().GetResult();

        /// <summary>
        /// Writes a new owner-only file via a temp name beside it, flushed to disk, then renamed into place: readers
        /// see the old file or the whole new one, never half. On any failure the temp file is removed. A device
        /// (/dev/stdout, /dev/null, /dev/fd/N) is written in place, as a shell would: a rename would replace it.
        /// </summary>
        internal static async Task<T> WriteViaTempAsync<T>(string path, bool overwrite, Func<Stream, Task<T>> write)
        {
            string full = Path.GetFullPath(path);
            if (!overwrite && File.Exists(full))
            {
                throw new SshKmsException("FileExists", SshKmsErrorCategory.ResourceExists, $"{full} already exists; refusing to overwrite it.");
            }

            if (IsDevicePath(full))
            {
                return await WriteInPlaceAsync(full, write).ConfigureAwait(false);
            }

            string temp = full + ".tmp-" + Guid.NewGuid().ToString("N").Substring(0, 8);
            try
            {
                T result;
                using (FileStream stream = CreateOwnerOnly(temp))
                {
                    result = await write(stream).ConfigureAwait(false);
                    stream.Flush(true);
                }

                // Not delete-then-move: a failure or a reader between the two would find no file at all.
                MoveIntoPlace(temp, full, overwrite);
                return result;
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                throw new SshKmsException("FileWriteFailed", SshKmsErrorCategory.WriteError, $"Could not write {full}: {ex.Message}");
            }
            finally
            {
                TryDelete(temp);
            }
        }

        private static bool IsDevicePath(string full) =>
            Path.DirectorySeparatorChar == '/' && (full.StartsWith("/dev/", StringComparison.Ordinal) || full.StartsWith("/proc/", StringComparison.Ordinal));

        private static async Task<T> WriteInPlaceAsync<T>(string full, Func<Stream, Task<T>> write)
        {
            try
            {
                using (var stream = new FileStream(full, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, 1))
                {
                    T result = await write(stream).ConfigureAwait(false);
                    stream.Flush();
                    return result;
                }
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                throw new SshKmsException("FileWriteFailed", SshKmsErrorCategory.WriteError, $"Could not write {full}: {ex.Message}");
            }
        }

        /// <summary>Opens a new file for writing with mode 0600 on Unix from creation.</summary>
        public static FileStream CreateOwnerOnly(string path)
        {
#if NET8_0_OR_GREATER
            if (!OperatingSystem.IsWindows())
            {
                return new FileStream(path, new FileStreamOptions
                {
                    Mode = FileMode.CreateNew,
                    Access = FileAccess.Write,
                    UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
                });
            }
#else
            if (!RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
            {
                // netstandard2.0 on Unix (unusual: Windows PowerShell is the netstandard consumer): narrow the umask route via chmod.
                var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write);
                Chmod(path, Convert.ToInt32("600", 8));
                return stream;
            }
#endif
            // Windows: files below the user profile inherit an ACL that only the user, SYSTEM and administrators can read.
            return new FileStream(path, FileMode.CreateNew, FileAccess.Write);
        }

        public static void RestrictDirectory(string dir)
        {
#if NET8_0_OR_GREATER
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
#else
            if (!RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
            {
                Chmod(dir, Convert.ToInt32("700", 8));
            }
#endif
        }

        /// <summary>
        /// Renames a finished temp file onto target in one step: a reader sees the old file or the new one, never
        /// neither. Without overwrite an existing target (even one created meanwhile) fails the move.
        /// </summary>
        internal static void MoveIntoPlace(string temp, string target, bool overwrite)
        {
            if (!overwrite)
            {
                File.Move(temp, target);
                return;
            }

#if NET8_0_OR_GREATER
            File.Move(temp, target, overwrite: true);
#else
            ReplaceOrMove(temp, target);
#endif
        }

        /// <summary>netstandard2.0 has no File.Move(overwrite): File.Replace swaps atomically when the target exists.</summary>
        internal static void ReplaceOrMove(string temp, string target)
        {
            if (File.Exists(target))
            {
                File.Replace(temp, target, null);
            }
            else
            {
                File.Move(temp, target);
            }
        }

        public static void TryDelete(string path)
        {
            try
            {
                if (File.Exists(path))
                {
                    File.Delete(path);
                }
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }

#if !NET8_0_OR_GREATER
        [DllImport("libc", EntryPoint = "chmod", SetLastError = true)]
        private static extern int NativeChmod(string path, int mode);

        private static void Chmod(string path, int mode)
        {
            try
            {
                NativeChmod(path, mode);
            }
            catch (EntryPointNotFoundException)
            {
            }
            catch (DllNotFoundException)
            {
            }
        }
#endif
    }
}
