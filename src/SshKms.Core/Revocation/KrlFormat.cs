using System;
using System.Collections.Generic;
using System.Linq;
using SshKms.Core.OpenSsh;

namespace SshKms.Core.Revocation
{
    /// <summary>
    /// PROTOCOL.krl on the wire. The writer picks serial encodings the way krl.c does (list, range or bitmap,
    /// whichever is cheapest for each run), so our KRLs are as small as ssh-keygen's. It never writes the
    /// signature section (0x04): OpenSSH 9.4 and later refuse a KRL that has one. The reader takes ours and
    /// ssh-keygen's and refuses anything it does not understand with one ErrorId.
    /// </summary>
    internal static class KrlFormat
    {
        private const byte SectionCertificates = 1;
        private const byte SectionExplicitKey = 2;
        private const byte SectionSha1 = 3;
        private const byte SectionSignature = 4;
        private const byte SectionSha256 = 5;
        private const byte SectionExtension = 255;

        private const byte SerialList = 0x20;
        private const byte SerialRange = 0x21;
        private const byte SerialBitmap = 0x22;
        private const byte KeyIdList = 0x23;
        private const byte CertExtension = 0x39;

        public static byte[] Write(Krl krl)
        {
            var w = new SshWriter()
                .WriteRaw(Krl.Magic)
                .WriteUInt32(Krl.FormatVersion)
                .WriteUInt64(krl.Version)
                .WriteUInt64(krl.GeneratedDate)
                .WriteUInt64(krl.Flags)
                .WriteBytes(Array.Empty<byte>())
                .WriteString(krl.Comment);

            foreach (KrlCertificateSection section in krl.CertificateSections.Where(s => !s.Serials.IsEmpty || s.KeyIds.Count > 0))
            {
                w.WriteByte(SectionCertificates).WriteBytes(CertificateSection(section));
            }

            WriteBlobSection(w, SectionExplicitKey, krl.ExplicitKeys);
            WriteBlobSection(w, SectionSha1, krl.Sha1Hashes);
            WriteBlobSection(w, SectionSha256, krl.Sha256Hashes);
            return w.ToArray();
        }

        private static void WriteBlobSection(SshWriter w, byte type, SortedSet<byte[]> blobs)
        {
            if (blobs.Count == 0)
            {
                return;
            }

            var section = new SshWriter();
            foreach (byte[] blob in blobs)
            {
                section.WriteBytes(blob);
            }

            w.WriteByte(type).WriteBytes(section.ToArray());
        }

        /// <summary>krl.c's revoked_certs_generate: one pass over the merged ranges, switching encodings by cost.</summary>
        private static byte[] CertificateSection(KrlCertificateSection section)
        {
            var w = new SshWriter().WriteBytes(section.CaKey ?? Array.Empty<byte>()).WriteBytes(Array.Empty<byte>());
            IReadOnlyList<KeyValuePair<ulong, ulong>> ranges = section.Serials.Ranges;
            int state = 0;
            SshWriter? sub = null;
            BitmapBuilder? bitmap = null;
            ulong last = 0;
            for (int i = 0; i < ranges.Count; i++)
            {
                ulong lo = ranges[i].Key, hi = ranges[i].Value;
                bool final = i == ranges.Count - 1;
                ulong gap = final ? 0 : ranges[i + 1].Key - hi;
                ulong contig = 1 + (hi - lo);
                int next = ChooseNextState(state, contig, final, state == 0 ? 0 : lo - last, gap, out bool restart);
                if (state != 0 && (restart || next != state || state == SerialRange))
                {
                    Flush(w, state, sub!, bitmap);
                    bitmap = null;
                }

                if (next != state || restart || state == SerialRange)
                {
                    state = next;
                    sub = new SshWriter();
                    if (state == SerialBitmap)
                    {
                        bitmap = new BitmapBuilder(lo);
                        sub.WriteUInt64(lo);
                    }
                }

                switch (state)
                {
                    case SerialList:
                        for (ulong s = lo; ; s++)
                        {
                            sub!.WriteUInt64(s);
                            if (s == hi)
                            {
                                break;
                            }
                        }

                        break;
                    case SerialRange:
                        sub!.WriteUInt64(lo).WriteUInt64(hi);
                        break;
                    default:
                        bitmap!.Set(lo, hi);
                        break;
                }

                last = hi;
            }

            if (state != 0)
            {
                Flush(w, state, sub!, bitmap);
            }

            if (section.KeyIds.Count > 0)
            {
                var ids = new SshWriter();
                foreach (string id in section.KeyIds)
                {
                    ids.WriteString(id);
                }

                w.WriteByte(KeyIdList).WriteBytes(ids.ToArray());
            }

            return w.ToArray();
        }

