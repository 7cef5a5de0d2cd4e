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

        private static byte[] Hkdf(byte[] ikm, byte[] salt, byte[] info, int length)
        {
            var hkdf = new HkdfBytesGenerator(new Sha512Digest());
            hkdf.Init(new HkdfParameters(ikm, salt, info));
            byte[] output = new byte[length];
            hkdf.GenerateBytes(output, 0, length);
            return output;
        }
    }
}
