using System;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using SshKms.Core.Keys;
using SshKms.Core.OpenSsh;

namespace SshKms.Core.Revocation
{
    /// <summary>
    /// The detached SSHSIG signature (OpenSSH's PROTOCOL.sshsig) published beside each KRL as &lt;krl&gt;.sig, made by
    /// the CA key through its provider (one KMS Sign for awskms). `ssh-keygen -Y verify -n sshkms-krl` checks it,
    /// so a node can refuse a KRL that did not come from the CA without trusting the channel it came over.
    /// </summary>
    public static class KrlSignature
    {
        /// <summary>The SSHSIG namespace: a signature made for a KRL cannot be replayed as a signature of anything else.</summary>
        public const string Namespace = "sshkms-krl";

        public const string FileSuffix = ".sig";

        private const string Label = "SSH SIGNATURE";
        private const string HashAlgorithm = "sha512";
        private static readonly byte[] Preamble = Encoding.ASCII.GetBytes("SSHSIG");

        /// <summary>Signs <paramref name="krl"/>; the armoured text `ssh-keygen -Y sign` would write.</summary>
        internal static async Task<(string Armoured, string? RequestId)> SignAsync(ISigningKey key, byte[] krl, CancellationToken cancellationToken)
        {
            SigningResult signed = await key.SignAsync(SignedData(krl), null, cancellationToken).ConfigureAwait(false);
            byte[] blob = new SshWriter()
                .WriteRaw(Preamble)
                .WriteUInt32(1)
                .WriteBytes(key.PublicKey.GetBlob())
                .WriteString(Namespace)
                .WriteBytes(Array.Empty<byte>())
                .WriteString(HashAlgorithm)
                .WriteBytes(signed.SignatureBlob)
                .ToArray();
            return (SshArmor.Wrap(Label, blob), signed.RequestId);
        }

        /// <summary>
        /// Whether <paramref name="armoured"/> is a valid sshkms-krl signature of <paramref name="krl"/> by
        /// <paramref name="caKey"/>. Throws KrlSignatureInvalid saying why when it is not.
        /// </summary>
        public static void EnsureValid(byte[] krl, string armoured, SshPublicKey caKey)
        {
            byte[] blob;
            try
            {
                blob = SshArmor.Unwrap(armoured ?? string.Empty, Label, "KRL signature")
                    ?? throw Invalid("it is not an armoured SSH SIGNATURE");
                var r = new SshReader(blob, "KRL signature");
                if (r.Remaining < Preamble.Length || !r.ReadRest().Take(Preamble.Length).SequenceEqual(Preamble))
                {
                    throw Invalid("it does not start with SSHSIG");
                }

                r = new SshReader(blob, Preamble.Length, blob.Length - Preamble.Length, "KRL signature");
                uint version = r.ReadUInt32();
                byte[] signer = r.ReadBytes("public key");
                string ns = r.ReadString("namespace");
                r.ReadBytes("reserved");
                string hash = r.ReadString("hash algorithm");
                byte[] signature = r.ReadBytes("signature");
                r.EnsureEnd();
                if (version != 1)
                {
                    throw Invalid($"SSHSIG version {version} is not 1");
                }

                if (!signer.SequenceEqual(caKey.GetBlob()))
                {
                    throw Invalid($"it was made by {SshPublicKey.FingerprintOf(signer)}, not by the CA key {caKey.Fingerprint}");
                }

                if (ns != Namespace || hash != HashAlgorithm)
                {
                    throw Invalid($"its namespace is \"{SshPublicKey.Truncate(ns)}\" with {SshPublicKey.Truncate(hash)}, expected \"{Namespace}\" with {HashAlgorithm}");
                }

                if (!SshSignatureVerifier.Verify(caKey, SignedData(krl), signature))
                {
                    throw Invalid("the signature does not match the KRL's bytes (altered, or signed for another KRL)");
                }
            }
            catch (SshFormatException ex)
            {
                throw Invalid(ex.Message.TrimEnd('.'));
            }
        }

        /// <summary>What SSHSIG signs: the preamble, namespace, reserved, hash name and the message's hash.</summary>
        private static byte[] SignedData(byte[] message)
        {
            byte[] digest;
            using (SHA512 sha = SHA512.Create())
            {
                digest = sha.ComputeHash(message);
            }

            return new SshWriter()
                .WriteRaw(Preamble)
                .WriteString(Namespace)
                .WriteBytes(Array.Empty<byte>())
                .WriteString(HashAlgorithm)
                .WriteBytes(digest)
                .ToArray();
        }

        private static SshKmsException Invalid(string why) =>
            new SshKmsException("KrlSignatureInvalid", SshKmsErrorCategory.SecurityError, $"The KRL signature is not valid: {why}.");
    }
}