        private static void Flush(SshWriter w, int state, SshWriter sub, BitmapBuilder? bitmap)
        {
            if (state == SerialBitmap)
            {
                sub.WriteMpint(bitmap!.ToBigEndian());
            }

            w.WriteByte((byte)state).WriteBytes(sub.ToArray());
        }

        /// <summary>krl.c's choose_next_state, cost for cost (in bits, then bytes), so we choose what ssh-keygen chooses.</summary>
        private static int ChooseNextState(int current, ulong contig, bool final, ulong lastGap, ulong nextGap, out bool restart)
        {
            const ulong cap = 1UL << 31;
            contig = Math.Min(contig, cap);
            lastGap = Math.Min(lastGap, cap);
            nextGap = Math.Min(nextGap, cap);

            ulong costList = 0, costBitmap = 0, costBitmapRestart = 0, costRange = 8;
            switch (current)
            {
                case SerialList:
                    costBitmapRestart = costBitmap = 8 + 64;
                    break;
                case SerialBitmap:
                    costList = 8;
                    costBitmapRestart = 8 + 64;
                    break;
                default:
                    costBitmapRestart = costBitmap = 8 + 64;
                    costList = 8;
                    break;
            }

            costList += (64 * contig) + (final ? 0 : 8 + 64UL);
            costRange += (2 * 64) + (final ? 0 : 8 + 64UL);
            costBitmap += lastGap + contig + (final ? 0 : Math.Min(nextGap, 8 + 64UL));
            costBitmapRestart += contig + (final ? 0 : Math.Min(nextGap, 8 + 64UL));

            costList = (costList + 7) / 8;
            costBitmap = (costBitmap + 7) / 8;
            costBitmapRestart = (costBitmapRestart + 7) / 8;
            costRange = (costRange + 7) / 8;

            restart = false;
            int state = SerialBitmap;
            ulong cost = costBitmap;
            if (costRange < cost)
            {
                state = SerialRange;
                cost = costRange;
            }

            if (costList < cost)
            {
                state = SerialList;
                cost = costList;
            }

            if (costBitmapRestart < cost)
            {
                state = SerialBitmap;
                restart = true;
            }

            return state;
        }

        /// <summary>Bit N set means serial offset+N is revoked; the mpint is the bitmap as a big-endian number.</summary>
        private sealed class BitmapBuilder
        {
            private readonly ulong _offset;
            private readonly List<byte> _littleEndian = new List<byte>();

            public BitmapBuilder(ulong offset)
            {
                _offset = offset;
            }

            public void Set(ulong lo, ulong hi)
            {
                for (ulong s = lo; ; s++)
                {
                    int bit = checked((int)(s - _offset));
                    while (_littleEndian.Count <= bit / 8)
                    {
                        _littleEndian.Add(0);
                    }

                    _littleEndian[bit / 8] |= (byte)(1 << (bit % 8));
                    if (s == hi)
                    {
                        break;
                    }
                }
            }

            public byte[] ToBigEndian()
            {
                byte[] bytes = _littleEndian.ToArray();
                Array.Reverse(bytes);
                return bytes;
            }
        }

        /// <summary>Parses a KRL; anything malformed or not understood is one KrlMalformed (or a more precise id), never an index error.</summary>
        public static Krl Read(byte[] data, string source)
        {
            try
            {
                return ReadStrict(data, source);
            }
            catch (SshFormatException ex)
            {
                throw Malformed(source, ex.Message);
            }
        }

        /// <summary>Whether the bytes start as a KRL does (sshd's RevokedKeys may also be a plain list of keys).</summary>
        internal static bool HasMagic(byte[] data) => data.Length >= Krl.Magic.Length && data.Take(Krl.Magic.Length).SequenceEqual(Krl.Magic);

        private static Krl ReadStrict(byte[] data, string source)
        {
            if (!HasMagic(data))
            {
                throw Malformed(source, "it does not start with the KRL magic \"SSHKRL\\n\\0\"");
            }

            var r = new SshReader(data, Krl.Magic.Length, data.Length - Krl.Magic.Length, "KRL");
            uint format = r.ReadUInt32();
            if (format != Krl.FormatVersion)
            {
                throw Malformed(source, $"format version {format} is not the supported version 1");
            }

            var krl = new Krl
            {
                Version = r.ReadUInt64(),
                GeneratedDate = r.ReadUInt64(),
                Flags = r.ReadUInt64(),
            };
            r.ReadBytes("reserved");
            krl.Comment = r.ReadString("comment");

            while (!r.AtEnd)
            {
                byte type = r.ReadByte();
                if (type == SectionSignature)
                {
                    throw new SshKmsException("KrlSignatureSectionUnsupported", SshKmsErrorCategory.InvalidData,
                        $"The KRL {source} carries an in-file signature section, which OpenSSH 9.4 and later refuse to load; " +
                        "sign KRLs with a detached SSHSIG signature instead and rewrite this one without its signature.");
                }

                var section = new SshReader(r.ReadBytes("section"), $"KRL section 0x{type:x2}");
                switch (type)
                {
                    case SectionCertificates:
                        ReadCertificates(section, krl, source);
                        break;
                    case SectionExplicitKey:
                        ReadBlobs(section, krl.ExplicitKeys, 0);
                        break;
                    case SectionSha1:
                        ReadBlobs(section, krl.Sha1Hashes, 20);
                        break;
                    case SectionSha256:
                        ReadBlobs(section, krl.Sha256Hashes, 32);
                        break;
                    case SectionExtension:
                        ReadExtension(section, source);
                        break;
                    default:
                        throw Malformed(source, $"section type 0x{type:x2} is not a KRL section");
                }

                section.EnsureEnd();
            }

            return krl;
        }

