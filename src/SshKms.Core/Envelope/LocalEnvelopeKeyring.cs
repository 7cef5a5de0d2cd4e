using System;
using System.IO;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using SshKms.Core.Keys;

namespace SshKms.Core.Envelope
{
    /// <summary>
    /// local: keys in the AWS Encryption SDK raw AES keyring layout, so any official SDK configured with
    /// key namespace "sshkms-local", key name = the local key's name and the 32 bytes of
    /// $SSHKMS_HOME/keys/&lt;name&gt;.aes256 reads and writes the same messages.
    /// Provider info = name || tag bits (uint32 128) || IV length (uint32 12) || IV; ciphertext = wrapped key || tag;
    /// AAD = the serialized encryption context.
    /// </summary>
    internal sealed class LocalEnvelopeKeyring : IEnvelopeKeyring
    {
        public const string KeyNamespace = "sshkms-local";
        public const string FileExtension = ".aes256";
        private const int InfoSuffixLength = 4 + 4 + AesGcmCipher.IvLength;

        private readonly string? _name;
        private readonly bool _create;

        /// <summary>
        /// A named key; null means any local key the message names (decrypt only). Encrypting with a missing key
        /// creates it only as <see cref="LocalKeyCreation.MayCreateOnUse"/> allows (local:default, or <paramref name="create"/>).
        /// </summary>
        public LocalEnvelopeKeyring(string? name, bool create = false)
        {
            _name = name;
            _create = create;
        }

        /// <summary>The key this keyring made on use, for the caller's warning; null when it existed.</summary>
        public KeyCreated? Created { get; private set; }

        public static string KeyPath(string name) => LocalKeyCreation.KeyFile(name, FileExtension);

        public Task<(byte[] DataKey, EncryptedDataKey Wrapped)> GenerateAsync(EnvelopeKeyContext context, CancellationToken ct)
        {
            string name = _name ?? throw new InvalidOperationException("Encrypting needs a named local key.");
            byte[] wrappingKey = LoadOrCreate(name, _create);
            byte[] dataKey = Random(AesGcmCipher.KeyLength);
            byte[] iv = Random(AesGcmCipher.IvLength);
            byte[] wrapped = new byte[AesGcmCipher.KeyLength + AesGcmCipher.TagLength];
            byte[] tag = new byte[AesGcmCipher.TagLength];
            try
            {
                using (IAesGcmCipher gcm = AesGcmCipher.Create(wrappingKey))
                {
                    gcm.Encrypt(iv, dataKey, 0, dataKey.Length, context.Serialized, wrapped, tag);
                }
            }
            finally
            {
                Wipe.Bytes(wrappingKey);
            }

            Buffer.BlockCopy(tag, 0, wrapped, AesGcmCipher.KeyLength, tag.Length);
            return Task.FromResult((dataKey, new EncryptedDataKey(KeyNamespace, ProviderInfo(name, iv), wrapped)));
        }

        public Task<bool> CanUnwrapAsync(EncryptedDataKey edk, CancellationToken ct)
        {
            if (edk.ProviderId != KeyNamespace || !TryParseInfo(edk.ProviderInfo, out string name, out _))
            {
                return Task.FromResult(false);
            }

            return Task.FromResult((_name == null || _name == name) && File.Exists(KeyPath(name)));
        }

        public Task<byte[]?> TryUnwrapAsync(EncryptedDataKey edk, EnvelopeKeyContext context, CancellationToken ct)
        {
            if (!TryParseInfo(edk.ProviderInfo, out string name, out byte[] iv) || edk.Ciphertext.Length != AesGcmCipher.KeyLength + AesGcmCipher.TagLength)
            {
                return Task.FromResult<byte[]?>(null);
            }

            byte[] wrappingKey = ReadKey(KeyPath(name));
            try
            {
                byte[] tag = new byte[AesGcmCipher.TagLength];
                Buffer.BlockCopy(edk.Ciphertext, AesGcmCipher.KeyLength, tag, 0, tag.Length);
                byte[] dataKey = new byte[AesGcmCipher.KeyLength];
                using (IAesGcmCipher gcm = AesGcmCipher.Create(wrappingKey))
                {
                    bool ok = gcm.TryDecrypt(iv, edk.Ciphertext, 0, AesGcmCipher.KeyLength, tag, context.Serialized, dataKey);
                    return Task.FromResult<byte[]?>(ok ? dataKey : null);
                }
            }
            finally
            {
                Wipe.Bytes(wrappingKey);
            }
        }

