using System;

namespace SshKms.Core.Keys
{
    /// <summary>
    /// When a missing local: key may be made on use: the one rule the CLI and the cmdlets share. Reading never
    /// creates a key. Signing or encrypting creates one only for local:default (the embedded default, so a new
    /// user's first certificate works) or when the caller asked for it (-Create, --create). awskms: keys are
    /// never created on use: New-SshKmsCaKey / sshkms ca create do that.
    /// </summary>
    public static class LocalKeyCreation
    {
        /// <summary>How a user makes a signing (CA) key, named in KeyNotFound: the commands of both front ends, no flags.</summary>
        public const string CreateCaKeyHint = "Create {0} first as a CA key (New-SshKmsCaKey, or sshkms ca create)";

        /// <summary>How a user makes an envelope key, named in KeyNotFound.</summary>
        public const string CreateDataKeyHint = "Create {0} by encrypting with key creation allowed (Protect-SshKmsData, or sshkms encrypt)";

        public static bool MayCreateOnUse(KeyUri uri, bool create)
        {
            if (uri == null)
            {
                throw new ArgumentNullException(nameof(uri));
            }

            return uri.Provider == KeyProviderKind.Local && (create || uri.ToString() == KeyUri.DefaultCa);
        }

        /// <summary>The key's folder, $SSHKMS_HOME/keys, without creating it: reads and -WhatIf leave no trace.</summary>
        internal static string KeyFile(string name, string extension) => System.IO.Path.Combine(SshKmsHome.Path, "keys", name + extension);

        internal static SshKmsException NotFound(KeyUri uri, string path, string hint, string? orOnUse = null) =>
            new SshKmsException("KeyNotFound", SshKmsErrorCategory.ObjectNotFound,
                $"The local key {uri} does not exist (no file {path}). {string.Format(System.Globalization.CultureInfo.InvariantCulture, hint, uri)}{orOnUse}.");
    }

    /// <summary>A local key made on use; the CLI prints <see cref="Message"/> as one stderr line, a cmdlet as a warning.</summary>
    public sealed class KeyCreated
    {
        internal KeyCreated(KeyUri uri, string path, string fingerprint)
        {
            Uri = uri;
            Path = path;
            Fingerprint = fingerprint;
        }

        public KeyUri Uri { get; }

        public string Path { get; }

        public string Fingerprint { get; }

        public string Message => $"Created the local key {Uri} at {Path} ({Fingerprint}).";
    }
}
