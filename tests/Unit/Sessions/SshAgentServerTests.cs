using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net.Sockets;
using System.Threading.Tasks;
using SshKms.Core.Authority;
using SshKms.Core.OpenSsh;
using SshKms.Core.Sessions;
using SshKms.Tests.Infrastructure;
using Xunit;

namespace SshKms.Tests.Sessions
{
    [Collection("sessions")]
    public sealed class SshAgentServerTests : IDisposable
    {
        private readonly InMemoryCertificateMinter _minter = new InMemoryCertificateMinter();
        private readonly TempDir _tmp = new TempDir("sshkms-agent-test");

        private SshAgentServer StartAgent(SshKeyAlgorithm algorithm = SshKeyAlgorithm.EcdsaP256, AgentIdentities identities = AgentIdentities.Certificate)
        {
            SshPrivateKey key = SshPrivateKey.Generate(algorithm, "session");
            var request = new CertificateRequest(key.PublicKey) { Validity = TimeSpan.FromMinutes(5) };
            request.Principals.Add("alice");
            SshCertificate cert = _minter.IssueAsync(request, default).Result;
            return SshAgentServer.Start(key, cert, identities);
        }

        private static Tool.Result SshAdd(SshAgentServer agent, params string[] args) =>
            Tool.Run("/bin/sh", new[] { "-c", "SSH_AUTH_SOCK=\"$0\" exec ssh-add \"$@\" </dev/null", agent.Address }.Concat(args));

        [Fact]
        public void SshAddListsExactlyTheCertificate()
        {
            using SshAgentServer agent = StartAgent();
            Tool.Result r = SshAdd(agent, "-L");
            Assert.Equal(0, r.ExitCode);
            string[] lines = r.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Single(lines);
            Assert.Equal(_minter.Issued.Single().ToString().Split(' ')[1], lines[0].Split(' ')[1]);
            Assert.StartsWith("ecdsa-sha2-nistp256-cert-v01@openssh.com ", lines[0]);
        }

