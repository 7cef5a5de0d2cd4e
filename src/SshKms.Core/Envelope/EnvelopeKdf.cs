using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Parameters;

namespace SshKms.Core.Envelope
{
    /// <summary>HKDF-SHA512 of the committing suites: salt = message id, info = suite id || "DERIVEKEY" or "COMMITKEY".</summary>
    internal static class EnvelopeKdf
    {
        private static readonly byte[] KeyLabel = System.Text.Encoding.ASCII.GetBytes("DERIVEKEY");
        private static readonly byte[] CommitLabel = System.Text.Encoding.ASCII.GetBytes("COMMITKEY");

        public static byte[] DeriveDataKey(ushort suiteId, byte[] dataKey, byte[] messageId)
        {
            byte[] info = new byte[2 + KeyLabel.Length];
            info[0] = (byte)(suiteId >> 8);
            info[1] = (byte)suiteId;
            KeyLabel.CopyTo(info, 2);
            return Hkdf(dataKey, messageId, info, AesGcmCipher.KeyLength);
        }

        public static byte[] DeriveCommitment(byte[] dataKey, byte[] messageId) =>
            Hkdf(dataKey, messageId, CommitLabel, EnvelopeSuite.CommitmentLength);

        /// <summary>Into a new buffer the caller zeroes.</summary>
        private static byte[] Hkdf(byte[] ikm, byte[] salt, byte[] info, int length)
        {
            byte[] output = new byte[length];
#if NET8_0_OR_GREATER
            PlatformHkdf(ikm, salt, info, output);
#else
            BouncyCastleHkdf(ikm, salt, info, output);
#endif
            return output;
        }

#if NET8_0_OR_GREATER
        /// <summary>
        /// Writes straight into output and keeps no copy of the key material (its pseudorandom key lives on the stack
        /// or in OpenSSL and is cleared there); BouncyCastle's copies the input key and keeps the PRK in its HMAC.
        /// </summary>
        internal static void PlatformHkdf(byte[] ikm, byte[] salt, byte[] info, byte[] output) =>
            System.Security.Cryptography.HKDF.DeriveKey(System.Security.Cryptography.HashAlgorithmName.SHA512, ikm, output, salt, info);
#endif

        /// <summary>netstandard2.0 (Windows PowerShell 5.1) has no HKDF; compiled into both targets so tests compare the two.</summary>
        internal static void BouncyCastleHkdf(byte[] ikm, byte[] salt, byte[] info, byte[] output)
        {
            var hkdf = new HkdfBytesGenerator(new Sha512Digest());
            hkdf.Init(new HkdfParameters(ikm, salt, info));
            hkdf.GenerateBytes(output, 0, output.Length);
        }
    }
}
