using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;

namespace SshKms.Core.Audit
{
    /// <summary>
    /// An append-only JSON Lines file of audit events ($SSHKMS_HOME/audit.jsonl by default), owner-only.
    /// Each line carries the SHA-256 of the line before it ("prev"), so the lines form a hash chain that
    /// `sshkms audit verify` checks. Each event is written with one write call while the file is locked, so
    /// lines from threads (serialised by a lock) and from other processes (flock) never interleave or fork the chain.
    /// </summary>
    public sealed class AuditJournal
    {
        public const string DefaultFileName = "audit.jsonl";

        private static readonly object WriteLock = new object();

        public AuditJournal(string? path = null)
        {
            Path = path == null ? System.IO.Path.Combine(SshKmsHome.Path, DefaultFileName) : System.IO.Path.GetFullPath(path);
        }

        public string Path { get; }

        /// <summary>The journal at $SSHKMS_HOME/audit.jsonl.</summary>
        public static AuditJournal Default() => new AuditJournal();

        /// <summary>A journal a reader named: unlike the default one, it must exist (a typo should not read as "no events").</summary>
        public static AuditJournal Existing(string path)
        {
            var journal = new AuditJournal(path);
            if (Directory.Exists(journal.Path))
            {
                throw new SshKmsException("FileReadFailed", SshKmsErrorCategory.ReadError, $"Could not read {journal.Path}: it is a directory, not an audit journal.");
            }

            return File.Exists(journal.Path)
                ? journal
                : throw new SshKmsException("AuditJournalNotFound", SshKmsErrorCategory.ObjectNotFound, $"There is no audit journal at {journal.Path}.");
        }

        /// <summary>The journal a reader named (which must exist), else the default one.</summary>
        internal static AuditJournal ExistingOrDefault(string? path) => path == null ? Default() : Existing(path);

        /// <summary>Appends one event, chained to the line before it (see <see cref="AuditChain"/>).</summary>
        public void Append(AuditEvent auditEvent) => TryAppend(auditEvent, expectedHead: null);

        /// <summary>
        /// Appends <paramref name="auditEvent"/> with "prev" set to the hash of the journal's last line, all under an
        /// exclusive lock on the file, so concurrent writers (threads and processes) each chain to the line before
        /// theirs. With <paramref name="expectedHead"/>, appends only when the journal still ends at that hash
        /// (a seal signed for one head must not land after another) and returns false otherwise.
        /// </summary>
        public bool TryAppend(AuditEvent auditEvent, string? expectedHead)
        {
            lock (WriteLock)
            {
                try
                {
                    CreateIfMissing();
                    long end;
                    using (FileStream stream = OpenExclusive())
                    {
                        if (!stream.CanSeek)
                        {
                            // A device (/dev/full) or a pipe: it has no last line to chain to.
                            throw WriteFailed("it is not a regular file");
                        }

                        string head = AuditChain.HeadOf(stream, out bool torn);
                        if (expectedHead != null && head != expectedHead)
                        {
                            return false;
                        }

                        // A torn last line (a crash mid-write) is ended, not merged into this one: it stays, and verify names it.
                        byte[] line = Encoding.UTF8.GetBytes((torn ? "\n" : string.Empty) + ToJson(auditEvent, head) + "\n");
                        stream.Seek(0, SeekOrigin.End);
                        stream.Write(line, 0, line.Length);
                        stream.Flush(true);
                        end = stream.Position;
                    }

                    if (OperationLog.IsListening)
                    {
                        OperationLog.Report($"Audit journal {Path} line {LinesUpTo(end)}: {auditEvent.Type}");
                    }

                    return true;
                }
                catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
                {
                    throw WriteFailed(ex.Message);
                }
            }
        }

        /// <summary>
        /// Fails with AuditJournalWriteFailed unless an event could be appended now: the journal (created if missing)
        /// opens for writing, is a regular file and its disk has room. Called before a KMS Sign or an ssh run, so
        /// nothing is signed or run that the journal could not record.
        /// </summary>
        public void EnsureWritable()
        {
            lock (WriteLock)
            {
                try
                {
                    CreateIfMissing();
                    using (FileStream stream = OpenExclusive())
                    {
                        string? problem = stream.CanSeek ? JournalSpace.Check(stream, Path) : "it is not a regular file";
                        if (problem != null)
                        {
                            throw WriteFailed(problem);
                        }
                    }
                }
                catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
                {
                    throw WriteFailed(ex.Message);
                }
            }
        }

        private SshKmsException WriteFailed(string why) =>
            new SshKmsException("AuditJournalWriteFailed", SshKmsErrorCategory.WriteError, $"Could not append to the audit journal {Path}: {why}");

        private void CreateIfMissing()
        {
            string? dir = System.IO.Path.GetDirectoryName(Path);
            if (!string.IsNullOrEmpty(dir) && !Directory.Exists(dir))
            {
                Directory.CreateDirectory(dir);
                OwnerOnly.RestrictDirectory(dir);
            }

            if (!File.Exists(Path))
            {
                try
                {
                    // Created owner-only from the first byte: the journal names operators and hosts.
                    OwnerOnly.CreateOwnerOnly(Path).Dispose();
                }
                catch (IOException) when (File.Exists(Path))
                {
                    // Another process created it between the check and the create.
                }
            }
        }

