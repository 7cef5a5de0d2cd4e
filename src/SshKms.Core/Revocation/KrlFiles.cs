using System;
using System.IO;
using System.Linq;
using SshKms.Core.Keys;

namespace SshKms.Core.Revocation
{
    /// <summary>Where a CA's KRL lives, and reading and replacing KRL files.</summary>
    public static class KrlFiles
    {
        /// <summary>
        /// $SSHKMS_HOME/krl/&lt;CA name&gt;.krl: the local key's name, or the last part of a KMS alias or key id
        /// (alias/team/ssh-ca gives ssh-ca.krl). Only names the path: nothing is created.
        /// </summary>
        public static string DefaultPath(string? caKey)
        {
            KeyUri uri = KeyUri.ParseOrDefaultCa(caKey);
            string name = uri.KeyId.Split('/', ':').Last();
            return Path.Combine(SshKmsHome.Path, "krl", name + ".krl");
        }

        /// <summary>The given path made absolute, else the CA's default path.</summary>
        internal static string Resolve(string? path, string? caKey) =>
            string.IsNullOrWhiteSpace(path) ? DefaultPath(caKey) : Path.GetFullPath(path);

        /// <summary>The KRL at <paramref name="path"/>, or null when there is no file yet.</summary>
        internal static Krl? ReadIfExists(string path) => File.Exists(path) ? KrlFormat.Read(ReadBytes(path, "KRL"), path) : null;

        internal static Krl Read(string path)
        {
            if (Directory.Exists(path))
            {
                throw new SshKmsException("FileReadFailed", SshKmsErrorCategory.ReadError, $"Could not read {path}: it is a directory, not a KRL.");
            }

            if (!File.Exists(path))
            {
                throw new SshKmsException("KrlNotFound", SshKmsErrorCategory.ObjectNotFound, $"No KRL at {path}.");
            }

            return KrlFormat.Read(ReadBytes(path, "KRL"), path);
        }

        internal static byte[] ReadBytes(string path, string what)
        {
            try
            {
                return File.ReadAllBytes(path);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                throw new SshKmsException("FileReadFailed", SshKmsErrorCategory.ReadError, $"Could not read the {what} {path}: {ex.Message}");
            }
        }

        /// <summary>
        /// Replaces <paramref name="path"/> in one rename: sshd refuses every public-key login while its RevokedKeys
        /// file is missing or half written, so a reader must see the old KRL or the new one, never neither. World
        /// readable like a public key: a KRL holds no secret, and sshd or a web server must read it.
        /// </summary>
        internal static void Replace(string path, byte[] contents)
        {
            string temp = path + ".tmp-" + Guid.NewGuid().ToString("N").Substring(0, 8);
            try
            {
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write))
                {
                    stream.Write(contents, 0, contents.Length);
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
    }
}
