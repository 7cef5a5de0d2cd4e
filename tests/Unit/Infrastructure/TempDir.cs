using System;
using System.IO;

namespace SshKms.Tests.Infrastructure
{
    /// <summary>A fresh folder below /tmp, deleted with everything in it on Dispose.</summary>
    public sealed class TempDir : IDisposable
    {
        public TempDir(string prefix = "sshkms-test")
        {
            Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), prefix + "-" + Guid.NewGuid().ToString("N").Substring(0, 12));
            Directory.CreateDirectory(Path);
        }

        public string Path { get; }

        public string File(string name) => System.IO.Path.Combine(Path, name);

        public void Dispose()
        {
            try
            {
                Directory.Delete(Path, true);
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }
}
