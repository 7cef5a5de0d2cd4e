using System;
using System.Security.Cryptography;
using System.Text;

namespace SshKms.Core.OpenSsh
{
    /// <summary>The key pairs we generate and hold in memory.</summary>
    public enum SshKeyAlgorithm
    {
        Ed25519,
        EcdsaP256,
        EcdsaP384,
        EcdsaP521,
        Rsa2048,
        Rsa3072,
        Rsa4096,
    }

    /// <summary>
    /// An in-memory SSH private key. It signs and serialises to the openssh-key-v1 format; its secret bytes
    /// are wiped on Dispose. Callers own instances and must dispose them.
    /// </summary>
    public sealed class SshPrivateKey : IDisposable
    {
        private const string Magic = "openssh-key-v1\0";
        private const string PemLabel = "OPENSSH PRIVATE KEY";

        private byte[]? _ed25519Seed;
        private ECDsa? _ecdsa;
        private RSA? _rsa;
        private bool _disposed;

        private SshPrivateKey(SshPublicKey publicKey)
        {
            PublicKey = publicKey;
        }

        public SshPublicKey PublicKey { get; private set; }

        public string KeyType => PublicKey.KeyType;

        public static SshKeyAlgorithm ParseAlgorithm(string name)
        {
            switch ((name ?? string.Empty).Trim().ToLowerInvariant().Replace("-", string.Empty).Replace("_", string.Empty))
            {
                case "ed25519": return SshKeyAlgorithm.Ed25519;
                case "ecdsa": case "ecdsap256": case "p256": case "nistp256": case "eccnistp256": return SshKeyAlgorithm.EcdsaP256;
                case "ecdsap384": case "p384": case "nistp384": case "eccnistp384": return SshKeyAlgorithm.EcdsaP384;
                case "ecdsap521": case "p521": case "nistp521": case "eccnistp521": return SshKeyAlgorithm.EcdsaP521;
                case "rsa2048": return SshKeyAlgorithm.Rsa2048;
                case "rsa": case "rsa3072": return SshKeyAlgorithm.Rsa3072;
                case "rsa4096": return SshKeyAlgorithm.Rsa4096;
                default:
                    throw new SshKmsException("KeyTypeUnsupported", SshKmsErrorCategory.InvalidArgument,
                        $"Unsupported key type '{name}'. Use ed25519, ecdsa (P-256), ecdsa-p384, ecdsa-p521, rsa2048, rsa3072 or rsa4096.");
            }
        }

        public static SshPrivateKey Generate(SshKeyAlgorithm algorithm, string comment = "")
        {
            switch (algorithm)
            {
                case SshKeyAlgorithm.Ed25519:
                    var seed = new byte[32];
                    using (var rng = RandomNumberGenerator.Create())
                    {
                        rng.GetBytes(seed);
                    }

                    return FromEd25519Seed(seed, comment);
                case SshKeyAlgorithm.EcdsaP256:
                case SshKeyAlgorithm.EcdsaP384:
                case SshKeyAlgorithm.EcdsaP521:
                    return FromEcdsa(ECDsa.Create(CurveFor(algorithm)), comment);
                default:
                    var rsa = RSA.Create();
                    rsa.KeySize = algorithm == SshKeyAlgorithm.Rsa2048 ? 2048 : algorithm == SshKeyAlgorithm.Rsa3072 ? 3072 : 4096;
                    return FromRsa(rsa, comment);
            }
        }

        /// <summary>Takes ownership of the seed array and wipes it on Dispose.</summary>
        public static SshPrivateKey FromEd25519Seed(byte[] seed, string comment = "")
        {
            if (seed.Length != 32)
            {
                throw new SshFormatException("Malformed ed25519 private key: the seed is not 32 bytes.");
            }

            var pub = new byte[32];
            Org.BouncyCastle.Math.EC.Rfc8032.Ed25519.GeneratePublicKey(seed, 0, pub, 0);
            var blob = new SshWriter().WriteString(SshKeyTypes.Ed25519).WriteBytes(pub).ToArray();
            return new SshPrivateKey(SshPublicKey.FromBlob(blob, comment)) { _ed25519Seed = seed };
        }

