using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using SshKms.Core.OpenSsh;

namespace SshKms.Core.Keys
{
    /// <summary>
    /// The embedded software CA: an OpenSSH private key file, owner-only, in $SSHKMS_HOME/keys/&lt;name&gt;.key.
    /// The private key is read for each signature and wiped straight after; this object holds only the public half.
    /// </summary>
    internal sealed class LocalSigningKey : ISigningKey
    {
        private readonly string _path;

        private LocalSigningKey(KeyUri uri, string path, SshPublicKey publicKey)
        {
            Uri = uri;
            _path = path;
            PublicKey = publicKey;
        }

        public KeyUri Uri { get; }

        public string KeyArn => Uri.ToString();

        public SshPublicKey PublicKey { get; }

        internal const string FileExtension = ".key";

        internal static string PathFor(KeyUri uri) => LocalKeyCreation.KeyFile(uri.KeyId, FileExtension);

        /// <summary>Opens an existing key; a missing one is KeyNotFound, naming the command that creates it.</summary>
        internal static ISigningKey Open(KeyUri uri)
        {
            string path = PathFor(uri);
            if (!File.Exists(path))
            {
                throw LocalKeyCreation.NotFound(uri, path, LocalKeyCreation.CreateCaKeyHint);
            }

            using (SshPrivateKey key = Load(uri, path))
            {
                return new LocalSigningKey(uri, path, key.PublicKey);
            }
        }

        /// <summary>Opens the key to sign with, creating a P-256 key when <see cref="LocalKeyCreation.MayCreateOnUse"/> allows.</summary>
        internal static (ISigningKey Key, KeyCreated? Created) OpenForSigning(KeyUri uri, bool create)
        {
            string path = PathFor(uri);
            if (!File.Exists(path))
            {
                if (!LocalKeyCreation.MayCreateOnUse(uri, create))
                {
                    throw LocalKeyCreation.NotFound(uri, path, LocalKeyCreation.CreateCaKeyHint, ", or allow the certificate command to create it on first use");
                }

                try
                {
                    ISigningKey created = Create(uri, KmsKeySpecs.DefaultSpec);
                    return (created, new KeyCreated(uri, path, created.PublicKey.Fingerprint));
                }
                catch (SshKmsException ex) when (ex.ErrorId == "LocalKeyExists")
                {
                    // Another process created it between our check and our write: use theirs.
                }
            }

            return (Open(uri), null);
        }

        internal static ISigningKey Create(KeyUri uri, string? keySpec)
        {
            SshKeyAlgorithm algorithm = KmsKeySpecs.ToLocalAlgorithm(KmsKeySpecs.Normalize(keySpec, "LocalKeySpecUnsupported"));
            string path = PathFor(uri);
            if (File.Exists(path))
            {
                throw Exists(uri, path);
            }

            SshKmsHome.EnsureDirectory("keys");

            using (SshPrivateKey key = SshPrivateKey.Generate(algorithm, uri.ToString()))
            {
                try
                {
                    OwnerOnly.WriteAllText(path, key.ToOpenSshFormat());
                }
                catch (SshKmsException ex) when (ex.ErrorId == "FileExists")
                {
                    throw Exists(uri, path);
                }

                return new LocalSigningKey(uri, path, key.PublicKey);
            }
        }

        public Task<SigningResult> SignAsync(byte[] data, string? rsaAlgorithm, CancellationToken cancellationToken)
        {
            if (data == null)
            {
                throw new ArgumentNullException(nameof(data));
            }

            cancellationToken.ThrowIfCancellationRequested();
            string? algorithm = PublicKey.RsaModulus != null ? KmsKeySpecs.ValidateRsaAlgorithm(rsaAlgorithm) : null;
            using (SshPrivateKey key = Load(Uri, _path))
            {
                if (!key.PublicKey.Equals(PublicKey))
                {
                    throw new SshKmsException("LocalKeyChanged", SshKmsErrorCategory.InvalidOperation,
                        $"The local key file for {Uri} was replaced after it was opened; open the key again.");
                }

                byte[] blob = key.Sign(data, algorithm);
                return Task.FromResult(new SigningResult(blob, SshSignature.AlgorithmOf(blob), null));
            }
        }

        private static SshPrivateKey Load(KeyUri uri, string path)
        {
            EnsureOwnerOnly(uri, path);
            string text;
            try
            {
                text = File.ReadAllText(path);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                throw new SshKmsException("LocalKeyUnreadable", SshKmsErrorCategory.ReadError, $"Could not read the local key {uri} at {path}: {ex.Message}");
            }

            try
            {
                return SshPrivateKey.ParseOpenSsh(text);
            }
            catch (SshKmsException ex)
            {
                throw new SshKmsException("LocalKeyInvalid", SshKmsErrorCategory.InvalidData, $"The local key file {path} for {uri} is not a usable key: {ex.Message}");
            }
        }

        /// <summary>Like ssh, refuse a private key others can read: it may already be compromised.</summary>
        private static void EnsureOwnerOnly(KeyUri uri, string path)
        {
#if NET8_0_OR_GREATER
            if (OperatingSystem.IsWindows())
            {
                return;
            }

            UnixFileMode mode = File.GetUnixFileMode(path);
            const UnixFileMode others = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
                | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;
            if ((mode & others) != 0)
            {
                throw new SshKmsException("LocalKeyPermissions", SshKmsErrorCategory.SecurityError,
                    $"The local key file {path} for {uri} is accessible by other users (mode {Convert.ToString((int)mode, 8)}); run 'chmod 600 {path}' if it is still secret, or create a new key.");
            }
#endif
        }

        private static SshKmsException Exists(KeyUri uri, string path) =>
            new SshKmsException("LocalKeyExists", SshKmsErrorCategory.ResourceExists, $"The local key {uri} already exists at {path}; refusing to overwrite it.");
    }
}
