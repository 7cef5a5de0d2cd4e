using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using SshKms.Core;
using SshKms.Core.Aws;

namespace SshKms.Cli
{
    /// <summary>The standard streams, injectable so tests run commands in-process.</summary>
    internal sealed class CliConsole
    {
        public CliConsole(Func<Stream> openIn, Func<Stream> openOut, TextWriter outWriter, TextWriter errWriter)
        {
            OpenIn = openIn;
            OpenOut = openOut;
            Out = outWriter;
            Err = errWriter;
        }

        public Func<Stream> OpenIn { get; }

        public Func<Stream> OpenOut { get; }

        public TextWriter Out { get; }

        public TextWriter Err { get; }

        /// <summary>True when these are the process's own standard streams, which a child process can inherit as they are.</summary>
        public bool IsProcessStdio { get; private set; }

        public static CliConsole System() =>
            new CliConsole(OpenStandardInput, () => new StandardOutputStream(), Console.Out, Console.Error) { IsProcessStdio = true };

        private static Stream OpenStandardInput()
        {
            if (StandardInputWasClosed())
            {
                throw new SshKmsException("InputClosed", SshKmsErrorCategory.ReadError, "Standard input is closed: pipe the data in or give --in PATH.");
            }

            return Console.OpenStandardInput();
        }

        /// <summary>
        /// Started with stdin closed (`<&-`), the process's first own file takes descriptor 0: on Linux the runtime's
        /// internal pipe, which never ends, so reading it would hang. Such a descriptor 0 is missing, or a pipe whose
        /// write end this very process holds; a real stdin pipe's writer is another process.
        /// </summary>
        private static bool StandardInputWasClosed()
        {
            const string fds = "/proc/self/fd";
            try
            {
                if (!Directory.Exists(fds))
                {
                    return false;
                }

                string? stdin = new FileInfo(fds + "/0").LinkTarget;
                if (stdin == null)
                {
                    return true;
                }

                return stdin.StartsWith("pipe:", StringComparison.Ordinal) && Directory.EnumerateFileSystemEntries(fds)
                    .Where(f => int.TryParse(Path.GetFileName(f), out int fd) && fd > 2)
                    .Any(f => new FileInfo(f).LinkTarget == stdin && OpenForWriting(Path.GetFileName(f)));
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                return false;
            }
        }

        /// <summary>The descriptor's access mode, from the octal "flags:" line of /proc/self/fdinfo: O_WRONLY (1) or O_RDWR (2).</summary>
        private static bool OpenForWriting(string fd)
        {
            string? flags = File.ReadLines("/proc/self/fdinfo/" + fd).FirstOrDefault(l => l.StartsWith("flags:", StringComparison.Ordinal));
            return flags != null && (Convert.ToInt32(flags.Substring("flags:".Length).Trim(), 8) & 3) != 0;
        }
    }

    /// <summary>
    /// Descriptor 1 as a plain stream. Console.OpenStandardOutput drops EPIPE silently, so `sshkms decrypt | head -c 10`
    /// would exit 0 with its output cut; here a closed reader is OutputClosed and a full disk FileWriteFailed.
    /// </summary>
    internal sealed class StandardOutputStream : Stream
    {
        private const int BrokenPipe = 32;
        private readonly Stream _fd1;

        public StandardOutputStream()
        {
            var fd1 = new FileStream(new Microsoft.Win32.SafeHandles.SafeFileHandle((IntPtr)1, ownsHandle: false), FileAccess.Write, 1);
            if (fd1.CanSeek)
            {
                // A file: FileStream would write at offsets of its own, over what the shell appends after us
                // (`{ sshkms decrypt; echo end; } > f`); the console stream writes at the descriptor's shared offset.
                fd1.Dispose();
                _fd1 = Console.OpenStandardOutput();
            }
            else
            {
                _fd1 = fd1;
            }
        }

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush() => Guard(() => _fd1.Flush());

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => Guard(() => _fd1.Write(buffer, offset, count));