        private byte[] LoadOrCreate(string name, bool create)
        {
            string path = KeyPath(name);
            if (!File.Exists(path))
            {
                KeyUri uri = KeyUri.Parse(KeyUri.LocalScheme + ":" + name);
                if (!LocalKeyCreation.MayCreateOnUse(uri, create))
                {
                    throw LocalKeyCreation.NotFound(uri, path, LocalKeyCreation.CreateDataKeyHint);
                }

                byte[] fresh = Random(AesGcmCipher.KeyLength);
                try
                {
                    SshKmsHome.EnsureDirectory("keys");
                    OwnerOnly.WriteAllBytes(path, fresh);
                    Created = new KeyCreated(uri, path, Fingerprint(fresh));
                }
                catch (SshKmsException ex) when (ex.ErrorId == "FileExists")
                {
                    // Another process created it first: use theirs.
                }
                finally
                {
                    Wipe.Bytes(fresh);
                }
            }

            return ReadKey(path);
        }

        /// <summary>The 32 key bytes of a key file; any other size or a read failure is an SshKmsException, never a crash in AES.</summary>
        internal static byte[] ReadKey(string path)
        {
            byte[] key;
            try
            {
                key = File.ReadAllBytes(path);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                throw new SshKmsException("FileReadFailed", SshKmsErrorCategory.ReadError, $"Could not read the local key {path}: {ex.Message}");
            }

            if (key.Length != AesGcmCipher.KeyLength)
            {
                Wipe.Bytes(key);
                throw new SshKmsException("EnvelopeLocalKeyInvalid", SshKmsErrorCategory.InvalidData, $"{path} is not a 32-byte AES-256 key.");
            }

            OperationLog.Report($"Local data key {path}");

            return key;
        }

        /// <summary>SHA256 of the key bytes, as ssh prints key fingerprints: names the key without revealing it.</summary>
        private static string Fingerprint(byte[] key)
        {
            using (var sha = SHA256.Create())
            {
                return "SHA256:" + Convert.ToBase64String(sha.ComputeHash(key)).TrimEnd('=');
            }
        }

        private static byte[] ProviderInfo(string name, byte[] iv)
        {
            var w = new EnvelopeWriter();
            w.Bytes(Encoding.UTF8.GetBytes(name));
            w.UInt32(AesGcmCipher.TagLength * 8);
            w.UInt32(AesGcmCipher.IvLength);
            w.Bytes(iv);
            return w.ToArray();
        }

        private static bool TryParseInfo(byte[] info, out string name, out byte[] iv)
        {
            name = string.Empty;
            iv = Array.Empty<byte>();
            int nameLength = info.Length - InfoSuffixLength;
            if (nameLength <= 0)
            {
                return false;
            }

            uint tagBits = ReadUInt32(info, nameLength);
            uint ivLength = ReadUInt32(info, nameLength + 4);
            if (tagBits != AesGcmCipher.TagLength * 8 || ivLength != AesGcmCipher.IvLength)
            {
                return false;
            }

            name = Encoding.UTF8.GetString(info, 0, nameLength);
            if (name.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0 || name.Contains(".."))
            {
                return false;
            }

            iv = new byte[AesGcmCipher.IvLength];
            Buffer.BlockCopy(info, nameLength + 8, iv, 0, iv.Length);
            return true;
        }

        private static uint ReadUInt32(byte[] b, int o) => ((uint)b[o] << 24) | ((uint)b[o + 1] << 16) | ((uint)b[o + 2] << 8) | b[o + 3];

        private static byte[] Random(int length)
        {
            byte[] bytes = new byte[length];
            using (var rng = RandomNumberGenerator.Create())
            {
                rng.GetBytes(bytes);
            }

            return bytes;
        }
    }
}