        /// <summary>Takes ownership of the ECDsa instance.</summary>
        public static SshPrivateKey FromEcdsa(ECDsa ecdsa, string comment = "")
        {
            ECParameters p = ecdsa.ExportParameters(false);
            int size = p.Q.X!.Length;
            string curve = size == 32 ? "nistp256" : size == 48 ? "nistp384" : size == 66 ? "nistp521" : throw new SshFormatException("Unsupported ECDSA curve size.", "SshKeyTypeUnsupported");
            var point = new byte[1 + 2 * size];
            point[0] = 0x04;
            Buffer.BlockCopy(p.Q.X, 0, point, 1, size);
            Buffer.BlockCopy(p.Q.Y!, 0, point, 1 + size, size);
            var blob = new SshWriter().WriteString("ecdsa-sha2-" + curve).WriteString(curve).WriteBytes(point).ToArray();
            return new SshPrivateKey(SshPublicKey.FromBlob(blob, comment)) { _ecdsa = ecdsa };
        }

        /// <summary>Takes ownership of the RSA instance.</summary>
        public static SshPrivateKey FromRsa(RSA rsa, string comment = "")
        {
            RSAParameters p = rsa.ExportParameters(false);
            var blob = new SshWriter().WriteString(SshKeyTypes.Rsa).WriteMpint(p.Exponent!).WriteMpint(p.Modulus!).ToArray();
            return new SshPrivateKey(SshPublicKey.FromBlob(blob, comment)) { _rsa = rsa };
        }

        /// <summary>
        /// Signs and returns the SSH signature blob. For RSA keys <paramref name="algorithm"/> picks
        /// rsa-sha2-512 (default), rsa-sha2-256 or ssh-rsa; other key types have one algorithm.
        /// </summary>
        public byte[] Sign(byte[] data, string? algorithm = null)
        {
            ThrowIfDisposed();
            if (_ed25519Seed != null)
            {
                var sig = new byte[64];
                Org.BouncyCastle.Math.EC.Rfc8032.Ed25519.Sign(_ed25519Seed, 0, data, 0, data.Length, sig, 0);
                return SshSignature.Encode(SshKeyTypes.Ed25519, sig);
            }

            if (_ecdsa != null)
            {
                byte[] rs = _ecdsa.SignData(data, SshKeyTypes.EcdsaHash(PublicKey.Curve!));
                return SshSignature.Encode(PublicKey.KeyType, SshSignature.EcdsaFromP1363(rs));
            }

            string rsaAlgorithm = algorithm ?? SshSignature.RsaSha512;
            HashAlgorithmName rsaHash = SshSignature.RsaHash(rsaAlgorithm)
                ?? throw new SshKmsException("SignatureAlgorithmUnsupported", SshKmsErrorCategory.InvalidArgument, $"RSA keys cannot sign with '{rsaAlgorithm}'.");
            return SshSignature.Encode(rsaAlgorithm, _rsa!.SignData(data, rsaHash, RSASignaturePadding.Pkcs1));
        }

        /// <summary>The unencrypted openssh-key-v1 PEM text ("-----BEGIN OPENSSH PRIVATE KEY-----").</summary>
        public string ToOpenSshFormat()
        {
            byte[] binary = ToOpenSshBinary();
            try
            {
                return SshArmor.Wrap(PemLabel, binary);
            }
            finally
            {
                Array.Clear(binary, 0, binary.Length);
            }
        }

        private byte[] ToOpenSshBinary()
        {
            ThrowIfDisposed();
            var check = new byte[4];
            using (var rng = RandomNumberGenerator.Create())
            {
                rng.GetBytes(check);
            }

            uint checkInt = BitConverter.ToUInt32(check, 0);
            var priv = new SshWriter().WriteUInt32(checkInt).WriteUInt32(checkInt);
            WritePrivateParts(priv);
            priv.WriteString(PublicKey.Comment);
            for (byte pad = 1; priv.Length % 8 != 0; pad++)
            {
                priv.WriteByte(pad);
            }

            byte[] privBytes = priv.ToArrayAndClear();
            var outer = new SshWriter()
                .WriteRaw(Encoding.ASCII.GetBytes(Magic))
                .WriteString("none").WriteString("none").WriteBytes(Array.Empty<byte>())
                .WriteUInt32(1)
                .WriteBytes(PublicKey.GetBlob())
                .WriteBytes(privBytes);
            Array.Clear(privBytes, 0, privBytes.Length);
            return outer.ToArrayAndClear();
        }

