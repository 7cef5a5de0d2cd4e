using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using FsCheck;
using FsCheck.Fluent;
using SshKms.Core;
using SshKms.Core.OpenSsh;
using Xunit;

namespace SshKms.Tests.OpenSsh
{
    /// <summary>
    /// Hostile bytes through every parser: the only acceptable outcomes are a parsed object or an
    /// SshKmsException. Anything else (IndexOutOfRange, Overflow, OutOfMemory, a hang) is a bug.
    /// </summary>
    public class ParserPropertyTests
    {
        private const int Cases = 2500;

        private static readonly byte[][] PublicKeys = Samples.PublicKeyBlobs.ToArray();
        private static readonly byte[][] Certificates = Samples.CertificateBlobs.ToArray();
        private static readonly byte[][] PrivateKeys = Samples.PrivateKeyBinaries.ToArray();
        private static readonly (SshPublicKey Key, byte[] Signature)[] Signatures = Samples.Signatures.ToArray();
        private static readonly byte[][] Lines = Samples.Lines.Select(l => Encoding.ASCII.GetBytes(l)).ToArray();

        /// <summary>One edit to a valid input: the kinds of damage transport and attackers cause.</summary>
        public enum Edit
        {
            SetByte,
            Truncate,
            InsertByte,
            DeleteByte,
            HugeLength,
        }

        private static Gen<byte[]> Mutated(byte[][] seeds) =>
            from seed in Gen.Elements(seeds)
            from edit in Gen.Elements((Edit[])Enum.GetValues(typeof(Edit)))
            from position in Gen.Choose(0, seed.Length - 1)
            from value in Gen.Choose(0, 255)
            select Apply(seed, edit, position, (byte)value);

        private static byte[] Apply(byte[] seed, Edit edit, int position, byte value)
        {
            var bytes = seed.ToList();
            switch (edit)
            {
                case Edit.SetByte:
                    bytes[position] = bytes[position] == value ? (byte)~value : value;
                    break;
                case Edit.Truncate:
                    bytes.RemoveRange(position, bytes.Count - position);
                    break;
                case Edit.InsertByte:
                    bytes.Insert(position, value);
                    break;
                case Edit.DeleteByte:
                    bytes.RemoveAt(position);
                    break;
                case Edit.HugeLength:
                    for (int i = 0; i < 4 && position + i < bytes.Count; i++)
                    {
                        bytes[position + i] = i == 3 ? (byte)0xF0 : (byte)0xFF;
                    }

                    break;
            }

            return bytes.ToArray();
        }

        private static Gen<byte[]> RandomBytes => Gen.Choose(0, 200).SelectMany(n => Gen.ArrayOf(Gen.Choose(0, 255).Select(b => (byte)b), n));

        private static void Check(Gen<byte[]> inputs, Action<byte[]> parse, int cases = Cases) =>
            FsCheck.Check.One(
                Config.QuickThrowOnFailure.WithMaxTest(cases).WithQuietOnSuccess(true),
                Prop.ForAll(inputs.ToArbitrary(), input => OnlyParsesOrFormatErrors(() => parse(input))));

        private static void OnlyParsesOrFormatErrors(Action parse)
        {
            try
            {
                parse();
            }
            catch (SshKmsException)
            {
                // The one acceptable failure.
            }
        }

        private static void ParsePublicKey(byte[] blob)
        {
            SshPublicKey key = SshPublicKey.FromBlob(blob);
            _ = key.Fingerprint + key.Bits + key;
        }

        private static void ParseCertificate(byte[] blob)
        {
            SshCertificate cert = SshCertificate.FromBlob(blob);
            _ = cert.VerifySignature();
            _ = cert.SignatureAlgorithm + cert.ValidTo + cert.IsValidAt(DateTimeOffset.UtcNow) + cert;
        }

        private static void ParsePrivateKey(byte[] binary)
        {
            using SshPrivateKey key = SshPrivateKey.ParseOpenSsh(Samples.Armor(binary));
            Assert.True(key.PublicKey.Verify(Samples.Message, key.Sign(Samples.Message)));
        }

        private static void ParseLine(byte[] ascii)
        {
            string line = Encoding.ASCII.GetString(ascii);
            OnlyParsesOrFormatErrors(() => SshPublicKey.Parse(line));
            OnlyParsesOrFormatErrors(() => SshCertificate.Parse(line));
        }

        /// <summary>Signatures are what the verifier exists to doubt: it must answer, never throw.</summary>
        private static void CheckSignatureWithEveryKey(byte[] signature)
        {
            foreach (var (key, _) in Signatures)
            {
                SshSignatureVerifier.Check(key, Samples.Message, signature);
            }
        }

        [Fact]
        public void PublicKeyBlobs()
        {
            Check(Mutated(PublicKeys), ParsePublicKey);
            Check(RandomBytes, ParsePublicKey);
        }

        [Fact]
        public void CertificateBlobs()
        {
            Check(Mutated(Certificates), ParseCertificate);
            Check(RandomBytes, ParseCertificate, 300);
        }

        [Fact]
        public void PrivateKeyTexts()
        {
            Check(Mutated(PrivateKeys), ParsePrivateKey);
            Check(RandomBytes.Select(b => Samples.Concat(Encoding.ASCII.GetBytes("openssh-key-v1\0"), b)), ParsePrivateKey, 300);
        }

        [Fact]
        public void SignatureBlobs()
        {
            Check(Mutated(Signatures.Select(s => s.Signature).ToArray()), CheckSignatureWithEveryKey);
            Check(RandomBytes, CheckSignatureWithEveryKey, 300);
        }

        [Fact]
        public void AuthorizedKeysLines()
        {
            Check(Mutated(Lines), ParseLine);
            Check(RandomBytes.Select(b => b.Select(c => (byte)(32 + (c % 95))).ToArray()), ParseLine, 300);
        }

        [Fact]
        public void SingleByteChangesToSignedBytesNeverVerify()
        {
            var seeds = Signatures.Select((s, i) => i).ToArray();
            Check(
                from i in Gen.Elements(seeds)
                from position in Gen.Choose(0, Samples.Message.Length - 1)
                from flip in Gen.Choose(1, 255)
                select new[] { (byte)i, (byte)position, (byte)flip },
                c =>
                {
                    byte[] message = (byte[])Samples.Message.Clone();
                    message[c[1]] ^= c[2];
                    var (key, signature) = Signatures[c[0]];
                    Assert.Equal(SshSignatureStatus.Invalid, SshSignatureVerifier.Check(key, message, signature));
                },
                300);
        }
    }
}
