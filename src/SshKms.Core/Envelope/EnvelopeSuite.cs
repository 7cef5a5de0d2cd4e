namespace SshKms.Core.Envelope
{
    /// <summary>The two committing AWS Encryption SDK algorithm suites SshKms reads and writes.</summary>
    public static class EnvelopeSuite
    {
        /// <summary>AES-256-GCM, HKDF-SHA512, key commitment, unsigned: what SshKms writes by default.</summary>
        public const ushort Committing = 0x0478;

        /// <summary>0x0478 plus an ECDSA P-384 signature: what the official SDKs write by default.</summary>
        public const ushort CommittingSigned = 0x0578;

        public const byte MessageFormatVersion = 2;
        public const int MessageIdLength = 32;
        public const int CommitmentLength = 32;
        public const int DefaultFrameLength = 4096;

        /// <summary>Frames are held whole in memory to verify before release, so a hostile header must not pick their size.</summary>
        public const int MaxFrameLength = 16 * 1024 * 1024;

        /// <summary>Encryption context key of the signed suites' public key (compressed point, base64).</summary>
        public const string PublicKeyContextKey = "aws-crypto-public-key";

        public static bool IsSigned(ushort suiteId) => suiteId == CommittingSigned;

        public static bool IsSupported(ushort suiteId) => suiteId == Committing || suiteId == CommittingSigned;
    }
}
