namespace SshKms.Core.Rotation
{
    /// <summary>The outcome of one step on one node.</summary>
    public sealed class NodeOutcome
    {
        public NodeOutcome(string node, bool succeeded, string detail, int? exitCode = null)
        {
            Node = node;
            Succeeded = succeeded;
            Detail = detail;
            ExitCode = exitCode;
        }

        public string Node { get; }

        public bool Succeeded { get; }

        public string Detail { get; }

        /// <summary>The script's exit code, when it ran (<see cref="AuthorizedKeysScript.LockedExitCode"/>: another rotation held the file).</summary>
        public int? ExitCode { get; }
    }
}
