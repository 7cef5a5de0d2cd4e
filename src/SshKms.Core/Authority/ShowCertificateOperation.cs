using System;
using System.IO;
using System.Text;
using SshKms.Core.OpenSsh;

namespace SshKms.Core.Authority
{
    /// <summary>Give exactly one: a certificate file, a certificate line, or a stream holding one.</summary>
    public sealed class ShowCertificateOptions
    {
        public string? Path { get; set; }

        public string? Certificate { get; set; }

        /// <summary>Read to its end (standard input), not disposed.</summary>
        public Stream? Stream { get; set; }
    }

    /// <summary>Reads any OpenSSH certificate (ours or ssh-keygen's) into a CertificateInfo; nothing is verified or contacted.</summary>
    public static class ShowCertificateOperation
    {
        public static CertificateInfo Run(ShowCertificateOptions options)
        {
            if (options.Path != null)
            {
                string text = InputFiles.ReadAllText(options.Path,
                    () => new SshKmsException("CertificateFileNotFound", SshKmsErrorCategory.ObjectNotFound, $"No certificate file at {options.Path}."));
                return new CertificateInfo(SshCertificate.Parse(text), System.IO.Path.GetFullPath(options.Path));
            }

            if (options.Stream != null)
            {
                using (var reader = new StreamReader(options.Stream, new UTF8Encoding(false), false, 4096, leaveOpen: true))
                {
                    return new CertificateInfo(SshCertificate.Parse(reader.ReadToEnd()));
                }
            }

            return new CertificateInfo(SshCertificate.Parse(options.Certificate ?? string.Empty));
        }
    }
}