        private void WritePrivateParts(SshWriter w)
        {
            w.WriteString(PublicKey.KeyType);
            if (_ed25519Seed != null)
            {
                var both = new byte[64];
                Buffer.BlockCopy(_ed25519Seed, 0, both, 0, 32);
                Buffer.BlockCopy(PublicKey.Ed25519Key!, 0, both, 32, 32);
                w.WriteBytes(PublicKey.Ed25519Key!).WriteBytes(both);
                Array.Clear(both, 0, both.Length);
            }
            else if (_ecdsa != null)
            {
                ECParameters p = _ecdsa.ExportParameters(true);
                w.WriteString(PublicKey.Curve!).WriteBytes(PublicKey.EcPoint!).WriteMpint(p.D!);
                Array.Clear(p.D!, 0, p.D!.Length);
            }
            else
            {
                RSAParameters p = _rsa!.ExportParameters(true);
                w.WriteMpint(p.Modulus!).WriteMpint(p.Exponent!).WriteMpint(p.D!).WriteMpint(p.InverseQ!).WriteMpint(p.P!).WriteMpint(p.Q!);
                ClearRsa(p);
            }
        }

        /// <summary>Reads an unencrypted openssh-key-v1 PEM text.</summary>
        public static SshPrivateKey ParseOpenSsh(string pem)
        {
            byte[] binary = SshArmor.Unwrap(pem, PemLabel, "private key")
                ?? throw new SshFormatException("Malformed private key: expected an OpenSSH private key (-----BEGIN OPENSSH PRIVATE KEY-----).", "SshPrivateKeyInvalid");
            try
            {
                return ParseOpenSshBinary(binary);
            }
            finally
            {
                Array.Clear(binary, 0, binary.Length);
            }
        }

        /// <summary>
        /// Reads an unencrypted openssh-key-v1 PEM held as UTF-8 bytes (a secret's value), without ever making it a
        /// string: every intermediate buffer is wiped, so the key lives only in arrays the caller can zero.
        /// </summary>
        public static SshPrivateKey ParseOpenSsh(byte[] pemUtf8)
        {
            byte[] begin = Encoding.ASCII.GetBytes($"-----BEGIN {PemLabel}-----");
            byte[] end = Encoding.ASCII.GetBytes($"-----END {PemLabel}-----");
            int b = IndexOf(pemUtf8, begin, 0);
            int e = b < 0 ? -1 : IndexOf(pemUtf8, end, b + begin.Length);
            if (e < 0)
            {
                throw new SshFormatException("Malformed private key: expected an OpenSSH private key (-----BEGIN OPENSSH PRIVATE KEY-----).", "SshPrivateKeyInvalid");
            }

            char[] base64 = new char[e - b - begin.Length];
            byte[]? binary = null;
            try
            {
                int n = 0;
                for (int i = b + begin.Length; i < e; i++)
                {
                    if (pemUtf8[i] != (byte)'\r' && pemUtf8[i] != (byte)'\n' && pemUtf8[i] != (byte)' ' && pemUtf8[i] != (byte)'\t')
                    {
                        base64[n++] = (char)pemUtf8[i];
                    }
                }

                try
                {
                    binary = Convert.FromBase64CharArray(base64, 0, n);
                }
                catch (FormatException)
                {
                    throw new SshFormatException("Malformed private key: the key data is not valid base64.", "SshBase64Invalid");
                }

                return ParseOpenSshBinary(binary);
            }
            finally
            {
                Array.Clear(base64, 0, base64.Length);
                if (binary != null)
                {
                    Array.Clear(binary, 0, binary.Length);
                }
            }
        }

        private static int IndexOf(byte[] haystack, byte[] needle, int from)
        {
            for (int i = from; i <= haystack.Length - needle.Length; i++)
            {
                int j = 0;
                while (j < needle.Length && haystack[i + j] == needle[j])
                {
                    j++;
                }

                if (j == needle.Length)
                {
                    return i;
                }
            }

            return -1;
        }

