using System;
using System.IO;

namespace SshKms.Core
{
    /// <summary>
    /// The per-user folder for local keys and the audit journal: $SSHKMS_HOME, else ~/.sshkms
    /// (%LOCALAPPDATA%\SshKms on Windows). Created owner-only on first use.
    /// </summary>
    public static class SshKmsHome
    {
        public static string Path
        {
            get
            {
                string? env = Environment.GetEnvironmentVariable("SSHKMS_HOME");
                if (!string.IsNullOrWhiteSpace(env))
                {
                    return System.IO.Path.GetFullPath(env);
                }

                return IsWindows
                    ? System.IO.Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData), "SshKms")
                    : System.IO.Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".sshkms");
            }
        }

        public static bool IsWindows => System.IO.Path.DirectorySeparatorChar == '\\';

        /// <summary>Creates (owner-only) and returns a folder below the home.</summary>
        public static string EnsureDirectory(string? child = null)
        {
            string dir = child == null ? Path : System.IO.Path.Combine(Path, child);
            if (!Directory.Exists(dir))
            {
                try
                {
                    Directory.CreateDirectory(dir);
                }
                catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
                {
                    throw new SshKmsException("SshKmsHomeInvalid", SshKmsErrorCategory.WriteError,
                        $"Could not create {dir} (SSHKMS_HOME is {Path}): {ex.Message}");
                }

                OwnerOnly.RestrictDirectory(dir);
            }

            return dir;
        }
    }
}
