using System.IO;
using System.Linq;
using System.Reflection;
using System.Threading.Tasks;
using SshKms.Core.Envelope;
using Xunit;

namespace SshKms.Tests.Envelope
{
    public class PlaintextBufferTests
    {
        private static byte[] Inside(PlaintextBuffer buffer) =>
            (byte[])typeof(PlaintextBuffer).GetField("_buffer", BindingFlags.NonPublic | BindingFlags.Instance)!.GetValue(buffer)!;

        [Fact]
        public async Task WritesPassThroughInOrderAndTheBufferIsZeroedOnDispose()
        {
            byte[] data = Enumerable.Range(0, 600_000).Select(i => (byte)(i * 7 + 1)).ToArray();
            var sink = new MemoryStream();
            var buffer = PlaintextBuffer.ForWriting(sink);
            for (int offset = 0; offset < data.Length; offset += 4096)
            {
                await buffer.WriteAsync(data, offset, System.Math.Min(4096, data.Length - offset));
            }

            await buffer.FlushAsync();
            byte[] inside = Inside(buffer);
            buffer.Dispose();
            Assert.Equal(data, sink.ToArray());
            Assert.All(inside, b => Assert.Equal(0, b));
            Assert.True(sink.CanWrite, "the wrapped stream stays open: its owner closes it");
        }

        [Fact]
        public async Task ReadsReturnEverythingAcrossRefillsAndTheBufferIsZeroedOnDispose()
        {
            byte[] data = Enumerable.Range(0, 700_001).Select(i => (byte)(i % 251 + 1)).ToArray();
            var buffer = PlaintextBuffer.ForReading(new MemoryStream(data));
            var read = new MemoryStream();
            byte[] chunk = new byte[4096];
            int n;
            while ((n = await buffer.ReadAsync(chunk, 0, chunk.Length)) > 0)
            {
                read.Write(chunk, 0, n);
            }

            byte[] inside = Inside(buffer);
            Assert.Contains(inside, b => b != 0);
            buffer.Dispose();
            Assert.Equal(data, read.ToArray());
            Assert.All(inside, b => Assert.Equal(0, b));
        }
    }
}
