using System.Threading;
using System.Threading.Tasks;

namespace SshKms.Core.Revocation
{
    public sealed class ReadRevocationListOptions
    {
        /// <summary>The KRL file (ours or ssh-keygen's); null: the default KRL of <see cref="CaKey"/>.</summary>
        public string? Path { get; set; }

        /// <summary>Names the default KRL when no path is given; only the name is used, the key is not opened.</summary>
        public string? CaKey { get; set; }
    }

    /// <summary>Reads a KRL and says what it revokes. Only reads.</summary>
    public static class ReadRevocationListOperation
    {
        public static Task<RevocationList> RunAsync(ReadRevocationListOptions o, CancellationToken cancellationToken)
        {
            string path = KrlFiles.Resolve(o.Path, o.CaKey);
            return Task.FromResult(new RevocationList(path, KrlFiles.Read(path)));
        }
    }
}
