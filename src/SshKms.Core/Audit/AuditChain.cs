using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using SshKms.Core.OpenSsh;

namespace SshKms.Core.Audit
{
    /// <summary>
    /// The journal's hash chain. Every line the journal writes ends with "prev": "sha256:" and the lowercase hex
    /// SHA-256 of the previous line's exact bytes (without its newline); the first line of a journal chains to
    /// <see cref="Genesis"/>. Editing, deleting, inserting or moving a line breaks the link to the line after it.
    /// Lines written before the chain existed (no "prev") are accepted only before the first chained line:
    /// verify reports where the chain begins, and those older lines are not protected.
    /// </summary>
    public static class AuditChain
    {
        public const string PrevField = "prev";

        /// <summary>What the first line of a journal chains to.</summary>
        public const string Genesis = "sha256:0000000000000000000000000000000000000000000000000000000000000000";

        public static string Hash(byte[] line, int offset, int count)
        {
            using (SHA256 sha = SHA256.Create())
            {
                byte[] digest = sha.ComputeHash(line, offset, count);
                return "sha256:" + string.Concat(digest.Select(b => b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture)));
            }
        }

        /// <summary>
        /// The hash the next line must carry: of the last line (read backwards from the end), or Genesis for an
        /// empty file. <paramref name="torn"/>: the file does not end with a newline (a write cut short).
        /// </summary>
        internal static string HeadOf(FileStream stream, out bool torn)
        {
            long length = stream.Length;
            torn = false;
            if (length == 0)
            {
                return Genesis;
            }

            var one = new byte[1];
            stream.Seek(length - 1, SeekOrigin.Begin);
            ReadFully(stream, one, 1);
            torn = one[0] != (byte)'\n';
            long lineEnd = torn ? length : length - 1;

            // Back from the end, a block at a time, until the newline that ends the line before.
            var blocks = new List<byte[]>();
            long position = lineEnd;
            while (position > 0)
            {
                int size = (int)Math.Min(4096, position);
                var block = new byte[size];
                stream.Seek(position - size, SeekOrigin.Begin);
                ReadFully(stream, block, size);
                int newline = Array.LastIndexOf(block, (byte)'\n');
                if (newline >= 0)
                {
                    blocks.Insert(0, block.Skip(newline + 1).ToArray());
                    break;
                }

                blocks.Insert(0, block);
                position -= size;
            }

            byte[] line = blocks.SelectMany(b => b).ToArray();
            return Hash(line, 0, line.Length);
        }

        private static void ReadFully(Stream stream, byte[] buffer, int count)
        {
            for (int read = 0; read < count;)
            {
                int n = stream.Read(buffer, read, count - read);
                if (n == 0)
                {
                    throw new IOException("The journal ended while it was being read.");
                }

                read += n;
            }
        }

        /// <summary>
        /// Checks the whole chain and every seal, and returns what was checked. The first line that breaks it gives
        /// AuditChainBroken naming that line. <paramref name="sealKey"/>: every seal must be signed by this key
        /// (without it a seal is checked against the public key it names, which a forger could name too).
        /// </summary>
        public static AuditVerification Verify(AuditJournal journal, SshPublicKey? sealKey = null)
        {
            byte[] data;
            try
            {
                using (FileStream stream = journal.Open(FileAccess.Read, FileShare.ReadWrite))
                using (var copy = new MemoryStream())
                {
                    stream.CopyTo(copy);
                    data = copy.ToArray();
                }
            }
            catch (FileNotFoundException)
            {
                throw new SshKmsException("AuditJournalNotFound", SshKmsErrorCategory.ObjectNotFound, $"There is no audit journal at {journal.Path}.");
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                throw new SshKmsException("AuditJournalReadFailed", SshKmsErrorCategory.ReadError, $"Could not read the audit journal {journal.Path}: {ex.Message}");
            }

            var lines = Split(data);
            var hashes = lines.Select(l => Hash(data, l.Start, l.Length)).ToList();
            var firstLineOf = new Dictionary<string, int>(StringComparer.Ordinal);
            for (int i = hashes.Count - 1; i >= 0; i--)
            {
                firstLineOf[hashes[i]] = i + 1;
            }

            var seals = new List<AuditSealInfo>();
            int? chainStart = null;
            for (int i = 0; i < lines.Count; i++)
            {
                int number = i + 1;
                string expected = i == 0 ? Genesis : hashes[i - 1];
                if (!lines[i].Terminated)
                {
                    throw Broken(journal, number, "it is cut short (no newline): a write was interrupted or the journal was truncated there");
                }

                AuditRecord record;
                try
                {
                    record = AuditRecord.Parse(Encoding.UTF8.GetString(data, lines[i].Start, lines[i].Length), number);
                }
                catch (SshKmsException)
                {
                    throw Broken(journal, number, "it is not a journal event (corrupt or edited)");
                }

                if (record.Prev == null)
                {
                    if (chainStart != null)
                    {
                        throw Broken(journal, number, $"it has no \"{PrevField}\" hash though the chain began at line {chainStart}: it was inserted");
                    }

                    continue;
                }

                chainStart = chainStart ?? number;
                if (record.Prev != expected)
                {
                    throw Mismatch(journal, number, record.Prev, firstLineOf);
                }

                if (record.Type == AuditSeal.EventType)
                {
                    seals.Add(AuditSeal.Check(journal, record, expected, number - 1, sealKey));
                }
            }

            return new AuditVerification(journal.Path, lines.Count, chainStart, lines.Count == 0 ? Genesis : hashes[hashes.Count - 1], seals);
        }

