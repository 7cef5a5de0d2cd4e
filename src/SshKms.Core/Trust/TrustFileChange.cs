using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;

namespace SshKms.Core.Trust
{
    /// <summary>What a trust operation does, or would do, to one file.</summary>
    public enum TrustFileAction
    {
        Create,
        Update,
        Delete,
    }

    /// <summary>One file a trust operation writes or deletes, with its new bytes and a line diff for -WhatIf / --dry-run.</summary>
    public sealed class TrustFileChange
    {
        internal TrustFileChange(string path, byte[]? oldBytes, byte[]? newBytes, bool isConfiguration)
        {
            Path = path;
            OldBytes = oldBytes;
            NewBytes = newBytes;
            IsConfiguration = isConfiguration;
            Action = newBytes == null ? TrustFileAction.Delete : oldBytes == null ? TrustFileAction.Create : TrustFileAction.Update;
        }

        public string Path { get; }

        public TrustFileAction Action { get; }

        /// <summary>The unified-style diff of the change (binary files: one line saying so).</summary>
        public string Diff => LineDiff.Describe(Path, OldBytes, NewBytes);

        internal byte[]? OldBytes { get; }

        internal byte[]? NewBytes { get; }

        /// <summary>sshd reads this file only at start (configuration, host certificates): changing it needs a reload.</summary>
        internal bool IsConfiguration { get; }

        /// <summary>A change for <paramref name="path"/> if its bytes differ from <paramref name="wanted"/> (null: the file should not exist).</summary>
        internal static TrustFileChange? IfDifferent(string path, byte[]? wanted, bool isConfiguration)
        {
            byte[]? current = File.Exists(path) ? File.ReadAllBytes(path) : null;
            if (current == null && wanted == null)
            {
                return null;
            }

            if (current != null && wanted != null && current.SequenceEqual(wanted))
            {
                return null;
            }

            return new TrustFileChange(path, current, wanted, isConfiguration);
        }

        internal static TrustFileChange? IfDifferent(string path, string? wanted, bool isConfiguration) =>
            IfDifferent(path, wanted == null ? null : new UTF8Encoding(false).GetBytes(wanted), isConfiguration);

        /// <summary>Adds <paramref name="change"/> to the plan when there is one (IfDifferent gives null for a file already right).</summary>
        internal static void AddTo(List<TrustFileChange> changes, TrustFileChange? change)
        {
            if (change != null)
            {
                changes.Add(change);
            }
        }
    }

    /// <summary>A small line diff (longest common subsequence): the files trust writes are a few dozen lines.</summary>
    internal static class LineDiff
    {
        public static string Describe(string path, byte[]? oldBytes, byte[]? newBytes)
        {
            if (IsBinary(oldBytes) || IsBinary(newBytes))
            {
                return $"--- {path}\n+++ {path}\n(binary: {oldBytes?.Length.ToString() ?? "none"} -> {newBytes?.Length.ToString() ?? "none"} bytes)\n";
            }

            string[] a = oldBytes == null ? new string[0] : SshdConfigText.Lines(Encoding.UTF8.GetString(oldBytes));
            string[] b = newBytes == null ? new string[0] : SshdConfigText.Lines(Encoding.UTF8.GetString(newBytes));
            var lcs = new int[a.Length + 1, b.Length + 1];
            for (int i = a.Length - 1; i >= 0; i--)
            {
                for (int j = b.Length - 1; j >= 0; j--)
                {
                    lcs[i, j] = a[i] == b[j] ? lcs[i + 1, j + 1] + 1 : Math.Max(lcs[i + 1, j], lcs[i, j + 1]);
                }
            }

            var text = new StringBuilder();
            text.Append("--- ").Append(oldBytes == null ? "/dev/null" : path).Append('\n');
            text.Append("+++ ").Append(newBytes == null ? "/dev/null" : path).Append('\n');
            int x = 0, y = 0;
            while (x < a.Length || y < b.Length)
            {
                if (x < a.Length && y < b.Length && a[x] == b[y])
                {
                    text.Append(' ').Append(a[x]).Append('\n');
                    x++;
                    y++;
                }
                else if (y < b.Length && (x == a.Length || lcs[x, y + 1] >= lcs[x + 1, y]))
                {
                    text.Append('+').Append(b[y++]).Append('\n');
                }
                else
                {
                    text.Append('-').Append(a[x++]).Append('\n');
                }
            }

            return text.ToString();
        }

