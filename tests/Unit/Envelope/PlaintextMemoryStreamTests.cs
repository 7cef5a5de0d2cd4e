using System.IO;
using System.Linq;
using System.Net;
using System.Text;
using SshKms.Core.Envelope;
using SshKms.Tests.Infrastructure;
using Xunit;

namespace SshKms.Tests.Envelope
{
    public sealed class PlaintextMemoryStreamTests
    {
        [Fact]
        public void EveryBufferItOutgrowsIsZeroedAndTheLastOneOnDispose()
        {
            byte[] data = Enumerable.Range(0, 1_000_000).Select(i => (byte)(i % 251 + 1)).ToArray();
            var stream = new PlaintextMemoryStream();
            var left = new System.Collections.Generic.List<byte[]>();
            for (int offset = 0; offset < data.Length; offset += 4096)
            {
                byte[] before = stream.GetBuffer();
                stream.Write(data, offset, System.Math.Min(4096, data.Length - offset));
                if (!ReferenceEquals(before, stream.GetBuffer()))
                {
                    left.Add(before);
                }
            }

            Assert.Equal(data, stream.ToArray());
            Assert.True(left.Count > 5, $"grew {left.Count} times");
            Assert.All(left, old => Assert.All(old, b => Assert.Equal(0, b)));

            byte[] last = stream.GetBuffer();
            stream.Dispose();
            Assert.All(last, b => Assert.Equal(0, b));
        }

        /// <summary>The UTF-8 Protect-SshKmsData makes from a string is its own and zeroed; the caller's -Bytes array is left as it was.</summary>
        [Fact]
        public void ProtectLeavesTheCallersBytesAlone()
        {
            using var ps = new ModuleRunspace();
            string key = EnvelopeTestKit.NewLocalKey().ToString();
            var after = ps.Ok("$b = [byte[]](1, 2, 3); $null = Protect-SshKmsData -Bytes $b -KeyId $k; $b", ("k", key)).Select(o => (byte)o.BaseObject).ToArray();
            Assert.Equal(new byte[] { 1, 2, 3 }, after);
        }
    }
}
