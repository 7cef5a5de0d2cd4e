using System.IO;
using System.Linq;
using System.Net;
using System.Text;
using SshKms.Core.Envelope;
using SshKms.PowerShell.Envelope;
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

        [Fact]
        public void ProtectZeroesTheUtf8ItMadeButNotTheCallersBytes()
        {
            var fromSecure = new ProtectSshKmsDataCommand { SecureString = new NetworkCredential(string.Empty, "s3cret").SecurePassword };
            var input = Assert.IsType<PlaintextMemoryStream>(fromSecure.OpenInput(null));
            byte[] utf8 = input.GetBuffer();
            Assert.Equal(Encoding.UTF8.GetBytes("s3cret"), utf8);
            input.Dispose();
            Assert.All(utf8, b => Assert.Equal(0, b));

            var fromString = new ProtectSshKmsDataCommand { String = "pässword" };
            input = Assert.IsType<PlaintextMemoryStream>(fromString.OpenInput(null));
            utf8 = input.GetBuffer();
            input.Dispose();
            Assert.All(utf8, b => Assert.Equal(0, b));

            byte[] callers = { 1, 2, 3 };
            new ProtectSshKmsDataCommand { Bytes = callers }.OpenInput(null).Dispose();
            Assert.Equal(new byte[] { 1, 2, 3 }, callers);
        }
    }
}
