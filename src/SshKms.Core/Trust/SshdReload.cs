using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;
using SshKms.Core.Sessions;

namespace SshKms.Core.Trust
{
    /// <summary>
    /// Tells a running sshd to read its configuration again: the active systemd unit (`ssh` on Debian and Ubuntu,
    /// `sshd` elsewhere) when the configuration is the system's, else SIGHUP to the pid in its PidFile; on Windows a
    /// restart of the sshd service. A server that is not running is not an error: it reads the files when it starts.
    /// </summary>
    internal static class SshdReload
    {
        public static async Task<string> ReloadAsync(TrustLayout layout, SshdProgram sshd, CancellationToken cancellationToken)
        {
            if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
            {
                SshProcessResult restarted = await OpenSshClient.RunAsync("powershell", new[] { "-NoProfile", "-Command", "Restart-Service sshd" }, false, null, null, cancellationToken)
                    .ConfigureAwait(false);
                return restarted.ExitCode == 0 ? "sshd service restarted" : throw Failed("Restart-Service sshd", restarted);
            }

            // systemd's unit runs sshd on the system's configuration; a configuration elsewhere is not the unit's to reload.
            if (layout.MainConfig == TrustLayout.DefaultConfigPath)
            {
                foreach (string unit in new[] { "ssh", "sshd" })
                {
                    SshProcessResult? active = await TryRunAsync("systemctl", new[] { "is-active", "--quiet", unit }, cancellationToken).ConfigureAwait(false);
                    if (active != null && active.ExitCode == 0)
                    {
                        SshProcessResult reloaded = await OpenSshClient.RunAsync("systemctl", new[] { "reload", unit }, false, null, null, cancellationToken).ConfigureAwait(false);
                        return reloaded.ExitCode == 0 ? $"systemd unit {unit} reloaded" : throw Failed("systemctl reload " + unit, reloaded);
                    }
                }
            }

            Dictionary<string, List<string>> effective = await sshd.EffectiveAsync(layout.MainConfig, Environment.UserName, cancellationToken).ConfigureAwait(false);
            string pidFile = effective.TryGetValue("pidfile", out List<string>? values) ? values[0] : "/run/sshd.pid";
            int? pid = RunningSshd(pidFile);
            if (pid == null)
            {
                return $"No running sshd (PidFile {pidFile}); it reads the new configuration when it starts";
            }

            SshProcessResult hup = await OpenSshClient.RunAsync("kill", new[] { "-HUP", pid.Value.ToString() }, false, null, null, cancellationToken).ConfigureAwait(false);
            return hup.ExitCode == 0 ? $"SIGHUP to sshd pid {pid}" : throw Failed("kill -HUP " + pid, hup);
        }

        /// <summary>The pid in the PidFile if that process is sshd: a stale file may name a pid since reused.</summary>
        private static int? RunningSshd(string pidFile)
        {
            try
            {
                if (!File.Exists(pidFile) || !int.TryParse(File.ReadAllText(pidFile).Trim(), out int pid) || pid <= 1)
                {
                    return null;
                }

                string comm = "/proc/" + pid + "/comm";
                if (Directory.Exists("/proc/self"))
                {
                    return File.Exists(comm) && File.ReadAllText(comm).Trim().StartsWith("sshd", StringComparison.Ordinal) ? pid : (int?)null;
                }

                return pid;
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                return null;
            }
        }

        private static async Task<SshProcessResult?> TryRunAsync(string program, string[] args, CancellationToken cancellationToken)
        {
            try
            {
                return await OpenSshClient.RunAsync(program, args, false, null, null, cancellationToken).ConfigureAwait(false);
            }
            catch (SshKmsException ex) when (ex.ErrorId == "SshClientNotFound")
            {
                return null;
            }
        }

        private static SshKmsException Failed(string what, SshProcessResult r) =>
            new SshKmsException("TrustReloadFailed", SshKmsErrorCategory.InvalidOperation,
                $"The configuration was written, but '{what}' failed ({r.ExitCode}): {SshdProgram.OneLine(r)}. Reload sshd by hand.");
    }
}