        private static bool IsBinary(byte[]? bytes) => bytes != null && Array.IndexOf(bytes, (byte)0) >= 0;
    }

    /// <summary>
    /// Applies a set of changes as one: each replaced file is first copied to a backup, each new file is written to a
    /// temp name and renamed over the old one (readers see the old or the new, never half), and <see cref="Rollback"/>
    /// puts every file back as it was.
    /// </summary>
    internal sealed class FileSwap
    {
        private readonly string _backupDir;
        private readonly List<(TrustFileChange Change, string? Backup)> _done = new List<(TrustFileChange, string?)>();

        public FileSwap(string backupDir)
        {
            _backupDir = backupDir;
        }

        public void Apply(IEnumerable<TrustFileChange> changes)
        {
            foreach (TrustFileChange change in changes)
            {
                string? backup = null;
                try
                {
                    if (change.OldBytes != null)
                    {
                        backup = Path.Combine(_backupDir, BackupName(change.Path));
                        InstalledFile.Write(backup, change.OldBytes);
                    }

                    if (change.NewBytes == null)
                    {
                        File.Delete(change.Path);
                    }
                    else
                    {
                        InstalledFile.Write(change.Path, change.NewBytes);
                    }
                }
                catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException || ex is SshKmsException)
                {
                    Rollback();
                    throw ex as SshKmsException ?? new SshKmsException("FileWriteFailed", SshKmsErrorCategory.WriteError, $"Could not write {change.Path}: {ex.Message}");
                }

                _done.Add((change, backup));
            }
        }

        /// <summary>Puts back every file this swap changed, newest first; best effort, so one failure does not stop the rest.</summary>
        public void Rollback()
        {
            for (int i = _done.Count - 1; i >= 0; i--)
            {
                (TrustFileChange change, string? _) = _done[i];
                try
                {
                    if (change.OldBytes == null)
                    {
                        OwnerOnly.TryDelete(change.Path);
                    }
                    else
                    {
                        InstalledFile.Write(change.Path, change.OldBytes);
                    }
                }
                catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException || ex is SshKmsException)
                {
                }
            }

            _done.Clear();
        }

        /// <summary>The changed file's path flattened into one name: "etc_ssh_sshd_config".</summary>
        private static string BackupName(string path) =>
            path.TrimStart('/', '\\').Replace(':', '_').Replace('/', '_').Replace('\\', '_') + ".bak";
    }

    /// <summary>Files trust installs for sshd: world-readable at most (0644), directories 0755, replaced by rename.</summary>
    internal static class InstalledFile
    {
        public static void Write(string path, byte[] bytes)
        {
            string dir = Path.GetDirectoryName(path) ?? ".";
            CreateDirectory(dir);
            string temp = Path.Combine(dir, "." + Path.GetFileName(path) + ".sshkms-" + Guid.NewGuid().ToString("N").Substring(0, 8));
            try
            {
                using (FileStream stream = CreateReadable(temp))
                {
                    stream.Write(bytes, 0, bytes.Length);
                    stream.Flush(true);
                }

                OwnerOnly.MoveIntoPlace(temp, path, overwrite: true);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                OwnerOnly.TryDelete(temp);
                throw new SshKmsException("FileWriteFailed", SshKmsErrorCategory.WriteError, $"Could not write {path}: {ex.Message}");
            }
        }

        public static void CreateDirectory(string dir)
        {
            if (Directory.Exists(dir))
            {
                return;
            }

            Directory.CreateDirectory(dir);
#if NET8_0_OR_GREATER
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(dir, (UnixFileMode)Convert.ToInt32("755", 8));
            }
#endif
        }

        /// <summary>A new file, 0644 from creation on Unix (umask can only narrow it). On Windows it inherits the folder's ACL.</summary>
        private static FileStream CreateReadable(string path)
        {
#if NET8_0_OR_GREATER
            if (!OperatingSystem.IsWindows())
            {
                return new FileStream(path, new FileStreamOptions
                {
                    Mode = FileMode.CreateNew,
                    Access = FileAccess.Write,
                    UnixCreateMode = (UnixFileMode)Convert.ToInt32("644", 8),
                });
            }
#endif
            return new FileStream(path, FileMode.CreateNew, FileAccess.Write);
        }
    }
}
