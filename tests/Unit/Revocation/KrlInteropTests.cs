using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using SshKms.Core.OpenSsh;
using SshKms.Core.Revocation;
using SshKms.Tests.Infrastructure;
using Xunit;

namespace SshKms.Tests.Revocation
{
    /// <summary>Our KRLs against ssh-keygen's (-k writes, -Q -l lists, -Q checks) from the same revocations.</summary>
    public sealed class KrlInteropTests : IDisposable
    {
        private readonly TempDir _dir = new TempDir("sshkms-krl");

        public void Dispose() => _dir.Dispose();

        private (string PublicKeyPath, SshPublicKey Key) NewKey(string name, string type = "ed25519")
        {
            string path = _dir.File(name);
            Tool.Check("ssh-keygen", "-q", "-t", type, "-N", "", "-C", name, "-f", path);
            return (path + ".pub", SshPublicKey.Parse(File.ReadAllText(path + ".pub").Trim()));
        }

        private byte[] SshKeygenKrl(KrlSpec spec, string caPublicKeyPath)
        {
            string specPath = _dir.File("spec-" + Guid.NewGuid().ToString("N").Substring(0, 6));
            File.WriteAllText(specPath, spec.ToSpecText());
            string krlPath = specPath + ".krl";
            Tool.Check("ssh-keygen", "-k", "-f", krlPath, "-s", caPublicKeyPath, specPath);
            return File.ReadAllBytes(krlPath);
        }

        private string Listing(byte[] krl)
        {
            string path = _dir.File("list-" + Guid.NewGuid().ToString("N").Substring(0, 6) + ".krl");
            File.WriteAllBytes(path, krl);
            return Tool.Check("ssh-keygen", "-Q", "-l", "-f", path);
        }

        [Theory]
        [InlineData(1, 0, 0, 1)]
        [InlineData(40, 3, 2, 2)]
        [InlineData(3000, 200, 100, 3)]
        [InlineData(20000, 50, 50, 4)]
        public void Same_spec_gives_the_same_bytes_as_ssh_keygen(int serials, int keyIds, int hashes, int seed)
        {
            (string caPath, SshPublicKey ca) = NewKey("ca", "ecdsa");
            KrlSpec spec = KrlSpec.Mixed(serials, keyIds, hashes, seed);
            byte[] theirs = SshKeygenKrl(spec, caPath);
            (ulong version, ulong generated) = KrlSpec.Header(theirs);

            byte[] ours = KrlFormat.Write(spec.ToKrl(ca, version, generated, string.Empty));

            // Same header, same sections, same encodings chosen run by run: byte for byte.
            Assert.Equal(Convert.ToHexString(theirs), Convert.ToHexString(ours));
        }

        [Fact]
        public void Listings_agree_ssh_keygen_on_ours_ssh_keygen_on_theirs_and_ours_on_theirs()
        {
            (string caPath, SshPublicKey ca) = NewKey("ca", "ecdsa");
            KrlSpec spec = KrlSpec.Mixed(500, 20, 10, 7);
            byte[] theirs = SshKeygenKrl(spec, caPath);
            byte[] ours = KrlFormat.Write(spec.ToKrl(ca, 5, KrlSpec.Header(theirs).Generated, "sshkms"));

            string theirListing = Listing(theirs);
            string ourListingBySshKeygen = Listing(ours);
            Assert.Equal(theirListing.Replace("# KRL version 0\n", string.Empty),
                ourListingBySshKeygen.Replace("# KRL version 5\n", string.Empty).Replace("# Comment: sshkms\n", string.Empty));

            // Our reader of ssh-keygen's file prints exactly what ssh-keygen prints of it.
            Assert.Equal(theirListing, new RevocationList("theirs", KrlFormat.Read(theirs, "theirs")).Listing);
        }

        [Fact]
        public void Reads_ssh_keygen_explicit_keys_sha1_hashes_and_wildcard_ca_sections()
        {
            (string keyPath, SshPublicKey key) = NewKey("explicit");
            (string sha1Path, SshPublicKey sha1Key) = NewKey("sha1");
            string spec = _dir.File("spec");
            File.WriteAllText(spec, $"key: {File.ReadAllText(keyPath).Trim()}\nsha1: {File.ReadAllText(sha1Path).Trim()}\nid: anyone\nserial: 9-11\n");
            string krlPath = _dir.File("wild.krl");
            Tool.Check("ssh-keygen", "-k", "-f", krlPath, "-s", "none", spec);

            var list = new RevocationList(krlPath, KrlFormat.Read(File.ReadAllBytes(krlPath), krlPath));

            Assert.Equal(Tool.Check("ssh-keygen", "-Q", "-l", "-f", krlPath), list.Listing);
            Assert.Contains(list.Entries, e => e.Kind == "key" && e.Value == key.Fingerprint);
            Assert.Contains(list.Entries, e => e.Kind == "sha1");
            Assert.Contains(list.Entries, e => e.Kind == "key-id" && e.Value == "anyone" && e.CaFingerprint == "*");
            Assert.Contains(list.Entries, e => e.Kind == "serial" && e.Value == "9-11" && e.CaFingerprint == "*");
        }

        [Fact]
        public void Check_agrees_with_ssh_keygen_Q_for_keys_and_certificates()
        {
            (string caPath, SshPublicKey ca) = NewKey("ca", "ecdsa");
            string caPrivate = caPath.Substring(0, caPath.Length - 4);
            var files = new List<string>();
            foreach ((string name, ulong serial, string id) in new[] { ("s5", 5UL, "a"), ("s6", 6UL, "b"), ("s150", 150UL, "c"), ("s0", 0UL, "revoked-id"), ("s7", 7UL, "d") })
            {
                (string pub, _) = NewKey(name);
                Tool.Check("ssh-keygen", "-q", "-s", caPrivate, "-I", id, "-n", "u", "-z", serial.ToString(), pub);
                files.Add(pub.Replace(".pub", "-cert.pub"));
            }

            (string plainRevoked, _) = NewKey("plain-revoked");
            (string plainOk, _) = NewKey("plain-ok");
            files.Add(plainRevoked);
            files.Add(plainOk);

            string spec = _dir.File("spec");
            File.WriteAllText(spec, $"serial: 5\nserial: 100-200\nid: revoked-id\nsha256: {File.ReadAllText(plainRevoked).Trim()}\n");
            string krlPath = _dir.File("check.krl");
            Tool.Check("ssh-keygen", "-k", "-f", krlPath, "-s", caPath, spec);

            IReadOnlyList<RevocationCheck> ours = TestRevocationOperation.RunAsync(new TestRevocationOptions { KrlPath = krlPath, Paths = files.ToArray() }, default).GetAwaiter().GetResult();
            foreach (RevocationCheck check in ours)
            {
                Tool.Result theirs = Tool.Run("ssh-keygen", new[] { "-Q", "-f", krlPath, check.Path });
                Assert.True(theirs.ExitCode == (check.Revoked ? 1 : 0), $"{check.Path}: ours says revoked={check.Revoked} ({check.Reason}), ssh-keygen: {theirs.Output}{theirs.Error}");
            }

            Assert.Equal(new[] { true, false, true, true, false, true, false }, ours.Select(c => c.Revoked));
        }
    }
}
