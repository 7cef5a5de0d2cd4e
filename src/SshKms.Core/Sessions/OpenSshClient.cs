using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace SshKms.Core.Sessions
{

    /// <summary>
    /// Runs the system OpenSSH client (ssh, scp) with an argument list, never through a shell, and turns its
    /// connection-level failures into stable ErrorIds. The user's ssh_config applies unless the options say otherwise.
    /// </summary>
    public static class OpenSshClient
    {
        // Both transports say the same thing for the same failure.
        internal const string HostKeyMismatchMessage = "The host presented a different host key than known_hosts holds; it may be an attack, so the login was refused.";
        internal const string HostKeyRevokedMessage = "The host presented a revoked host key (known_hosts @revoked or the revoked host keys file); it may be an attack, so the login was refused.";
        internal const string RevokedHostKeysUnreadableMessage = "The revoked host keys file is missing, unreadable or not a KRL or list of public keys, so no host can be trusted; fix the file or its path.";
        internal const string HostKeyUnknownMessage = "The host's key is not in known_hosts (nor certified by a trusted host CA); add it, or use the switch that accepts a new host key.";
        internal const string LoginRefusedMessage = "The server refused the login: check that it trusts the CA (TrustedUserCAKeys) and that the principal is allowed.";

        /// <summary>The full path of ssh/scp on PATH (ssh.exe on Windows), or SshClientNotFound with how to install it.</summary>
        public static string Find(string program) => TryFind(program) ?? throw NotFound(program);

        /// <summary>The full path of ssh/scp on PATH (ssh.exe on Windows), or null.</summary>
        internal static string? TryFind(string program)
        {
            bool windows = RuntimeInformation.IsOSPlatform(OSPlatform.Windows);
            string file = windows ? program + ".exe" : program;
            IEnumerable<string> dirs = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
                .Split(new[] { Path.PathSeparator }, StringSplitOptions.RemoveEmptyEntries);
            if (windows)
            {
                dirs = dirs.Concat(new[] { Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.System), "OpenSSH") });
            }

            foreach (string dir in dirs)
            {
                string candidate = Path.Combine(dir.Trim('"'), file);
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }

            return null;
        }

        private static SshKmsException NotFound(string program)
        {
            bool windows = RuntimeInformation.IsOSPlatform(OSPlatform.Windows);
            string file = windows ? program + ".exe" : program;
            string how = windows
                ? "install the Windows optional feature 'OpenSSH Client' (Add-WindowsCapability -Online -Name OpenSSH.Client~~~~0.0.1.0)"
                : RuntimeInformation.IsOSPlatform(OSPlatform.OSX) ? "it ships with macOS; check PATH" : "install it, e.g. 'apt install openssh-client' or 'dnf install openssh-clients'";
            return new SshKmsException("SshClientNotFound", SshKmsErrorCategory.NotInstalled,
                $"The OpenSSH client '{file}' was not found on PATH: {how}.");
        }

        /// <summary>
        /// The ssh arguments for one host: agent, host key policy, port, options, destination, then the remote command.
        /// </summary>
        public static List<string> BuildSshArguments(string agentAddress, string host, string? userName, int? port, bool interactive,
            bool acceptNewHostKey, IEnumerable<KeyValuePair<string, string>>? options, string? command, string? configFile = null)
        {
            var args = CommonArguments(agentAddress, interactive, acceptNewHostKey, options, configFile);
            if (port.HasValue)
            {
                args.Add("-p");
                args.Add(port.Value.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }

            if (!string.IsNullOrEmpty(userName))
            {
                args.Add("-l");
                args.Add(userName!);
            }

            // "--" so that a host name starting with '-' can never be read as an option.
            args.Add("--");
            args.Add(host);
            if (command != null)
            {
                args.Add(command);
            }

            return args;
        }

        /// <summary>
        /// The user ssh will log in as for <paramref name="destination"/> with these options (`ssh -G`: user@host, -l,
        /// -o User and ssh_config's User, in ssh's own order of precedence); null when ssh -G cannot tell.
        /// </summary>
        public static async Task<string?> ResolveLoginUserAsync(string destination, string? userName, int? port,
            IEnumerable<KeyValuePair<string, string>>? options, string? configFile, CancellationToken cancellationToken)
        {
            List<string> args = BuildSshArguments("none", destination, userName, port, interactive: false, acceptNewHostKey: false, options, null, configFile);
            args.Insert(args.IndexOf("--"), "-G");
            SshProcessResult run = await RunAsync("ssh", args, interactive: false, sink: null, environment: null, cancellationToken).ConfigureAwait(false);
            if (run.ExitCode != 0)
            {
                return null;
            }

            foreach (string line in run.Output.Split('\n'))
            {
                if (line.StartsWith("user ", StringComparison.Ordinal))
                {
                    string user = line.Substring(5).Trim();
                    return user.Length == 0 ? null : user;
                }
            }

            return null;
        }

        /// <summary>The scp arguments: sources then destination, host:path on either side.</summary>
        public static List<string> BuildScpArguments(string agentAddress, string? userName, int? port, bool acceptNewHostKey,
            IEnumerable<KeyValuePair<string, string>>? options, IEnumerable<string> sources, string destination, string? configFile = null)
        {
            var args = CommonArguments(agentAddress, interactive: false, acceptNewHostKey, options, configFile);
            if (port.HasValue)
            {
                args.Add("-P");
                args.Add(port.Value.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }

            if (!string.IsNullOrEmpty(userName))
            {
                args.Add("-o");
                args.Add("User=" + userName);
            }

            args.Add("-r");
            args.Add("--");
            args.AddRange(sources);
            args.Add(destination);
            return args;
        }

        private static List<string> CommonArguments(string agentAddress, bool interactive, bool acceptNewHostKey, IEnumerable<KeyValuePair<string, string>>? options,
            string? configFile)
        {
            var args = new List<string>();
            if (configFile != null)
            {
                args.Add("-F");
                args.Add(configFile);
            }

            // Command-line -o wins over ssh_config, so these hold whatever the user's config says. IdentitiesOnly=yes
            // there would hide the agent's certificate behind the config's IdentityFile lines.
            args.AddRange(new[]
            {
                "-o", "IdentityAgent=" + agentAddress,
                "-o", "IdentitiesOnly=no",
                "-o", "StrictHostKeyChecking=" + (acceptNewHostKey ? "accept-new" : "yes"),
            });
            if (!interactive)
            {
                args.Add("-o");
                args.Add("BatchMode=yes");
            }

            foreach (KeyValuePair<string, string> option in options ?? Enumerable.Empty<KeyValuePair<string, string>>())
            {
                if (string.IsNullOrWhiteSpace(option.Key) || option.Key.Any(char.IsWhiteSpace) || option.Key.Contains("="))
                {
                    throw new SshKmsException("SshOptionInvalid", SshKmsErrorCategory.InvalidArgument,
                        $"'{option.Key}' is not an ssh option name; give KEY=VALUE, e.g. UserKnownHostsFile=~/.ssh/known_hosts.");
                }

                args.Add("-o");
                args.Add(option.Key + "=" + option.Value);
            }

            return args;
        }

        /// <summary>
        /// Runs <paramref name="program"/>. Interactive: stdin/stdout/stderr stay the terminal's. Otherwise stdin is
        /// closed and both outputs are captured and streamed line by line to <paramref name="sink"/>.
        /// </summary>
        public static async Task<SshProcessResult> RunAsync(string program, IReadOnlyList<string> arguments, bool interactive,
            SshOutputSink? sink, IDictionary<string, string>? environment, CancellationToken cancellationToken)
        {
            string path = Find(program);
            var psi = new ProcessStartInfo(path)
            {
                UseShellExecute = false,
                RedirectStandardInput = !interactive,
                RedirectStandardOutput = !interactive,
                RedirectStandardError = !interactive,
            };
#if NET8_0_OR_GREATER
            foreach (string a in arguments)
            {
                psi.ArgumentList.Add(a);
            }
#else
            psi.Arguments = string.Join(" ", arguments.Select(QuoteWindowsArgument));
#endif
            foreach (KeyValuePair<string, string> e in environment ?? new Dictionary<string, string>())
            {
                psi.Environment[e.Key] = e.Value;
            }

            var output = new StringBuilder();
            var error = new StringBuilder();
            var watch = Stopwatch.StartNew();
            using (var process = new Process { StartInfo = psi, EnableRaisingEvents = true })
            {
                var exited = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
                process.Exited += (_, __) => exited.TrySetResult(true);
                if (!interactive)
                {
                    process.OutputDataReceived += (_, e) => Collect(e.Data, output, sink?.OnOutputLine);
                    process.ErrorDataReceived += (_, e) => Collect(e.Data, error, sink?.OnErrorLine);
                }

                try
                {
                    process.Start();
                }
                catch (Exception ex) when (ex is System.ComponentModel.Win32Exception || ex is PlatformNotSupportedException)
                {
                    // A sandbox that forbids new processes, or a binary that cannot run here.
                    throw new SshKmsException("ProcessStartFailed", SshKmsErrorCategory.PermissionDenied, $"'{path}' could not be started: {ex.Message}.");
                }

                if (!interactive)
                {
                    process.StandardInput.Close();
                    process.BeginOutputReadLine();
                    process.BeginErrorReadLine();
                }

                using (cancellationToken.Register(() => Kill(process)))
                {
#if NET8_0_OR_GREATER
                    // The exit and the end of both output streams, awaited: with many hosts at once, a blocking wait here
                    // would hold pool threads that the output readers themselves need.
                    await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
#else
                    await exited.Task.ConfigureAwait(false);
#endif
                }

#if !NET8_0_OR_GREATER
                // The parameterless wait drains the asynchronous output readers.
                process.WaitForExit();
#endif
                cancellationToken.ThrowIfCancellationRequested();
                var result = new SshProcessResult
                {
                    ExitCode = process.ExitCode,
                    Output = output.ToString(),
                    Error = error.ToString(),
                    Duration = watch.Elapsed,
                };
                Classify(result);
                return result;
            }
        }

        private static void Collect(string? line, StringBuilder into, Action<string>? callback)
        {
            if (line == null)
            {
                return;
            }

            lock (into)
            {
                into.Append(line).Append('\n');
            }

            callback?.Invoke(line);
        }

        private static void Kill(Process process)
        {
            try
            {
#if NET8_0_OR_GREATER
                process.Kill(entireProcessTree: true);
#else
                process.Kill();
#endif
            }
            catch (InvalidOperationException)
            {
            }
        }

        /// <summary>ssh exits 255 for its own failures; the remote command's codes pass through untouched.</summary>
        internal static void Classify(SshProcessResult result)
        {
            if (result.ExitCode != 255)
            {
                return;
            }

            string e = result.Error;
            string? lastLine = e.Split('\n').Select(l => l.Trim()).LastOrDefault(l => l.Length > 0);
            if (Has(e, "in revoked keys file"))
            {
                Set(result, "RevokedHostKeysUnreadable", RevokedHostKeysUnreadableMessage);
            }
            else if (Has(e, "REVOKED HOST KEY DETECTED") || Has(e, "revoked by file"))
            {
                Set(result, "HostKeyMismatch", HostKeyRevokedMessage);
            }
            else if (Has(e, "REMOTE HOST IDENTIFICATION HAS CHANGED") || Has(e, "Host key for") && Has(e, "has changed"))
            {
                Set(result, "HostKeyMismatch", HostKeyMismatchMessage);
            }
            else if (Has(e, "host key is known for") || Has(e, "Host key verification failed"))
            {
                Set(result, "HostKeyUnknown", HostKeyUnknownMessage);
            }
            else if (Has(e, "Permission denied"))
            {
                Set(result, "LoginRefused", LoginRefusedMessage);
            }
            else if (Has(e, "Connection refused") || Has(e, "No route to host") || Has(e, "Could not resolve") || Has(e, "timed out")
                || Has(e, "Network is unreachable") || Has(e, "Connection reset") || Has(e, "Connection closed by"))
            {
                Set(result, "HostUnreachable", "The host could not be reached: " + (lastLine ?? "no answer") );
            }
            else
            {
                Set(result, "SshFailed", "ssh failed: " + (lastLine ?? "exit code 255 (its own message, if any, went straight to the terminal)"));
            }
        }

        private static bool Has(string text, string pattern) => text.IndexOf(pattern, StringComparison.OrdinalIgnoreCase) >= 0;

        private static void Set(SshProcessResult result, string id, string message)
        {
            result.ErrorId = id;
            result.ErrorMessage = message;
        }

#if !NET8_0_OR_GREATER
        // netstandard2.0 has no ArgumentList: quote as the MSVC runtime parses (the rules .NET's ArgumentList uses).
        private static string QuoteWindowsArgument(string arg)
        {
            if (arg.Length > 0 && arg.IndexOfAny(new[] { ' ', '\t', '"' }) < 0)
            {
                return arg;
            }

            var sb = new StringBuilder("\"");
            int backslashes = 0;
            foreach (char c in arg)
            {
                if (c == '\\')
                {
                    backslashes++;
                    continue;
                }

                sb.Append('\\', c == '"' ? backslashes * 2 + 1 : backslashes);
                backslashes = 0;
                sb.Append(c);
            }

            return sb.Append('\\', backslashes * 2).Append('"').ToString();
        }
#endif
    }
}