        /// <summary>Line <paramref name="number"/> does not chain to the line before it: says what most likely happened, naming the first bad line.</summary>
        private static SshKmsException Mismatch(AuditJournal journal, int number, string prev, Dictionary<string, int> firstLineOf)
        {
            if (number == 1)
            {
                return Broken(journal, 1, "it chains to a line before it, and there is none: the journal's first lines were deleted");
            }

            if (prev == Genesis)
            {
                return Broken(journal, number, "it claims to be the journal's first line: the lines before it were inserted");
            }

            if (!firstLineOf.TryGetValue(prev, out int chainedTo))
            {
                return Broken(journal, number - 1,
                    $"line {number} does not chain to it: line {number - 1} was edited, or lines between {number - 1} and {number} were deleted");
            }

            return chainedTo < number - 1
                ? Broken(journal, chainedTo + 1, $"line {number} chains to line {chainedTo}: lines {chainedTo + 1} to {number - 1} were inserted or moved there")
                : Broken(journal, number, $"it chains to line {chainedTo}, which comes after it: lines were reordered");
        }

        internal static SshKmsException Broken(AuditJournal journal, int line, string why) =>
            new SshKmsException("AuditChainBroken", SshKmsErrorCategory.InvalidData, $"The audit journal {journal.Path} is broken at line {line}: {why}.");

        private struct LineSpan
        {
            public int Start;
            public int Length;
            public bool Terminated;
        }

        private static List<LineSpan> Split(byte[] data)
        {
            var lines = new List<LineSpan>();
            int start = 0;
            for (int i = 0; i < data.Length; i++)
            {
                if (data[i] == (byte)'\n')
                {
                    lines.Add(new LineSpan { Start = start, Length = i - start, Terminated = true });
                    start = i + 1;
                }
            }

            if (start < data.Length)
            {
                lines.Add(new LineSpan { Start = start, Length = data.Length - start, Terminated = false });
            }

            return lines;
        }
    }

    /// <summary>An intact journal: how many lines, where the chain begins, its head, and the seals checked.</summary>
    public sealed class AuditVerification
    {
        internal AuditVerification(string path, int lines, int? chainStart, string head, IReadOnlyList<AuditSealInfo> seals)
        {
            Path = path;
            Lines = lines;
            ChainStart = chainStart;
            Head = head;
            Seals = seals;
        }

        public string Path { get; }

        public int Lines { get; }

        /// <summary>The first line with a chain hash; lines before it predate the chain and are not protected. Null: no chained line.</summary>
        public int? ChainStart { get; }

        /// <summary>The last line's hash: what the next line, or a seal, chains to.</summary>
        public string Head { get; }

        public IReadOnlyList<AuditSealInfo> Seals { get; }

        /// <summary>Lines at the start that predate the hash chain and are not protected.</summary>
        public int UnchainedLines => ChainStart.HasValue ? ChainStart.Value - 1 : Lines;

        /// <summary>Lines after the last seal: protected by the chain alone (anyone who can write the file can rewrite them).</summary>
        public int UnsealedLines => Lines - (Seals.Count == 0 ? 0 : Seals[Seals.Count - 1].LineNumber);
    }
}