        public override async System.Threading.Tasks.Task WriteAsync(byte[] buffer, int offset, int count, System.Threading.CancellationToken cancellationToken)
        {
            try
            {
                await _fd1.WriteAsync(buffer, offset, count, cancellationToken).ConfigureAwait(false);
            }
            catch (IOException ex)
            {
                throw Failed(ex);
            }
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _fd1.Dispose();
            }

            base.Dispose(disposing);
        }

        private static void Guard(Action write)
        {
            try
            {
                write();
            }
            catch (IOException ex)
            {
                throw Failed(ex);
            }
        }

        private static SshKmsException Failed(IOException ex) => ex.HResult == BrokenPipe || ex.Message.Contains("Broken pipe")
            ? new SshKmsException("OutputClosed", SshKmsErrorCategory.WriteError, "The output was closed before everything was written (broken pipe).")
            : new SshKmsException("FileWriteFailed", SshKmsErrorCategory.WriteError, $"Could not write standard output: {ex.Message}");
    }

    /// <summary>A parsed command line, handed to a command's handler.</summary>
    internal sealed class CliInvocation
    {
        private readonly Dictionary<string, List<string>> _options;

        public CliInvocation(CliCommand command, Dictionary<string, List<string>> options, List<string> positionals, List<string> afterDashDash, CliConsole console)
        {
            Command = command;
            _options = options;
            Positionals = positionals;
            AfterDashDash = afterDashDash;
            Console = console;
        }

        public CliCommand Command { get; }

        public IReadOnlyList<string> Positionals { get; }

        /// <summary>Words after "--", for commands that pass a remote command through.</summary>
        public IReadOnlyList<string> AfterDashDash { get; }

        public CliConsole Console { get; }

        public TextWriter Out => Console.Out;

        public TextWriter Err => Console.Err;

        /// <summary>A local key made on use: one stderr line naming its file and fingerprint (the cmdlets' warning).</summary>
        public void WarnIfCreated(SshKms.Core.Keys.KeyCreated? created)
        {
            if (created != null)
            {
                Err.WriteLine("sshkms: warning: " + created.Message);
            }
        }

        public AwsSettings Aws => new AwsSettings
        {
            Region = Get("region"),
            ProfileName = Get("profile"),
            EndpointUrl = Get("endpoint-url"),
        };

        public bool Has(string name) => _options.ContainsKey(name);

        public string? Get(string name) => _options.TryGetValue(name, out List<string>? values) ? values.Last() : null;

        public IReadOnlyList<string> GetAll(string name) => _options.TryGetValue(name, out List<string>? values) ? values : new List<string>();

        public string Require(string name) =>
            Get(name) ?? throw new SshKmsException("CliOptionMissing", SshKmsErrorCategory.InvalidArgument, $"--{name} is required. Usage: {Command.Usage}");

        public int? GetInt(string name)
        {
            string? text = Get(name);
            if (text == null)
            {
                return null;
            }

            if (!int.TryParse(text, out int value) || value < 0)
            {
                throw new SshKmsException("CliOptionInvalid", SshKmsErrorCategory.InvalidArgument, $"--{name} takes a whole number, not '{text}'.");
            }

            return value;
        }

        /// <summary>KEY=VALUE pairs of a repeatable option.</summary>
        public IReadOnlyList<KeyValuePair<string, string>> GetPairs(string name)
        {
            var pairs = new List<KeyValuePair<string, string>>();
            foreach (string item in GetAll(name))
            {
                int eq = item.IndexOf('=');
                if (eq <= 0)
                {
                    throw new SshKmsException("CliOptionInvalid", SshKmsErrorCategory.InvalidArgument, $"--{name} takes KEY=VALUE, not '{item}'.");
                }

                pairs.Add(new KeyValuePair<string, string>(item.Substring(0, eq), item.Substring(eq + 1)));
            }

            return pairs;
        }
    }
}