        private static SshPrivateKey ParseOpenSshBinary(byte[] binary)
        {
            byte[] magic = Encoding.ASCII.GetBytes(Magic);
            if (binary.Length < magic.Length || Encoding.ASCII.GetString(binary, 0, magic.Length) != Magic)
            {
                throw new SshFormatException("Malformed private key: the openssh-key-v1 magic is missing.", "SshPrivateKeyInvalid");
            }

            var r = new SshReader(binary, magic.Length, binary.Length - magic.Length, "private key");
            string cipher = r.ReadString("cipher name");
            string kdf = r.ReadString("kdf name");
            r.ReadBytes("kdf options");
            if (cipher != "none" || kdf != "none")
            {
                throw new SshKmsException("SshPrivateKeyEncrypted", SshKmsErrorCategory.InvalidData,
                    "The private key is passphrase-protected; SshKms reads only unencrypted keys. Load it into ssh-agent or remove the passphrase.");
            }

            if (r.ReadUInt32() != 1)
            {
                throw r.Error("exactly one key is supported per file");
            }

            SshPublicKey publicKey = SshPublicKey.FromBlob(r.ReadBytes("public key"));
            byte[] privBytes = r.ReadBytes("private section");
            r.EnsureEnd();
            try
            {
                var p = new SshReader(privBytes, "private key");
                if (p.ReadUInt32() != p.ReadUInt32())
                {
                    throw p.Error("check values differ");
                }

                string type = p.ReadString("key type");
                if (type != publicKey.KeyType)
                {
                    throw p.Error($"the private part is '{SshPublicKey.Truncate(type)}' but the public part is '{publicKey.KeyType}'");
                }

                SshPrivateKey key = ReadPrivateParts(type, p);
                try
                {
                    string comment = p.ReadString("comment");
                    int padding = p.Remaining;
                    for (int i = 1; i <= padding; i++)
                    {
                        if (p.ReadByte() != (byte)i)
                        {
                            throw p.Error("the padding is wrong");
                        }
                    }

                    if (!key.PublicKey.Equals(publicKey))
                    {
                        throw p.Error("the private key does not match its public key");
                    }

                    key.PublicKey = key.PublicKey.WithComment(comment);
                    return key;
                }
                catch
                {
                    key.Dispose();
                    throw;
                }
            }
            finally
            {
                Array.Clear(privBytes, 0, privBytes.Length);
            }
        }

        private static SshPrivateKey ReadPrivateParts(string type, SshReader p)
        {
            switch (type)
            {
                case SshKeyTypes.Ed25519:
                    p.ReadBytes("ed25519 public key");
                    byte[] both = p.ReadBytes("ed25519 private key");
                    if (both.Length != 64)
                    {
                        Array.Clear(both, 0, both.Length);
                        throw p.Error("an ed25519 private key is 64 bytes");
                    }

                    var seed = new byte[32];
                    Buffer.BlockCopy(both, 0, seed, 0, 32);
                    Array.Clear(both, 0, both.Length);
                    return FromEd25519Seed(seed);
                case SshKeyTypes.EcdsaP256:
                case SshKeyTypes.EcdsaP384:
                case SshKeyTypes.EcdsaP521:
                    string curve = p.ReadString("curve");
                    int size = SshKeyTypes.EcdsaCoordinateLength(curve);
                    byte[] q = p.ReadBytes("EC point");
                    byte[] d = p.ReadMpint("EC private scalar");
                    if (q.Length != 1 + 2 * size || d.Length > size)
                    {
                        Array.Clear(d, 0, d.Length);
                        throw p.Error("the EC key sizes do not match the curve");
                    }

                    var parameters = new ECParameters
                    {
                        Curve = SshKeyTypes.EcdsaCurve(curve),
                        Q = new ECPoint { X = Slice(q, 1, size), Y = Slice(q, 1 + size, size) },
                        D = LeftPad(d, size),
                    };
                    Array.Clear(d, 0, d.Length);
                    try
                    {
                        return FromEcdsa(ECDsa.Create(parameters));
                    }
                    catch (CryptographicException)
                    {
                        throw p.Error("the EC key is not valid for its curve");
                    }
                    finally
                    {
                        Array.Clear(parameters.D, 0, parameters.D.Length);
                    }

                case SshKeyTypes.Rsa:
                    var rp = new RSAParameters { Modulus = p.ReadMpint("n"), Exponent = p.ReadMpint("e"), D = p.ReadMpint("d"), InverseQ = p.ReadMpint("iqmp"), P = p.ReadMpint("p"), Q = p.ReadMpint("q") };
                    try
                    {
                        return FromRsa(ImportRsa(rp));
                    }
                    finally
                    {
                        ClearRsa(rp);
                    }

                default:
                    throw new SshFormatException($"Unsupported private key type '{SshPublicKey.Truncate(type)}'.", "SshKeyTypeUnsupported");
            }
        }

