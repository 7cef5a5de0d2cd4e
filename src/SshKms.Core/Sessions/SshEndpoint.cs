namespace SshKms.Core.Sessions
{
    /// <summary>One host as a session reaches it: "[user@]host" as given, and the user and port that apply to it.</summary>
    internal sealed class SshEndpoint
    {
        public SshEndpoint(string destination, string? userName, int? port)
        {
            Destination = destination;
            UserName = userName;
            Port = port;
        }

        public string Destination { get; }

        public string? UserName { get; }

        public int? Port { get; }
    }
}