        /// <summary>The number of lines that end at or before <paramref name="end"/>: the line number of the line just written there. Read only when someone listens.</summary>
        private long LinesUpTo(long end)
        {
            long lines = 0;
            byte[] buffer = new byte[64 * 1024];
            using (var stream = new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite))
            {
                for (long left = end; left > 0;)
                {
                    int read = stream.Read(buffer, 0, (int)Math.Min(buffer.Length, left));
                    if (read == 0)
                    {
                        break;
                    }

                    for (int i = 0; i < read; i++)
                    {
                        if (buffer[i] == (byte)'\n')
                        {
                            lines++;
                        }
                    }

                    left -= read;
                }
            }

            return lines;
        }

        /// <summary>
        /// FileShare.None is an exclusive flock(2) on Unix and a share lock on Windows: other processes wait their
        /// turn while this one reads the last line and appends after it.
        /// </summary>
        private FileStream OpenExclusive() => Open(FileAccess.ReadWrite, FileShare.None);

        /// <summary>
        /// Opens the journal, waiting up to 10 s while a writer holds its lock (on Unix a reader's shared flock(2)
        /// is refused while a writer holds the exclusive one).
        /// </summary>
        internal FileStream Open(FileAccess access, FileShare share)
        {
            DateTime deadline = DateTime.UtcNow.AddSeconds(10);
            while (true)
            {
                try
                {
                    return new FileStream(Path, FileMode.Open, access, share);
                }
                catch (IOException) when (DateTime.UtcNow < deadline && File.Exists(Path))
                {
                    System.Threading.Thread.Sleep(5);
                }
            }
        }

        /// <summary>
        /// The events that match <paramref name="filter"/>, oldest first. A line that is not an event (a torn write,
        /// an edit) goes to <paramref name="onInvalidLine"/> and the rest is still read. A journal that does not
        /// exist yet holds no events.
        /// </summary>
        public IReadOnlyList<AuditRecord> Read(AuditFilter? filter = null, Action<SshKmsException>? onInvalidLine = null)
        {
            filter = filter ?? new AuditFilter();
            var matched = new List<AuditRecord>();
            if (!File.Exists(Path))
            {
                return matched;
            }

            try
            {
                using (FileStream stream = Open(FileAccess.Read, FileShare.ReadWrite))
                using (var reader = new StreamReader(stream, Encoding.UTF8))
                {
                    string? line;
                    for (int number = 1; (line = reader.ReadLine()) != null; number++)
                    {
                        if (line.Trim().Length == 0)
                        {
                            continue;
                        }

                        AuditRecord record;
                        try
                        {
                            record = AuditRecord.Parse(line, number);
                        }
                        catch (SshKmsException ex)
                        {
                            onInvalidLine?.Invoke(ex);
                            continue;
                        }

                        if (filter.Matches(record))
                        {
                            matched.Add(record);
                        }
                    }
                }
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                throw new SshKmsException("AuditJournalReadFailed", SshKmsErrorCategory.ReadError, $"Could not read the audit journal {Path}: {ex.Message}");
            }

            int last = Math.Max(0, filter.Last ?? matched.Count);
            return last >= matched.Count ? matched : matched.GetRange(matched.Count - last, last);
        }

        /// <summary>Every event in the journal, oldest first, as parsed JSON (for tests).</summary>
        public IReadOnlyList<JsonElement> ReadAll() =>
            Read(null, ex => throw ex).Select(r =>
            {
                using (JsonDocument doc = JsonDocument.Parse(r.Json))
                {
                    return doc.RootElement.Clone();
                }
            }).ToList();

        /// <summary>The event as one JSON object, without a chain hash.</summary>
        public static string ToJson(AuditEvent e) => ToJson(e, null);

        /// <summary>type, time, operator, the event's fields, then "prev" (the previous line's hash) when given.</summary>
        internal static string ToJson(AuditEvent e, string? prev)
        {
            using (var buffer = new MemoryStream())
            {
                using (var w = new Utf8JsonWriter(buffer))
                {
                    w.WriteStartObject();
                    w.WriteString("type", e.Type);
                    w.WriteString("time", e.Time.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture));
                    w.WriteString("operator", e.Operator);
                    foreach (var field in e.Fields)
                    {
                        w.WritePropertyName(field.Key);
                        WriteValue(w, field.Value);
                    }

                    if (prev != null)
                    {
                        w.WriteString(AuditChain.PrevField, prev);
                    }

                    w.WriteEndObject();
                }

                return Encoding.UTF8.GetString(buffer.ToArray());
            }
        }

        private static void WriteValue(Utf8JsonWriter w, object? value)
        {
            switch (value)
            {
                case null: w.WriteNullValue(); break;
                case string s: w.WriteStringValue(s); break;
                case bool b: w.WriteBooleanValue(b); break;
                case ulong u: w.WriteNumberValue(u); break;
                case long l: w.WriteNumberValue(l); break;
                case int i: w.WriteNumberValue(i); break;
                case double d: w.WriteNumberValue(d); break;
                case DateTimeOffset t: w.WriteStringValue(t.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture)); break;
                case IEnumerable<string> list:
                    w.WriteStartArray();
                    foreach (string item in list)
                    {
                        w.WriteStringValue(item);
                    }

                    w.WriteEndArray();
                    break;
                default: w.WriteStringValue(Convert.ToString(value, CultureInfo.InvariantCulture)); break;
            }
        }
    }
}
