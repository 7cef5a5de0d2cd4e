using System;
using System.Security.Cryptography;

namespace SshKms.Core.OpenSsh
{
    /// <summary>SSH signature blobs: string algorithm, string signature-bytes (RFC 4253 6.6, RFC 5656 3.1.2).</summary>
    public static class SshSignature
    {
        public const string RsaSha256 = "rsa-sha2-256";
        public const string RsaSha512 = "rsa-sha2-512";
        public const string RsaSha1 = "ssh-rsa";

        /// <summary>The hash behind an RSA signature algorithm name, or null when the name is not an RSA one.</summary>
        public static HashAlgorithmName? RsaHash(string algorithm)
        {
            switch (algorithm)
            {
                case RsaSha512: return HashAlgorithmName.SHA512;
                case RsaSha256: return HashAlgorithmName.SHA256;
                case RsaSha1: return HashAlgorithmName.SHA1;
                default: return null;
            }
        }

        public static byte[] Encode(string algorithm, byte[] signature) =>
            new SshWriter().WriteString(algorithm).WriteBytes(signature).ToArray();

        /// <summary>ECDSA r||s (IEEE P1363, as .NET produces it) -> the SSH "mpint r, mpint s" signature bytes.</summary>
        public static byte[] EcdsaFromP1363(byte[] rs)
        {
            if (rs.Length == 0 || rs.Length % 2 != 0)
            {
                throw new SshFormatException("Malformed ECDSA signature: r||s has an odd length.", "SshSignatureInvalid");
            }

            int half = rs.Length / 2;
            var r = new byte[half];
            var s = new byte[half];
            Buffer.BlockCopy(rs, 0, r, 0, half);
            Buffer.BlockCopy(rs, half, s, 0, half);
            return new SshWriter().WriteMpint(r).WriteMpint(s).ToArray();
        }

        /// <summary>
        /// The inverse of <see cref="EcdsaFromP1363"/>: SSH "mpint r, mpint s" -> r||s, each left-padded to the
        /// curve's coordinate length, as .NET's ECDsa.VerifyData wants. Zero or oversized values are malformed.
        /// </summary>
        public static byte[] EcdsaToP1363(byte[] sshSignature, int coordinateLength)
        {
            var reader = new SshReader(sshSignature, "ECDSA signature");
            byte[] r = reader.ReadMpint("r");
            byte[] s = reader.ReadMpint("s");
            reader.EnsureEnd();
            if (r.Length == 0 || s.Length == 0 || r.Length > coordinateLength || s.Length > coordinateLength)
            {
                throw reader.Error($"r or s is zero or longer than {coordinateLength} bytes");
            }

            var rs = new byte[2 * coordinateLength];
            Buffer.BlockCopy(r, 0, rs, coordinateLength - r.Length, r.Length);
            Buffer.BlockCopy(s, 0, rs, 2 * coordinateLength - s.Length, s.Length);
            return rs;
        }

        /// <summary>The signature algorithm an SSH signature blob names.</summary>
        public static string AlgorithmOf(byte[] signatureBlob) => Split(signatureBlob, out _);

        /// <summary>
        /// Checks the blob's framing and returns its algorithm and signature bytes. sk- signatures carry a flags
        /// byte and a counter after the bytes (PROTOCOL.u2f); they are framing, so they are read and dropped here.
        /// </summary>
        public static string Split(byte[] signatureBlob, out byte[] signature)
        {
            var reader = new SshReader(signatureBlob, "signature");
            string algorithm = reader.ReadString("signature algorithm");
            signature = reader.ReadBytes("signature bytes");
            if (algorithm.StartsWith("sk-", StringComparison.Ordinal))
            {
                reader.ReadByte();
                reader.ReadUInt32();
            }

            reader.EnsureEnd();
            return algorithm;
        }
    }
}