        [Fact]
        public void KeyOnlyModeListsThePlainKey()
        {
            using SshAgentServer agent = StartAgent(identities: AgentIdentities.Key);
            Tool.Result r = SshAdd(agent, "-L");
            Assert.Equal(0, r.ExitCode);
            Assert.StartsWith("ecdsa-sha2-nistp256 ", r.Output.Trim());
            Assert.Single(r.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        }

        [Fact]
        public void RefusesAddRemoveAndRemoveAll()
        {
            using SshAgentServer agent = StartAgent();
            using SshPrivateKey other = SshPrivateKey.Generate(SshKeyAlgorithm.Ed25519);
            string keyFile = _tmp.File("other");
            File.WriteAllText(keyFile, other.ToOpenSshFormat());
            File.SetUnixFileMode(keyFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            File.WriteAllText(keyFile + ".pub", other.PublicKey.ToString() + "\n");

            Assert.NotEqual(0, SshAdd(agent, keyFile).ExitCode);
            Assert.NotEqual(0, SshAdd(agent, "-D").ExitCode);
            File.WriteAllText(_tmp.File("cert.pub"), _minter.Issued.Single().ToString() + "\n");
            Assert.NotEqual(0, SshAdd(agent, "-d", _tmp.File("cert.pub")).ExitCode);

            // Still exactly the certificate, nothing added and nothing removed.
            Tool.Result list = SshAdd(agent, "-L");
            Assert.Single(list.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.DoesNotContain(Convert.ToBase64String(other.PublicKey.GetBlob()), list.Output);
        }

        [Fact]
        public async Task RefusesLockUnlockAndExtensionsOverTheWire()
        {
            using SshAgentServer agent = StartAgent();
            using Socket s = Connect(agent);
            byte[] pass = new SshWriter().WriteString("secret").ToArray();
            Assert.Equal(new byte[] { 5 }, await RoundTrip(s, new byte[] { 22 }.Concat(pass).ToArray()));   // lock
            Assert.Equal(new byte[] { 5 }, await RoundTrip(s, new byte[] { 23 }.Concat(pass).ToArray()));   // unlock
            Assert.Equal(new byte[] { 5 }, await RoundTrip(s, new SshWriter().WriteByte(27).WriteString("session-bind@openssh.com").ToArray()));
            Assert.Equal(new byte[] { 5 }, await RoundTrip(s, new byte[] { 19 }));                           // remove all
            Assert.Equal(new byte[] { 5 }, await RoundTrip(s, new byte[] { 9 }));                            // protocol 1 remove all
            // Not locked: it still answers and signs.
            byte[] ids = await RoundTrip(s, new byte[] { 11 });
            Assert.Equal(12, ids[0]);
            Assert.Equal(0, SshAdd(agent, "-L").ExitCode);
        }

        [Theory]
        [InlineData(0u, "ssh-rsa")]
        [InlineData(2u, "rsa-sha2-256")]
        [InlineData(4u, "rsa-sha2-512")]
        public async Task RsaSignFlagsChooseTheAlgorithm(uint flags, string expected)
        {
            using SshAgentServer agent = StartAgent(SshKeyAlgorithm.Rsa2048);
            using Socket s = Connect(agent);
            byte[] certBlob = _minter.Issued.Single().GetBlob();
            byte[] answer = await RoundTrip(s, new SshWriter().WriteByte(13).WriteBytes(certBlob).WriteBytes(new byte[] { 1, 2, 3 }).WriteUInt32(flags).ToArray());
            Assert.Equal(14, answer[0]);
            var r = new SshReader(answer, 1, answer.Length - 1, "sign response");
            string algorithm = SshSignature.AlgorithmOf(r.ReadBytes("signature"));
            // ssh-rsa (SHA-1) only when no flag is set, as OpenSSH's agent does: clients ask for SHA-2 explicitly.
            Assert.Equal(expected, algorithm);
        }

        [Fact]
        public async Task SignRequestForAnotherKeyFails()
        {
            using SshAgentServer agent = StartAgent();
            using SshPrivateKey other = SshPrivateKey.Generate(SshKeyAlgorithm.EcdsaP256);
            using Socket s = Connect(agent);
            byte[] answer = await RoundTrip(s, new SshWriter().WriteByte(13).WriteBytes(other.PublicKey.GetBlob()).WriteBytes(new byte[] { 1 }).WriteUInt32(0).ToArray());
            Assert.Equal(new byte[] { 5 }, answer);
        }

        [Fact]
        public async Task MalformedFramesGetFailureAndTheServerKeepsServing()
        {
            using SshAgentServer agent = StartAgent();
            byte[][] malformed =
            {
                new byte[] { 13 },                                      // sign request without fields
                new byte[] { 13, 0, 0, 0, 200, 1, 2 },                  // blob longer than the frame
                new byte[] { 11, 99 },                                  // trailing bytes
                new byte[] { 13, 0xff, 0xff, 0xff, 0xff },              // huge inner length
                new byte[] { 200 },                                     // unknown type
                new byte[] { 17, 0, 0, 0, 3, 0x66, 0x6f, 0x6f },        // add identity of garbage
            };
            using (Socket s = Connect(agent))
            {
                foreach (byte[] frame in malformed)
                {
                    Assert.Equal(new byte[] { 5 }, await RoundTrip(s, frame));
                }
            }

            var rng = new Random(42);
            for (int i = 0; i < 200; i++)
            {
                var frame = new byte[rng.Next(1, 64)];
                rng.NextBytes(frame);
                frame[0] = (byte)(i % 2 == 0 ? 13 : frame[0]);
                using Socket s = Connect(agent);
                byte[] answer = await RoundTrip(s, frame);
                Assert.True(answer.Length == 1 && answer[0] == 5 || answer[0] == 12, $"frame {Convert.ToHexString(frame)} got {Convert.ToHexString(answer)}");
            }

            Assert.Equal(0, SshAdd(agent, "-L").ExitCode);
        }

        [Fact]
        public async Task OversizedOrEmptyFrameClosesTheConnectionOnly()
        {
            using SshAgentServer agent = StartAgent();
            foreach (uint length in new uint[] { 256 * 1024 + 1, 0xffffffff, 0 })
            {
                using Socket s = Connect(agent);
                await s.SendAsync(new SshWriter().WriteUInt32(length).ToArray());
                var buffer = new byte[16];
                s.ReceiveTimeout = 5000;
                Assert.Equal(0, s.Receive(buffer));
            }

            Assert.Equal(0, SshAdd(agent, "-L").ExitCode);
        }

        [Fact]
        public void SocketIs0600InA0700DirectoryAndBothGoOnDispose()
        {
            SshAgentServer agent = StartAgent();
            string dir = agent.Directory!;
            Assert.Equal("700", Tool.Check("stat", "-c", "%a", dir).Trim());
            Assert.Equal("600", Tool.Check("stat", "-c", "%a", agent.Address).Trim());
            Assert.Equal(Path.Combine(dir, "agent.sock"), agent.Address);
            agent.Dispose();
            Assert.False(File.Exists(agent.Address));
            Assert.False(Directory.Exists(dir));
            Assert.NotEqual(0, Tool.Run("/bin/sh", new[] { "-c", "SSH_AUTH_SOCK=\"$0\" exec ssh-add -L", agent.Address }).ExitCode);
        }

        [Fact]
        public void DisposeWipesTheKey()
        {
            SshPrivateKey key = SshPrivateKey.Generate(SshKeyAlgorithm.Ed25519);
            var request = new CertificateRequest(key.PublicKey);
            request.Principals.Add("alice");
            SshAgentServer agent = SshAgentServer.Start(key, _minter.IssueAsync(request, default).Result);
            agent.Dispose();
            Assert.Throws<ObjectDisposedException>(() => key.Sign(new byte[] { 1 }));
        }

        [Fact]
        public void CertificateForAnotherKeyIsRefusedAndTheKeyWiped()
        {
            SshPrivateKey key = SshPrivateKey.Generate(SshKeyAlgorithm.Ed25519);
            using SshPrivateKey other = SshPrivateKey.Generate(SshKeyAlgorithm.Ed25519);
            var request = new CertificateRequest(other.PublicKey);
            request.Principals.Add("alice");
            var ex = Assert.Throws<SshKms.Core.SshKmsException>(() => SshAgentServer.Start(key, _minter.IssueAsync(request, default).Result));
            Assert.Equal("AgentCertificateMismatch", ex.ErrorId);
            Assert.Throws<ObjectDisposedException>(() => key.Sign(new byte[] { 1 }));
        }

        private static Socket Connect(SshAgentServer agent)
        {
            var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            s.Connect(new UnixDomainSocketEndPoint(agent.Address));
            return s;
        }

        private static async Task<byte[]> RoundTrip(Socket s, byte[] message)
        {
            await s.SendAsync(new SshWriter().WriteBytes(message).ToArray());
            byte[] header = await ReceiveExactly(s, 4);
            int length = (header[0] << 24) | (header[1] << 16) | (header[2] << 8) | header[3];
            return await ReceiveExactly(s, length);
        }

        private static async Task<byte[]> ReceiveExactly(Socket s, int count)
        {
            var buffer = new byte[count];
            int read = 0;
            while (read < count)
            {
                int n = await s.ReceiveAsync(buffer.AsMemory(read)).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
                if (n == 0)
                {
                    throw new IOException("agent closed the connection");
                }

                read += n;
            }

            return buffer;
        }

        public void Dispose()
        {
            _minter.Dispose();
            _tmp.Dispose();
        }
    }
}