        private static void ReadCertificates(SshReader r, Krl krl, string source)
        {
            byte[] caKey = r.ReadBytes("CA key");
            r.ReadBytes("reserved");
            if (caKey.Length > 0)
            {
                // A CA key sshd could not parse would fail its whole KRL: refuse it here too.
                SshPublicKey.FromBlob(caKey);
            }

            KrlCertificateSection section = krl.SectionFor(caKey.Length == 0 ? null : caKey);
            while (!r.AtEnd)
            {
                byte type = r.ReadByte();
                var sub = new SshReader(r.ReadBytes("certificate subsection"), $"KRL certificate subsection 0x{type:x2}");
                switch (type)
                {
                    case SerialList:
                        while (!sub.AtEnd)
                        {
                            ulong serial = sub.ReadUInt64();
                            AddSerials(section, serial, serial, source);
                        }

                        break;
                    case SerialRange:
                        AddSerials(section, sub.ReadUInt64(), sub.ReadUInt64(), source);
                        break;
                    case SerialBitmap:
                        ReadBitmap(sub.ReadUInt64(), sub.ReadMpint("bitmap"), section, source);
                        break;
                    case KeyIdList:
                        while (!sub.AtEnd)
                        {
                            section.KeyIds.Add(sub.ReadString("key id"));
                        }

                        break;
                    case CertExtension:
                        ReadExtension(sub, source);
                        break;
                    default:
                        throw Malformed(source, $"certificate subsection type 0x{type:x2} is not a KRL subsection");
                }

                sub.EnsureEnd();
            }
        }

        private static void AddSerials(KrlCertificateSection section, ulong lo, ulong hi, string source)
        {
            if (lo == 0 || lo > hi)
            {
                throw Malformed(source, $"serial range {lo}-{hi} is empty or starts at 0");
            }

            section.Serials.Add(lo, hi);
        }

        /// <summary>Each run of set bits becomes one range, so a bitmap of a million serials is not a million adds.</summary>
        private static void ReadBitmap(ulong offset, byte[] bigEndian, KrlCertificateSection section, string source)
        {
            ulong bits = (ulong)bigEndian.Length * 8;
            ulong? runStart = null;
            for (ulong bit = 0; bit <= bits; bit++)
            {
                bool set = bit < bits && (bigEndian[bigEndian.Length - 1 - (int)(bit / 8)] & (1 << (int)(bit % 8))) != 0;
                if (set && runStart == null)
                {
                    runStart = bit;
                }
                else if (!set && runStart != null)
                {
                    ulong lo = offset + runStart.Value, hi = offset + (bit - 1);
                    if (lo < offset || hi < lo)
                    {
                        throw Malformed(source, "a serial bitmap runs past the largest serial");
                    }

                    AddSerials(section, lo, hi, source);
                    runStart = null;
                }
            }
        }

        private static void ReadBlobs(SshReader r, SortedSet<byte[]> into, int expectedLength)
        {
            while (!r.AtEnd)
            {
                byte[] blob = r.ReadBytes("key or hash");
                if (expectedLength != 0 && blob.Length != expectedLength)
                {
                    throw r.Error($"a hash is {blob.Length} bytes, expected {expectedLength}");
                }

                if (expectedLength == 0)
                {
                    // An explicit key must be a plain public key that sshd can parse.
                    SshPublicKey.FromBlob(blob);
                }

                into.Add(blob);
            }
        }

        private static void ReadExtension(SshReader r, string source)
        {
            string name = r.ReadString("extension name");
            bool critical = r.ReadBoolean();
            r.ReadBytes("extension contents");
            if (critical)
            {
                throw new SshKmsException("KrlExtensionUnsupported", SshKmsErrorCategory.InvalidData,
                    $"The KRL {source} has a critical extension \"{SshPublicKey.Truncate(name)}\" that neither SshKms nor OpenSSH understands.");
            }
        }

        private static SshKmsException Malformed(string source, string problem) =>
            new SshKmsException("KrlMalformed", SshKmsErrorCategory.InvalidData, $"The KRL {source} is malformed: {problem.TrimEnd('.')}.");
    }
}
