using System;
using System.Threading;

namespace SshKms.Core
{
    /// <summary>
    /// What an operation did that its caller may want to show (-Verbose): which key it opened, which AWS call it
    /// made with the request id, which journal line it wrote. Ambient, so Core reports from any depth without
    /// every method taking an observer: a caller listens around the work it starts (the listener flows into
    /// tasks started while listening). Messages arrive on whatever thread did the work; a caller that may write
    /// only on one thread queues them.
    /// </summary>
    public static class OperationLog
    {
        private static readonly AsyncLocal<Action<string>?> Listener = new AsyncLocal<Action<string>?>();

        /// <summary>Someone listens: worth the cost of details that are not free (counting journal lines).</summary>
        public static bool IsListening => Listener.Value != null;

        /// <summary>Sends what this flow reports to <paramref name="listener"/> until disposed.</summary>
        public static IDisposable Listen(Action<string> listener)
        {
            Action<string>? previous = Listener.Value;
            Listener.Value = listener ?? throw new ArgumentNullException(nameof(listener));
            return new Restore(previous);
        }

        public static void Report(string message) => Listener.Value?.Invoke(message);

        private sealed class Restore : IDisposable
        {
            private readonly Action<string>? _previous;

            public Restore(Action<string>? previous)
            {
                _previous = previous;
            }

            public void Dispose() => Listener.Value = _previous;
        }
    }
}
