using System;
using System.Linq;
using SshKms.Core;
using SshKms.Core.OpenSsh;
using SshKms.Core.Revocation;
using Xunit;

namespace SshKms.Tests.Revocation
{
    /// <summary>Hostile and broken KRLs: each is one SshKmsException with a KRL ErrorId, never an index or overflow error.</summary>
    public sealed class KrlMalformedTests
    {
        private static readonly SshPublicKey Ca = SshPrivateKey.Generate(SshKeyAlgorithm.Ed25519, "ca").PublicKey;

        private static byte[] Valid()
        {
            KrlSpec spec = KrlSpec.Mixed(200, 3, 2, 11);
            return KrlFormat.Write(spec.ToKrl(Ca, 3, 1700000000, "test"));
        }

        private static byte[] Header(params byte[][] sections)
        {
            var w = new SshWriter().WriteRaw(Krl.Magic).WriteUInt32(1).WriteUInt64(1).WriteUInt64(0).WriteUInt64(0).WriteBytes(new byte[0]).WriteString(string.Empty);
            foreach (byte[] s in sections)
            {
                w.WriteRaw(s);
            }

            return w.ToArray();
        }

        private static byte[] Section(byte type, byte[] body) => new SshWriter().WriteByte(type).WriteBytes(body).ToArray();

        private static byte[] CertSection(byte subType, byte[] body) =>
            Section(1, new SshWriter().WriteBytes(Ca.GetBlob()).WriteBytes(new byte[0]).WriteByte(subType).WriteBytes(body).ToArray());

        private static string IdOf(byte[] krl) => Assert.ThrowsAny<SshKmsException>(() => KrlFormat.Read(krl, "test.krl")).ErrorId;

        [Fact]
        public void Every_truncation_is_KrlMalformed()
        {
            byte[] valid = Valid();
            Assert.NotNull(KrlFormat.Read(valid, "test.krl"));
            for (int length = 0; length < valid.Length; length++)
            {
                byte[] cut = valid.Take(length).ToArray();
                Exception? ex = Record.Exception(() => KrlFormat.Read(cut, "test.krl"));

                // A cut exactly between two top-level sections is itself a valid, shorter KRL.
                if (ex != null)
                {
                    Assert.Equal("KrlMalformed", Assert.IsAssignableFrom<SshKmsException>(ex).ErrorId);
                }
            }
        }

        [Fact]
        public void Random_byte_flips_give_only_KRL_errors()
        {
            byte[] valid = Valid();
            var random = new Random(5);
            for (int i = 0; i < 3000; i++)
            {
                byte[] bad = (byte[])valid.Clone();
                for (int n = random.Next(1, 4); n > 0; n--)
                {
                    bad[random.Next(bad.Length)] = (byte)random.Next(256);
                }

                Exception? ex = Record.Exception(() => KrlFormat.Read(bad, "test.krl"));
                if (ex != null)
                {
                    Assert.StartsWith("Krl", Assert.IsAssignableFrom<SshKmsException>(ex).ErrorId);
                }
            }
        }

        [Fact]
        public void Bad_magic_and_format_version_are_refused()
        {
            Assert.Equal("KrlMalformed", IdOf(System.Text.Encoding.ASCII.GetBytes("ssh-ed25519 AAAA not a krl")));
            byte[] v2 = Header();
            v2[11] = 2;
            Assert.Equal("KrlMalformed", IdOf(v2));
        }

        [Fact]
        public void A_signature_section_is_refused_as_OpenSSH_9_4_does()
        {
            byte[] signed = Header(new SshWriter().WriteByte(4).WriteBytes(Ca.GetBlob()).WriteBytes(new byte[64]).ToArray());
            SshKmsException ex = Assert.ThrowsAny<SshKmsException>(() => KrlFormat.Read(signed, "signed.krl"));
            Assert.Equal("KrlSignatureSectionUnsupported", ex.ErrorId);
            Assert.Contains("signed.krl", ex.Message);
        }

        [Fact]
        public void Critical_extensions_are_refused_and_others_skipped()
        {
            byte[] Extension(bool critical) => new SshWriter().WriteString("x@example.com").WriteBoolean(critical).WriteBytes(new byte[] { 1, 2 }).ToArray();
            Assert.Equal("KrlExtensionUnsupported", IdOf(Header(Section(255, Extension(true)))));
            Assert.Equal("KrlExtensionUnsupported", IdOf(Header(CertSection(0x39, Extension(true)))));
            Assert.NotNull(KrlFormat.Read(Header(Section(255, Extension(false)), CertSection(0x39, Extension(false))), "ok"));
        }

        [Fact]
        public void Bad_sections_are_KrlMalformed()
        {
            byte[] U64(params ulong[] values)
            {
                var w = new SshWriter();
                foreach (ulong v in values)
                {
                    w.WriteUInt64(v);
                }

                return w.ToArray();
            }

            Assert.Equal("KrlMalformed", IdOf(Header(Section(9, new byte[0]))));                          // unknown section
            Assert.Equal("KrlMalformed", IdOf(Header(CertSection(0x20, U64(0)))));                          // serial 0
            Assert.Equal("KrlMalformed", IdOf(Header(CertSection(0x21, U64(9, 3)))));                       // range high < low
            Assert.Equal("KrlMalformed", IdOf(Header(CertSection(0x21, U64(3, 9, 10)))));                   // trailing data
            Assert.Equal("KrlMalformed", IdOf(Header(CertSection(0x20, new byte[] { 1, 2, 3 }))));          // partial uint64
            Assert.Equal("KrlMalformed", IdOf(Header(CertSection(0x30, new byte[0]))));                     // unknown subsection
            Assert.Equal("KrlMalformed", IdOf(Header(Section(5, new SshWriter().WriteBytes(new byte[31]).ToArray())))); // short hash
            Assert.Equal("KrlMalformed", IdOf(Header(Section(2, new SshWriter().WriteBytes(new byte[] { 0, 0, 0, 1, 0x41 }).ToArray())))); // not a key
            Assert.Equal("KrlMalformed", IdOf(Header(Section(1, new SshWriter().WriteBytes(new byte[] { 0, 0, 0, 3, 0x61, 0x62, 0x63 }).WriteBytes(new byte[0]).ToArray())))); // bad CA key

            // A bitmap whose bits run past 2^64 - 1.
            byte[] bitmap = new SshWriter().WriteUInt64(ulong.MaxValue - 3).WriteMpint(new byte[] { 0x7f, 0xff }).ToArray();
            Assert.Equal("KrlMalformed", IdOf(Header(CertSection(0x22, bitmap))));
        }

        [Fact]
        public void A_bitmap_is_read_as_runs()
        {
            // Bits 0, 2, 3 and 4 set at offset 100: serials 100 and 102-104.
            byte[] bitmap = new SshWriter().WriteUInt64(100).WriteMpint(new byte[] { 0x1d }).ToArray();
            Krl krl = KrlFormat.Read(Header(CertSection(0x22, bitmap)), "bitmap");
            Assert.Equal(new[] { "100", "102-104" }, new RevocationList("bitmap", krl).Entries.Select(e => e.Value));
        }
    }
}
