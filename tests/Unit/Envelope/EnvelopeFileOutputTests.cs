using System.Collections.Generic;
using System.IO;
using System.Text;
using System.Threading.Tasks;
using SshKms.Core;
using SshKms.Core.Envelope;
using SshKms.Tests.Infrastructure;
using Xunit;

namespace SshKms.Tests.Envelope
{
    /// <summary>--out / -OutFile: a temp file renamed onto the target in one step, so the target is the old file or the new one, never missing.</summary>
    [Collection("envelope")]
    public sealed class EnvelopeFileOutputTests
    {
        private static readonly EnvelopeMessageInfo Info = new EnvelopeMessageInfo(0x0478, new Dictionary<string, string>(), "test", "test", 3);

        [Fact]
        public async Task ReplacingAnExistingFileWritesTheNewContent()
        {
            using var dir = new TempDir();
            File.WriteAllText(dir.File("out"), "old");
            await OwnerOnly.WriteViaTempAsync(dir.File("out"), overwrite: true, stream => Write(stream, "new"));
            Assert.Equal("new", File.ReadAllText(dir.File("out")));
            Assert.Single(Directory.GetFiles(dir.Path));
        }

        [Fact]
        public async Task AReplaceThatFailsLeavesTheOldFileInPlace()
        {
            using var dir = new TempDir();
            File.WriteAllText(dir.File("out"), "old");
            var ex = await Assert.ThrowsAsync<SshKmsException>(() => OwnerOnly.WriteViaTempAsync(dir.File("out"), overwrite: true, async stream =>
            {
                EnvelopeMessageInfo info = await Write(stream, "new");
                // The rename will find no temp file: delete-then-move had already removed the target by then.
                File.Delete(((FileStream)stream).Name);
                return info;
            }));
            Assert.Equal("FileWriteFailed", ex.ErrorId);
            Assert.Equal("old", File.ReadAllText(dir.File("out")));
        }

        [Fact]
        public async Task WithoutOverwriteAFileCreatedDuringTheWriteIsNotReplaced()
        {
            using var dir = new TempDir();
            var ex = await Assert.ThrowsAsync<SshKmsException>(() => OwnerOnly.WriteViaTempAsync(dir.File("out"), overwrite: false, async stream =>
            {
                File.WriteAllText(dir.File("out"), "someone else's");
                return await Write(stream, "new");
            }));
            Assert.Equal("FileWriteFailed", ex.ErrorId);
            Assert.Equal("someone else's", File.ReadAllText(dir.File("out")));
            Assert.Single(Directory.GetFiles(dir.Path));
        }

        /// <summary>The netstandard2.0 route (Windows PowerShell 5.1), compiled into every target so it runs here too.</summary>
        [Fact]
        public void ReplaceOrMoveSwapsOrMovesAndAFailedSwapKeepsTheTarget()
        {
            using var dir = new TempDir();
            File.WriteAllText(dir.File("temp"), "first");
            OwnerOnly.ReplaceOrMove(dir.File("temp"), dir.File("out"));
            Assert.Equal("first", File.ReadAllText(dir.File("out")));

            File.WriteAllText(dir.File("temp"), "second");
            OwnerOnly.ReplaceOrMove(dir.File("temp"), dir.File("out"));
            Assert.Equal("second", File.ReadAllText(dir.File("out")));
            Assert.Single(Directory.GetFiles(dir.Path));

            Assert.ThrowsAny<IOException>(() => OwnerOnly.ReplaceOrMove(dir.File("missing"), dir.File("out")));
            Assert.Equal("second", File.ReadAllText(dir.File("out")));
        }

        private static async Task<EnvelopeMessageInfo> Write(Stream stream, string text)
        {
            byte[] bytes = Encoding.UTF8.GetBytes(text);
            await stream.WriteAsync(bytes, 0, bytes.Length);
            return Info;
        }
    }
}