        private static RSA ImportRsa(RSAParameters rp)
        {
            // Checked before any arithmetic: p or q below 2 would make BouncyCastle divide by zero.
            if (rp.P!.Length == 0 || rp.Q!.Length == 0 || (rp.P.Length == 1 && rp.P[0] < 2) || (rp.Q.Length == 1 && rp.Q[0] < 2)
                || rp.P.Length > rp.Modulus!.Length || rp.Q.Length > rp.Modulus.Length)
            {
                throw new SshFormatException("Malformed private key: the RSA primes are not valid.", "SshPrivateKeyInvalid");
            }

            // .NET wants DP/DQ and every CRT value padded to half the modulus length.
            var bp = new Org.BouncyCastle.Math.BigInteger(1, rp.P);
            var bq = new Org.BouncyCastle.Math.BigInteger(1, rp.Q);
            var bd = new Org.BouncyCastle.Math.BigInteger(1, rp.D);
            int half = (rp.Modulus!.Length + 1) / 2;
            var full = new RSAParameters
            {
                Modulus = rp.Modulus,
                Exponent = rp.Exponent,
                D = LeftPad(rp.D!, rp.Modulus.Length),
                P = LeftPad(rp.P!, half),
                Q = LeftPad(rp.Q!, half),
                DP = LeftPad(bd.Mod(bp.Subtract(Org.BouncyCastle.Math.BigInteger.One)).ToByteArrayUnsigned(), half),
                DQ = LeftPad(bd.Mod(bq.Subtract(Org.BouncyCastle.Math.BigInteger.One)).ToByteArrayUnsigned(), half),
                InverseQ = LeftPad(rp.InverseQ!, half),
            };
            var rsa = RSA.Create();
            try
            {
                rsa.ImportParameters(full);
                return rsa;
            }
            catch (CryptographicException)
            {
                rsa.Dispose();
                throw new SshFormatException("Malformed private key: the RSA key parameters are inconsistent.", "SshPrivateKeyInvalid");
            }
            finally
            {
                ClearRsa(full);
            }
        }

        private static void ClearRsa(RSAParameters p)
        {
            foreach (byte[]? a in new[] { p.D, p.P, p.Q, p.DP, p.DQ, p.InverseQ })
            {
                if (a != null)
                {
                    Array.Clear(a, 0, a.Length);
                }
            }
        }

        private static ECCurve CurveFor(SshKeyAlgorithm algorithm) =>
            algorithm == SshKeyAlgorithm.EcdsaP256 ? ECCurve.NamedCurves.nistP256 : algorithm == SshKeyAlgorithm.EcdsaP384 ? ECCurve.NamedCurves.nistP384 : ECCurve.NamedCurves.nistP521;

        internal static byte[] Slice(byte[] a, int offset, int count)
        {
            var r = new byte[count];
            Buffer.BlockCopy(a, offset, r, 0, count);
            return r;
        }

        internal static byte[] LeftPad(byte[] a, int length)
        {
            if (a.Length >= length)
            {
                return (byte[])a.Clone();
            }

            var r = new byte[length];
            Buffer.BlockCopy(a, 0, r, length - a.Length, a.Length);
            return r;
        }

        private void ThrowIfDisposed()
        {
            if (_disposed)
            {
                throw new ObjectDisposedException(nameof(SshPrivateKey));
            }
        }

        public void Dispose()
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            if (_ed25519Seed != null)
            {
                Array.Clear(_ed25519Seed, 0, _ed25519Seed.Length);
            }

            _ecdsa?.Dispose();
            _rsa?.Dispose();
        }
    }
}
