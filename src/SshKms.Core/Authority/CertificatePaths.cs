using System;
using System.IO;
using SshKms.Core.OpenSsh;

namespace SshKms.Core.Authority
{
    /// <summary>Where certificates go beside their keys, the way ssh-keygen and ssh name them.</summary>
    public static class CertificatePaths
    {
        /// <summary>"id_ed25519.pub" or "id_ed25519" gives "id_ed25519-cert.pub", which ssh loads next to the key.</summary>
        public static string CertificatePathFor(string keyPath)
        {
            string basePath = keyPath.EndsWith(".pub", StringComparison.OrdinalIgnoreCase) ? keyPath.Substring(0, keyPath.Length - 4) : keyPath;
            return basePath + "-cert.pub";
        }

        /// <summary>Writes (or replaces) the one-line certificate file. Certificates are public; the mode is the usual 0644.</summary>
        public static void WriteCertificate(string path, SshCertificate certificate)
        {
            try
            {
                File.WriteAllText(path, certificate + "\n");
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                throw new SshKmsException("FileWriteFailed", SshKmsErrorCategory.WriteError, $"Could not write {path}: {ex.Message}");
            }
        }
    }
}
