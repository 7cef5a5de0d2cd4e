using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using SshKms.Core.OpenSsh;

namespace SshKms.Core.Sessions
{

    /// <summary>
    /// An SSH agent (draft-miller-ssh-agent) inside our process that serves exactly one key and, optionally,
    /// its certificate. It answers REQUEST_IDENTITIES and SIGN_REQUEST and refuses everything else (add, remove,
    /// lock, extensions), so nothing can be loaded into it or taken out of it. It listens on a Unix socket
    /// (0600, in a fresh 0700 directory) or, on Windows, a named pipe only the current user may open.
    /// Dispose stops it, removes the socket and its directory, and wipes the key.
    /// </summary>
    public sealed partial class SshAgentServer : IDisposable
    {
        /// <summary>Larger frames are refused by closing the connection, as OpenSSH's agent does (its limit is 256 KiB).</summary>
        public const int MaxMessageLength = 256 * 1024;

        internal const byte AgentFailure = 5;
        internal const byte AgentcRequestIdentities = 11;
        internal const byte AgentIdentitiesAnswer = 12;
        internal const byte AgentcSignRequest = 13;
        internal const byte AgentSignResponse = 14;
        internal const uint FlagRsaSha256 = 2;
        internal const uint FlagRsaSha512 = 4;

        private readonly SshPrivateKey _key;
        private readonly byte[] _keyBlob;
        private readonly byte[]? _certificateBlob;
        private readonly List<KeyValuePair<byte[], string>> _listed = new List<KeyValuePair<byte[], string>>();
        private readonly CancellationTokenSource _stop = new CancellationTokenSource();
        private readonly List<Task> _connections = new List<Task>();
        private int _disposed;

        private SshAgentServer(SshPrivateKey key, SshCertificate? certificate, AgentIdentities identities)
        {
            if (certificate != null && !certificate.Key.Equals(key.PublicKey))
            {
                throw new SshKmsException("AgentCertificateMismatch", SshKmsErrorCategory.InvalidArgument,
                    "The certificate does not certify the agent's key.");
            }

            if (certificate == null && identities != AgentIdentities.Key)
            {
                throw new SshKmsException("AgentCertificateMissing", SshKmsErrorCategory.InvalidArgument,
                    "The agent was asked to list a certificate but none was given.");
            }

            _key = key;
            _keyBlob = key.PublicKey.GetBlob();
            _certificateBlob = certificate?.GetBlob();
            if (identities != AgentIdentities.Key)
            {
                _listed.Add(new KeyValuePair<byte[], string>(_certificateBlob!, certificate!.Comment));
            }

            if (identities != AgentIdentities.Certificate)
            {
                _listed.Add(new KeyValuePair<byte[], string>(_keyBlob, key.PublicKey.Comment));
            }
        }

        /// <summary>What to give ssh as IdentityAgent (and SSH_AUTH_SOCK): the socket path or \\.\pipe\name.</summary>
        public string Address { get; private set; } = string.Empty;

        /// <summary>The 0700 directory holding the socket; null on Windows.</summary>
        public string? Directory { get; private set; }

        /// <summary>
        /// Starts an agent serving <paramref name="key"/> (which it takes ownership of and wipes on Dispose)
        /// and <paramref name="certificate"/>.
        /// </summary>
        public static SshAgentServer Start(SshPrivateKey key, SshCertificate? certificate, AgentIdentities identities = AgentIdentities.Certificate)
        {
            if (key == null)
            {
                throw new ArgumentNullException(nameof(key));
            }

            SshAgentServer? agent = null;
            try
            {
                agent = new SshAgentServer(key, certificate, identities);
                agent.Listen();
                return agent;
            }
            catch
            {
                if (agent != null)
                {
                    agent.Dispose();
                }
                else
                {
                    key.Dispose();
                }

                throw;
            }
        }

