using System;
using System.IO;
using SshKms.Core.OpenSsh;

namespace SshKms.Core.Authority
{
    /// <summary>Where certificates go beside their keys, the way ssh-keygen and ssh name them.</summary>
    internal static class CertificatePaths
    {
        /// <summary>"id_ed25519.pub" or "id_ed25519" gives "id_ed25519-cert.pub", which ssh loads next to the key.</summary>
        public static string CertificatePathFor(string keyPath)
        {
            string basePath = keyPath.EndsWith(".pub", StringComparison.OrdinalIgnoreCase) ? keyPath.Substring(0, keyPath.Length - 4) : keyPath;
            return basePath + "-cert.pub";
        }

        /// <summary>
        /// Refuses, before anything is signed, an output that could not be written: a missing folder, or (for a new
        /// private key) a file already there. A certificate nobody receives would still be in the audit journal.
        /// </summary>
        public static void EnsureWritable(string path, bool mustNotExist = false)
        {
            string full = Path.GetFullPath(path);
            string? folder = Path.GetDirectoryName(full);
            if (folder != null && !Directory.Exists(folder))
            {
                throw new SshKmsException("FileWriteFailed", SshKmsErrorCategory.WriteError, $"Could not write {full}: the folder {folder} does not exist.");
            }

            if (Directory.Exists(full))
            {
                throw new SshKmsException("FileWriteFailed", SshKmsErrorCategory.WriteError, $"Could not write {full}: it is a folder.");
            }

            if (mustNotExist && File.Exists(full))
            {
                throw new SshKmsException("FileExists", SshKmsErrorCategory.ResourceExists, $"{full} already exists; refusing to overwrite it.");
            }
        }

        /// <summary>Writes (or replaces) the one-line certificate file. Certificates are public; the mode is the usual 0644.</summary>
        public static void WriteCertificate(string path, SshCertificate certificate) => WritePublicFile(path, certificate.ToString());

        /// <summary>Writes (or replaces) a one-line public file: a certificate or a public key, mode 0644.</summary>
        internal static void WritePublicFile(string path, string line)
        {
            try
            {
                File.WriteAllText(path, line + "\n");
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                throw new SshKmsException("FileWriteFailed", SshKmsErrorCategory.WriteError, $"Could not write {path}: {ex.Message}");
            }
        }
    }
}
