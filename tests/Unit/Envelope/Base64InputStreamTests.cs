using System;
using System.IO;
using System.Linq;
using System.Text;
using SshKms.Core;
using SshKms.Core.Envelope;
using Xunit;

namespace SshKms.Tests.Envelope
{
    public sealed class Base64InputStreamTests
    {
        [Theory]
        [InlineData(0)]
        [InlineData(1)]
        [InlineData(2)]
        [InlineData(3)]
        [InlineData(100)]
        [InlineData(200_000)]
        public void DecodesWhatConvertEncodesWithWhitespaceAnywhere(int size)
        {
            byte[] data = EnvelopeTestKit.RandomBytes(size);
            string text = Convert.ToBase64String(data, Base64FormattingOptions.InsertLineBreaks) + "\r\n \t";
            Assert.Equal(data, ReadAll(new Base64InputStream(new MemoryStream(Encoding.ASCII.GetBytes(text)))));
            // Groups split across reads of the text decode the same.
            Assert.Equal(data.Take(300).ToArray(), ReadAll(new Base64InputStream(new OneByteReads(Encoding.ASCII.GetBytes(Convert.ToBase64String(data.Take(300).ToArray()))))));
        }

        [Theory]
        [InlineData("A!!!!@@@", 0)]
        [InlineData("AAAA*AAA", 3)]
        [InlineData("AAAAA", 3)]
        [InlineData("AAAAAA=", 3)]
        [InlineData("A===", 0)]
        [InlineData("AA=A", 0)]
        [InlineData("AA==AAAA", 1)]
        [InlineData("AAA==", 2)]
        [InlineData("AAAA\0", 3)]
        public void InvalidTextIsBase64InvalidAfterTheBytesBeforeIt(string text, int before)
        {
            var stream = new Base64InputStream(new MemoryStream(Encoding.ASCII.GetBytes(text)));
            var decoded = new MemoryStream();
            var ex = Assert.Throws<SshKmsException>(() => stream.CopyTo(decoded));
            Assert.Equal("EnvelopeBase64Invalid", ex.ErrorId);
            // The whole groups before the fault came out, nothing after it.
            Assert.Equal(before, decoded.Length);
        }

        private static byte[] ReadAll(Stream stream)
        {
            var output = new MemoryStream();
            stream.CopyTo(output);
            return output.ToArray();
        }
    }
}