        /// <summary>Answers one agent message (without its length prefix). Never throws on bad input: FAILURE.</summary>
        internal byte[] Handle(byte[] message)
        {
            try
            {
                var r = new SshReader(message, "agent message");
                byte type = r.ReadByte();
                switch (type)
                {
                    case AgentcRequestIdentities:
                        r.EnsureEnd();
                        var w = new SshWriter().WriteByte(AgentIdentitiesAnswer).WriteUInt32((uint)_listed.Count);
                        foreach (KeyValuePair<byte[], string> id in _listed)
                        {
                            w.WriteBytes(id.Key).WriteString(id.Value);
                        }

                        return w.ToArray();
                    case AgentcSignRequest:
                        byte[] blob = r.ReadBytes("key blob");
                        byte[] data = r.ReadBytes("data");
                        uint flags = r.ReadUInt32();
                        r.EnsureEnd();
                        if (!blob.SequenceEqual(_keyBlob) && (_certificateBlob == null || !blob.SequenceEqual(_certificateBlob)))
                        {
                            return Failure();
                        }

                        string? rsaAlgorithm = (flags & FlagRsaSha512) != 0 ? SshSignature.RsaSha512
                            : (flags & FlagRsaSha256) != 0 ? SshSignature.RsaSha256
                            : _key.KeyType == SshKeyTypes.Rsa ? SshSignature.RsaSha1 : null;
                        byte[] signature = _key.Sign(data, rsaAlgorithm);
                        return new SshWriter().WriteByte(AgentSignResponse).WriteBytes(signature).ToArray();
                    default:
                        // add, remove, lock, unlock, extensions and anything unknown.
                        return Failure();
                }
            }
            catch (SshKmsException)
            {
                return Failure();
            }
            catch (ObjectDisposedException)
            {
                return Failure();
            }
        }

        private static byte[] Failure() => new[] { AgentFailure };

        /// <summary>Serves one client until it hangs up, sends an oversized frame, or the agent stops.</summary>
        internal async Task ServeAsync(Stream stream, CancellationToken cancellationToken)
        {
            var header = new byte[4];
            using (stream)
            {
                while (!cancellationToken.IsCancellationRequested)
                {
                    if (!await ReadExactlyAsync(stream, header, cancellationToken).ConfigureAwait(false))
                    {
                        return;
                    }

                    uint length = ((uint)header[0] << 24) | ((uint)header[1] << 16) | ((uint)header[2] << 8) | header[3];
                    if (length == 0 || length > MaxMessageLength)
                    {
                        return;
                    }

                    var message = new byte[length];
                    if (!await ReadExactlyAsync(stream, message, cancellationToken).ConfigureAwait(false))
                    {
                        return;
                    }

                    byte[] answer = Handle(message);
                    byte[] frame = new SshWriter().WriteBytes(answer).ToArray();
                    await stream.WriteAsync(frame, 0, frame.Length, cancellationToken).ConfigureAwait(false);
                    await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
                }
            }
        }

        private static async Task<bool> ReadExactlyAsync(Stream stream, byte[] buffer, CancellationToken cancellationToken)
        {
            int read = 0;
            while (read < buffer.Length)
            {
                int n = await stream.ReadAsync(buffer, read, buffer.Length - read, cancellationToken).ConfigureAwait(false);
                if (n == 0)
                {
                    return false;
                }

                read += n;
            }

            return true;
        }

        private void Track(Stream connection)
        {
            lock (_connections)
            {
                _connections.RemoveAll(t => t.IsCompleted);
                _connections.Add(Task.Run(async () =>
                {
                    try
                    {
                        await ServeAsync(connection, _stop.Token).ConfigureAwait(false);
                    }
                    catch (Exception ex) when (ex is IOException || ex is OperationCanceledException || ex is ObjectDisposedException || ex is System.Net.Sockets.SocketException)
                    {
                        // The client went away or the agent is stopping: nothing to tell anyone.
                    }
                }));
            }
        }

        /// <summary>Stops the agent, waits (up to 5 s) for its connections, removes the socket and wipes the key.</summary>
        public void Dispose()
        {
            Task? running = BeginStop();
            if (running == null)
            {
                return;
            }

            try
            {
                running.Wait(StopGrace);
            }
            catch (AggregateException)
            {
            }

            FinishStop();
        }

        /// <summary>
        /// The same as Dispose without blocking a thread: sessions on many hosts at once stop their agents this way,
        /// so that the thread pool is never held up by waits for work that itself needs a pool thread.
        /// </summary>
        public async Task StopAsync()
        {
            Task? running = BeginStop();
            if (running == null)
            {
                return;
            }

            await Task.WhenAny(running, Task.Delay(StopGrace)).ConfigureAwait(false);
            FinishStop();
        }

        private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(5);

        /// <summary>Cancels everything and closes the listener; returns what is still running, or null when already stopped.</summary>
        private Task? BeginStop()
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0)
            {
                return null;
            }

            _stop.Cancel();
            Task? acceptLoop = CloseListener();
            lock (_connections)
            {
                return Task.WhenAll(_connections.Concat(acceptLoop == null ? new Task[0] : new[] { acceptLoop }));
            }
        }

        private void FinishStop()
        {
            RemoveSocketDirectory();
            _key.Dispose();
            _stop.Dispose();
        }
    }
}
