using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using SshKms.Core.OpenSsh;

namespace SshKms.Core.Sessions
{
    /// <summary>A command (or an interactive shell) on one or many hosts, with credentials that live only for the run.</summary>
    public sealed class OpenSessionOptions : SshLoginOptions
    {
        /// <summary>The hosts, each with its own user and port when it has them (a piped object's own).</summary>
        public IList<SshTarget> Targets { get; set; } = new List<SshTarget>();

        /// <summary>The remote command; null: an interactive shell in the current terminal (one host only).</summary>
        public string? Command { get; set; }

        /// <summary>The session key's type: ecdsa (P-256, the default) or ed25519.</summary>
        public string? KeyType { get; set; }

        /// <summary>How many hosts at once; null: <see cref="OpenSessionOperation.DefaultThrottleLimit"/>.</summary>
        public int? ThrottleLimit { get; set; }

        /// <summary>ssh uses this process's own stdin, stdout and stderr, byte for byte, and nothing is captured (one host, a command line).</summary>
        public bool InheritStdio { get; set; }

        /// <summary>Called with each host's result as it finishes; from worker threads.</summary>
        public Action<SshSessionResult>? OnResult { get; set; }
    }

    /// <summary>Runs a session on every host and returns each host's result, in the order of the hosts.</summary>
    public static class OpenSessionOperation
    {
        public const int DefaultThrottleLimit = 16;

        public static async Task<IReadOnlyList<SshSessionResult>> RunAsync(OpenSessionOptions options, CancellationToken cancellationToken)
        {
            if (options == null)
            {
                throw new ArgumentNullException(nameof(options));
            }

            SessionLogin.Validate(options);
            if (options.Targets.Count == 0)
            {
                throw new SshKmsException("SessionNoHosts", SshKmsErrorCategory.InvalidArgument, "The session names no host; give at least one.");
            }

            SshSession.EnsureOneHostIfInteractive(options.Command, options.Targets.Count);
            SshSessionOptions engine = SessionLogin.EngineOptions(options);
            engine.Command = options.Command;
            engine.InheritStdio = options.InheritStdio;
            engine.KeyAlgorithm = SessionKeyAlgorithm(options.KeyType);
            engine.ThrottleLimit = options.ThrottleLimit ?? DefaultThrottleLimit;
            if (engine.ThrottleLimit < 1)
            {
                throw new SshKmsException("ThrottleLimitInvalid", SshKmsErrorCategory.InvalidArgument,
                    $"The number of hosts to work on at once must be at least 1, not {engine.ThrottleLimit}.");
            }

            SshSession session = await SessionLogin.OpenAsync(options, engine, cancellationToken).ConfigureAwait(false);
            return await session.RunAsync(options.Targets, options.OnResult, cancellationToken).ConfigureAwait(false);
        }

        /// <summary>Session keys are made per host in memory: only the fast, small types that every sshd accepts.</summary>
        private static SshKeyAlgorithm SessionKeyAlgorithm(string? keyType)
        {
            SshKeyAlgorithm algorithm = keyType == null ? SshKeyAlgorithm.EcdsaP256 : SshPrivateKey.ParseAlgorithm(keyType);
            if (algorithm != SshKeyAlgorithm.EcdsaP256 && algorithm != SshKeyAlgorithm.Ed25519)
            {
                throw new SshKmsException("SessionKeyTypeUnsupported", SshKmsErrorCategory.InvalidArgument,
                    $"A session key is ecdsa (P-256) or ed25519, not '{keyType}'.");
            }

            return algorithm;
        }
    }
}
