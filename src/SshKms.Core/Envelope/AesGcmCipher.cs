using System;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Engines;
using Org.BouncyCastle.Crypto.Modes;
using Org.BouncyCastle.Crypto.Parameters;

namespace SshKms.Core.Envelope
{
    /// <summary>
    /// AES-256-GCM with a 12-byte IV and a 16-byte tag, bound to one key. Two implementations: the platform's
    /// AesGcm on net8.0 and BouncyCastle on netstandard2.0 (Windows PowerShell 5.1 has no AesGcm).
    /// </summary>
    internal interface IAesGcmCipher : IDisposable
    {
        /// <summary>Encrypts count bytes at offset into ciphertext[0..count) and the tag.</summary>
        void Encrypt(byte[] iv, byte[] plaintext, int offset, int count, byte[] aad, byte[] ciphertext, byte[] tag);

        /// <summary>Writes plaintext[0..count) only when the tag verifies; false (and nothing written) otherwise.</summary>
        bool TryDecrypt(byte[] iv, byte[] ciphertext, int offset, int count, byte[] tag, byte[] aad, byte[] plaintext);
    }

    internal static class AesGcmCipher
    {
        public const int KeyLength = 32;
        public const int IvLength = 12;
        public const int TagLength = 16;

        /// <summary>The implementation this build uses.</summary>
        public static IAesGcmCipher Create(byte[] key) =>
#if NET8_0_OR_GREATER
            new PlatformAesGcmCipher(key);
#else
            new BouncyCastleAesGcmCipher(key);
#endif
    }

#if NET8_0_OR_GREATER
    internal sealed class PlatformAesGcmCipher : IAesGcmCipher
    {
        private readonly System.Security.Cryptography.AesGcm _gcm;

        public PlatformAesGcmCipher(byte[] key)
        {
            _gcm = new System.Security.Cryptography.AesGcm(key, AesGcmCipher.TagLength);
        }

        public void Encrypt(byte[] iv, byte[] plaintext, int offset, int count, byte[] aad, byte[] ciphertext, byte[] tag) =>
            _gcm.Encrypt(iv, plaintext.AsSpan(offset, count), ciphertext.AsSpan(0, count), tag, aad);

        public bool TryDecrypt(byte[] iv, byte[] ciphertext, int offset, int count, byte[] tag, byte[] aad, byte[] plaintext)
        {
            try
            {
                _gcm.Decrypt(iv, ciphertext.AsSpan(offset, count), tag, plaintext.AsSpan(0, count), aad);
                return true;
            }
            catch (System.Security.Cryptography.AuthenticationTagMismatchException)
            {
                return false;
            }
        }

        public void Dispose() => _gcm.Dispose();
    }
#endif

    /// <summary>
    /// Compiled into both targets so tests on net10.0 can check each reads the other's output. One GCM instance
    /// and one KeyParameter per message: BouncyCastle copies the key into the KeyParameter, the GCM state
    /// (lastKey, H) and the AES round keys, and offers no way to clear any of them, so building them per frame
    /// left a key copy per frame for the GC; now there is one set per message. Later frames re-initialize with a
    /// null key, which BouncyCastle defines as "same key, new IV and AAD".
    /// </summary>
    internal sealed class BouncyCastleAesGcmCipher : IAesGcmCipher
    {
        private readonly GcmBlockCipher _gcm = new GcmBlockCipher(new AesEngine());
        private KeyParameter? _key;
        private byte[] _scratch = Array.Empty<byte>();

        public BouncyCastleAesGcmCipher(byte[] key)
        {
            _key = new KeyParameter(key);
        }

        public void Encrypt(byte[] iv, byte[] plaintext, int offset, int count, byte[] aad, byte[] ciphertext, byte[] tag)
        {
            Init(true, iv, aad);
            byte[] output = Scratch(count + AesGcmCipher.TagLength);
            int n = _gcm.ProcessBytes(plaintext, offset, count, output, 0);
            _gcm.DoFinal(output, n);
            Buffer.BlockCopy(output, 0, ciphertext, 0, count);
            Buffer.BlockCopy(output, count, tag, 0, AesGcmCipher.TagLength);
        }

        public bool TryDecrypt(byte[] iv, byte[] ciphertext, int offset, int count, byte[] tag, byte[] aad, byte[] plaintext)
        {
            Init(false, iv, aad);
            byte[] output = Scratch(count);
            try
            {
                // BouncyCastle's GCM decryption holds back all output until DoFinal has checked the tag.
                int n = _gcm.ProcessBytes(ciphertext, offset, count, output, 0);
                n += _gcm.ProcessBytes(tag, 0, AesGcmCipher.TagLength, output, n);
                _gcm.DoFinal(output, n);
            }
            catch (InvalidCipherTextException)
            {
                return false;
            }

            Buffer.BlockCopy(output, 0, plaintext, 0, count);
            Wipe.Bytes(output, 0, count);
            return true;
        }

        public void Dispose()
        {
            _key = null;
            Wipe.Bytes(_scratch);
        }

        private void Init(bool encrypt, byte[] iv, byte[] aad)
        {
            // The key goes in with the first call only; null afterwards keeps the expanded key. The IV is copied:
            // GCM keeps a reference to compare the next IV with, and callers reuse one IV buffer for every frame.
            _gcm.Init(encrypt, new AeadParameters(_key, AesGcmCipher.TagLength * 8, (byte[])iv.Clone(), aad));
            _key = null;
        }

        private byte[] Scratch(int length)
        {
            if (_scratch.Length < length)
            {
                Wipe.Bytes(_scratch);
                _scratch = new byte[length];
            }

            return _scratch;
        }
    }
}
