using System;
using System.Collections.Generic;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using SshKms.Core.OpenSsh;

namespace SshKms.Tests.OpenSsh
{
    /// <summary>
    /// What ssh-keygen prints or writes, computed from our parsed objects, so a test compares whole outputs
    /// instead of fishing for substrings.
    /// </summary>
    internal static class KeygenFormats
    {
        /// <summary>The body of `ssh-keygen -L` (without the "file:" line), as OpenSSH 9.x prints it in UTC.</summary>
        public static string Listing(SshCertificate cert)
        {
            var sb = new StringBuilder();
            string kind = cert.Type == SshCertificateType.User ? "user" : "host";
            sb.Append($"Type: {cert.CertificateKeyType} {kind} certificate\n");
            sb.Append($"Public key: {KeyName(cert.Key)}-CERT {cert.Key.Fingerprint}\n");
            sb.Append($"Signing CA: {KeyName(cert.SignatureKey)} {cert.SignatureKey.Fingerprint} (using {cert.SignatureAlgorithm})\n");
            sb.Append($"Key ID: \"{cert.KeyId}\"\n");
            sb.Append($"Serial: {cert.Serial}\n");
            sb.Append($"Valid: {Validity(cert)}\n");
            sb.Append("Principals:").Append(cert.Principals.Count == 0 ? " (none)\n" : "\n");
            foreach (string p in cert.Principals)
            {
                sb.Append($"{p}\n");
            }

            AppendOptions(sb, "Critical Options", cert.CriticalOptions);
            AppendOptions(sb, "Extensions", cert.Extensions);
            return sb.ToString();
        }

        /// <summary>ssh-keygen's output with its file line dropped and indentation/trailing blanks removed.</summary>
        public static string Normalise(string listing) =>
            string.Join("\n", listing.Split('\n').Skip(1).Select(l => l.Trim()).Where(l => l.Length > 0)) + "\n";

        private static void AppendOptions(StringBuilder sb, string title, IReadOnlyList<KeyValuePair<string, string>> options)
        {
            sb.Append(title).Append(':').Append(options.Count == 0 ? " (none)\n" : "\n");
            foreach (var o in options)
            {
                sb.Append(o.Value.Length == 0 ? $"{o.Key}\n" : $"{o.Key} {o.Value}\n");
            }
        }

        private static string Validity(SshCertificate cert)
        {
            string Time(ulong t) => SshCertificate.FromUnix(t).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss");
            if (cert.ValidAfter == 0 && cert.ValidBefore == SshCertificate.Forever)
            {
                return "forever";
            }

            if (cert.ValidAfter == 0)
            {
                return "before " + Time(cert.ValidBefore);
            }

            return cert.ValidBefore == SshCertificate.Forever ? "after " + Time(cert.ValidAfter) : $"from {Time(cert.ValidAfter)} to {Time(cert.ValidBefore)}";
        }

        public static string KeyName(SshPublicKey key)
        {
            switch (key.KeyType)
            {
                case SshKeyTypes.Ed25519: return "ED25519";
                case SshKeyTypes.SkEd25519: return "ED25519-SK";
                case SshKeyTypes.SkEcdsaP256: return "ECDSA-SK";
                case SshKeyTypes.Rsa: return "RSA";
                default: return "ECDSA";
            }
        }

        private static readonly byte[] SshSigMagic = Encoding.ASCII.GetBytes("SSHSIG");

        /// <summary>The data an SSHSIG signature covers (PROTOCOL.sshsig), hashed with SHA-512.</summary>
        public static byte[] SshSigSignedData(string ns, byte[] message) =>
            new SshWriter().WriteRaw(SshSigMagic).WriteString(ns).WriteString(string.Empty).WriteString("sha512").WriteBytes(SHA512.HashData(message)).ToArray();

        /// <summary>An armored SSHSIG made with our key, for `ssh-keygen -Y verify`.</summary>
        public static string SshSig(SshPrivateKey key, string ns, byte[] message, string? algorithm = null)
        {
            byte[] signature = key.Sign(SshSigSignedData(ns, message), algorithm);
            byte[] blob = new SshWriter().WriteRaw(SshSigMagic).WriteUInt32(1).WriteBytes(key.PublicKey.GetBlob())
                .WriteString(ns).WriteString(string.Empty).WriteString("sha512").WriteBytes(signature).ToArray();
            return SshArmor.Wrap("SSH SIGNATURE", blob);
        }

        /// <summary>Unwraps an armored SSHSIG from `ssh-keygen -Y sign`: the signer's key, the hash name and the signature blob.</summary>
        public static (SshPublicKey Key, string Hash, byte[] Signature) ReadSshSig(string armored, string ns)
        {
            var r = new SshReader(SshArmor.Unwrap(armored, "SSH SIGNATURE", "sshsig")!, "sshsig");
            for (int i = 0; i < SshSigMagic.Length; i++)
            {
                if (r.ReadByte() != SshSigMagic[i])
                {
                    throw new InvalidOperationException("not an SSHSIG");
                }
            }

            if (r.ReadUInt32() != 1)
            {
                throw new InvalidOperationException("unexpected SSHSIG version");
            }

            SshPublicKey key = SshPublicKey.FromBlob(r.ReadBytes("public key"));
            if (r.ReadString("namespace") != ns)
            {
                throw new InvalidOperationException("unexpected SSHSIG namespace");
            }

            r.ReadBytes("reserved");
            string hash = r.ReadString("hash");
            byte[] signature = r.ReadBytes("signature");
            r.EnsureEnd();
            return (key, hash, signature);
        }
    }
}
