using System;

namespace SshKms.Core.Sessions
{
    /// <summary>Line callbacks for a run; each is called from a reader thread, one line at a time per stream.</summary>
    public sealed class SshOutputSink
    {
        public Action<string>? OnOutputLine { get; set; }

        public Action<string>? OnErrorLine { get; set; }
    }
}
