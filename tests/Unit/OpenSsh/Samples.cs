using System;
using System.Collections.Generic;
using System.Linq;
using System.Security.Cryptography;
using SshKms.Core.OpenSsh;

namespace SshKms.Tests.OpenSsh
{
    /// <summary>
    /// Valid keys, certificates and signatures of every kind, made once per test run: the starting points the
    /// malformed-input and property tests break.
    /// </summary>
    internal static class Samples
    {
        private static readonly Lazy<IReadOnlyList<SshPrivateKey>> LazyKeys = new Lazy<IReadOnlyList<SshPrivateKey>>(() =>
            new[] { SshKeyAlgorithm.Ed25519, SshKeyAlgorithm.EcdsaP256, SshKeyAlgorithm.EcdsaP384, SshKeyAlgorithm.EcdsaP521, SshKeyAlgorithm.Rsa2048 }
                .Select(a => SshPrivateKey.Generate(a, "sample " + a)).ToArray());

        public static readonly byte[] Message = System.Text.Encoding.ASCII.GetBytes("the signed message");

        /// <summary>One key of each type we can sign with. Shared and never disposed: they live as long as the test run.</summary>
        public static IReadOnlyList<SshPrivateKey> Keys => LazyKeys.Value;

        public static SshPrivateKey Ed25519 => Keys[0];

        public static SshPrivateKey Rsa => Keys[Keys.Count - 1];

        public static byte[] SkEd25519Blob =>
            new SshWriter().WriteString(SshKeyTypes.SkEd25519).WriteBytes(Ed25519.PublicKey.Ed25519Key!).WriteString("ssh:").ToArray();

        public static byte[] SkEcdsaBlob =>
            new SshWriter().WriteString(SshKeyTypes.SkEcdsaP256).WriteString("nistp256").WriteBytes(Keys[1].PublicKey.EcPoint!).WriteString("ssh:").ToArray();

        public static IEnumerable<byte[]> PublicKeyBlobs => Keys.Select(k => k.PublicKey.GetBlob()).Concat(new[] { SkEd25519Blob, SkEcdsaBlob });

        /// <summary>Signatures over <see cref="Message"/>, paired with the key that made them; RSA in all three algorithms.</summary>
        public static IEnumerable<(SshPublicKey Key, byte[] Signature)> Signatures =>
            Keys.Select(k => (k.PublicKey, k.Sign(Message)))
                .Concat(new[] { SshSignature.RsaSha256, SshSignature.RsaSha1 }.Select(a => (Rsa.PublicKey, Rsa.Sign(Message, a))));

        /// <summary>A user certificate with principals, options and extensions, signed by the given CA.</summary>
        public static SshCertificate Certificate(SshPrivateKey ca, SshPublicKey? subject = null, string? algorithm = null)
        {
            var builder = new SshCertificateBuilder(subject ?? Ed25519.PublicKey, ca.PublicKey)
            {
                Serial = 42,
                KeyId = "sample",
                ValidAfter = 1_700_000_000,
                ValidBefore = 1_800_000_000,
            };
            builder.Principals.Add("alice");
            builder.Principals.Add("bob");
            builder.CriticalOptions.Add(new KeyValuePair<string, string>("source-address", "10.0.0.0/8"));
            builder.CriticalOptions.Add(new KeyValuePair<string, string>("force-command", "/bin/true"));
            builder.Extensions.Add(new KeyValuePair<string, string>("permit-pty", string.Empty));
            return builder.Complete(ca.Sign(builder.GetBytesToSign(), algorithm));
        }

        public static IEnumerable<byte[]> CertificateBlobs =>
            Keys.Select(ca => Certificate(ca).GetBlob())
                .Append(Certificate(Rsa, SshPublicKey.FromBlob(SkEcdsaBlob), SshSignature.RsaSha256).GetBlob());

        /// <summary>The binary openssh-key-v1 content (what sits between the PEM lines).</summary>
        public static IEnumerable<byte[]> PrivateKeyBinaries => Keys.Select(k => Unarmor(k.ToOpenSshFormat()));

        public static IEnumerable<string> Lines =>
            Keys.Select(k => k.PublicKey.ToString())
                .Append($"from=\"10.0.0.1\",command=\"echo hi\" {Ed25519.PublicKey}")
                .Append(Certificate(Ed25519).ToString());

        public static string Armor(byte[] binary) => SshArmor.Wrap("OPENSSH PRIVATE KEY", binary);

        public static byte[] Unarmor(string pem) => SshArmor.Unwrap(pem, "OPENSSH PRIVATE KEY", "test key")!;

        public static byte[] Concat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();

        public static int IndexOf(byte[] haystack, byte[] needle)
        {
            for (int i = 0; i + needle.Length <= haystack.Length; i++)
            {
                if (haystack.AsSpan(i, needle.Length).SequenceEqual(needle))
                {
                    return i;
                }
            }

            throw new InvalidOperationException("needle not found");
        }
    }
}
