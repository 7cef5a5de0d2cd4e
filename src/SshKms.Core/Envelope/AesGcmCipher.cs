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

    /// <summary>Compiled into both targets so tests on net10.0 can check each reads the other's output.</summary>
    internal sealed class BouncyCastleAesGcmCipher : IAesGcmCipher
    {
        private readonly byte[] _key;
        private byte[] _scratch = Array.Empty<byte>();

        public BouncyCastleAesGcmCipher(byte[] key)
        {
            _key = (byte[])key.Clone();
        }

        public void Encrypt(byte[] iv, byte[] plaintext, int offset, int count, byte[] aad, byte[] ciphertext, byte[] tag)
        {
            GcmBlockCipher gcm = Init(true, iv, aad);
            byte[] output = Scratch(count + AesGcmCipher.TagLength);
            int n = gcm.ProcessBytes(plaintext, offset, count, output, 0);
            gcm.DoFinal(output, n);
            Buffer.BlockCopy(output, 0, ciphertext, 0, count);
            Buffer.BlockCopy(output, count, tag, 0, AesGcmCipher.TagLength);
        }

        public bool TryDecrypt(byte[] iv, byte[] ciphertext, int offset, int count, byte[] tag, byte[] aad, byte[] plaintext)
        {
            GcmBlockCipher gcm = Init(false, iv, aad);
            byte[] output = Scratch(count);
            try
            {
                // BouncyCastle's GCM decryption holds back all output until DoFinal has checked the tag.
                int n = gcm.ProcessBytes(ciphertext, offset, count, output, 0);
                n += gcm.ProcessBytes(tag, 0, AesGcmCipher.TagLength, output, n);
                gcm.DoFinal(output, n);
            }
            catch (InvalidCipherTextException)
            {
                return false;
            }

            Buffer.BlockCopy(output, 0, plaintext, 0, count);
            Array.Clear(output, 0, count);
            return true;
        }

        public void Dispose()
        {
            Array.Clear(_key, 0, _key.Length);
            Array.Clear(_scratch, 0, _scratch.Length);
        }

        private GcmBlockCipher Init(bool encrypt, byte[] iv, byte[] aad)
        {
            var gcm = new GcmBlockCipher(new AesEngine());
            gcm.Init(encrypt, new AeadParameters(new KeyParameter(_key), AesGcmCipher.TagLength * 8, iv, aad));
            return gcm;
        }

        private byte[] Scratch(int length)
        {
            if (_scratch.Length < length)
            {
                Array.Clear(_scratch, 0, _scratch.Length);
                _scratch = new byte[length];
            }

            return _scratch;
        }
    }
}
