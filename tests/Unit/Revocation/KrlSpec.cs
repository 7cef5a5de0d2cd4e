using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using SshKms.Core.OpenSsh;
using SshKms.Core.Revocation;

namespace SshKms.Tests.Revocation
{
    /// <summary>
    /// One set of revocations written two ways: as an ssh-keygen -k spec file and as our in-memory KRL, so the
    /// two tools' KRLs of the same content can be compared byte for byte and listing for listing.
    /// </summary>
    internal sealed class KrlSpec
    {
        public List<KeyValuePair<ulong, ulong>> Serials { get; } = new List<KeyValuePair<ulong, ulong>>();

        public List<string> KeyIds { get; } = new List<string>();

        public List<byte[]> Sha256Hashes { get; } = new List<byte[]>();

        /// <summary>
        /// Singles, short and long ranges, dense clusters (bitmaps) and lone far-apart serials (lists), so every
        /// serial encoding krl.c chooses appears; <paramref name="serials"/> serials in all.
        /// </summary>
        public static KrlSpec Mixed(int serials, int keyIds, int hashes, int seed)
        {
            var random = new Random(seed);
            var spec = new KrlSpec();
            ulong next = 1000;
            int count = 0;
            while (count < serials)
            {
                int shape = random.Next(4);
                if (shape == 0)
                {
                    // A range of 20..200 serials.
                    ulong length = (ulong)random.Next(20, 200);
                    spec.Serials.Add(new KeyValuePair<ulong, ulong>(next, next + length - 1));
                    next += length + (ulong)random.Next(2, 50);
                    count += (int)length;
                }
                else if (shape == 1)
                {
                    // A dense cluster: every other serial or so, a bitmap's home ground.
                    for (int i = 0; i < 30 && count < serials; i++, count++)
                    {
                        spec.Serials.Add(new KeyValuePair<ulong, ulong>(next, next));
                        next += (ulong)random.Next(2, 4);
                    }
                }
                else
                {
                    // Lone serials far apart: a list.
                    spec.Serials.Add(new KeyValuePair<ulong, ulong>(next, next));
                    next += (ulong)random.Next(500, 100000);
                    count++;
                }
            }

            for (int i = 0; i < keyIds; i++)
            {
                spec.KeyIds.Add($"sshkms:awskms:alias/ssh-ca:user{i}@example.com:{random.Next()}");
            }

            var sha = System.Security.Cryptography.SHA256.Create();
            for (int i = 0; i < hashes; i++)
            {
                spec.Sha256Hashes.Add(sha.ComputeHash(BitConverter.GetBytes(random.NextDouble())));
            }

            return spec;
        }

        /// <summary>The spec file `ssh-keygen -k -s CA.pub` reads.</summary>
        public string ToSpecText()
        {
            var sb = new StringBuilder();
            foreach (KeyValuePair<ulong, ulong> r in Serials)
            {
                sb.Append("serial: ").Append(r.Key);
                if (r.Value != r.Key)
                {
                    sb.Append('-').Append(r.Value);
                }

                sb.Append('\n');
            }

            foreach (string id in KeyIds)
            {
                sb.Append("id: ").Append(id).Append('\n');
            }

            foreach (byte[] h in Sha256Hashes)
            {
                sb.Append("hash: SHA256:").Append(Convert.ToBase64String(h).TrimEnd('=')).Append('\n');
            }

            return sb.ToString();
        }

        public Krl ToKrl(SshPublicKey ca, ulong version, ulong generated, string comment)
        {
            var krl = new Krl { Version = version, GeneratedDate = generated, Comment = comment };
            KrlCertificateSection section = krl.SectionFor(ca.GetBlob());
            foreach (KeyValuePair<ulong, ulong> r in Serials)
            {
                section.Serials.Add(r.Key, r.Value);
            }

            foreach (string id in KeyIds)
            {
                section.KeyIds.Add(id);
            }

            foreach (byte[] h in Sha256Hashes)
            {
                krl.Sha256Hashes.Add(h);
            }

            return krl;
        }

        /// <summary>krl_version and generated_date of a KRL file: bytes 12..19 and 20..27, big-endian.</summary>
        public static (ulong Version, ulong Generated) Header(byte[] krl)
        {
            var r = new SshReader(krl, 12, 16, "KRL header");
            return (r.ReadUInt64(), r.ReadUInt64());
        }
    }
}
