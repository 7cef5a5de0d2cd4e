using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using SshKms.Core.OpenSsh;
using SshKms.Core.Rotation;
using SshKms.Tests.Infrastructure;
using Xunit;

namespace SshKms.Tests.Rotation
{
    /// <summary>The node-side script on its own, run with /bin/sh against a file in a temp folder.</summary>
    public sealed class AuthorizedKeysScriptTests : IDisposable
    {
        private readonly TempDir _dir = new TempDir("sshkms-script");

        public void Dispose() => _dir.Dispose();

        /// <summary>
        /// Runs the script with shims for sync and mv first on PATH; each logs its arguments to a file (mv then does
        /// the real rename), so the log shows what was synced and in which order against the rename.
        /// </summary>
        private (int Code, string Err, string[] Log) RunWithLoggedSyncAndMv(string script, string syncShim)
        {
            string bin = Directory.CreateDirectory(_dir.File("bin")).FullName;
            string realMv = File.Exists("/usr/bin/mv") ? "/usr/bin/mv" : "/bin/mv";
            File.WriteAllText(Path.Combine(bin, "sync"), "#!/bin/sh\n" + syncShim + "\n");
            File.WriteAllText(Path.Combine(bin, "mv"), $"#!/bin/sh\necho \"mv $*\" >> \"$SHIM_LOG\"\nexec {realMv} \"$@\"\n");
            foreach (string shim in new[] { "sync", "mv" })
            {
                File.SetUnixFileMode(Path.Combine(bin, shim), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }

            var psi = new ProcessStartInfo("/bin/sh", new[] { "-c", script }) { RedirectStandardOutput = true, RedirectStandardError = true };
            psi.Environment["SSHKMS_AUTHORIZED_KEYS"] = _dir.File("authorized_keys");
            psi.Environment["SHIM_LOG"] = _dir.File("log");
            psi.Environment["PATH"] = bin + ":" + Environment.GetEnvironmentVariable("PATH");
            using Process p = Process.Start(psi)!;
            p.StandardOutput.ReadToEnd();
            string err = p.StandardError.ReadToEnd();
            p.WaitForExit();
            return (p.ExitCode, err, File.Exists(_dir.File("log")) ? File.ReadAllLines(_dir.File("log")).Select(l => l.Trim()).ToArray() : new string[0]);
        }

        [Theory]
        [InlineData("sync FILE")]
        [InlineData("sync without arguments only")]
        public void TheNewFileIsFlushedBeforeTheRenameThatPutsItInPlace(string syncKind)
        {
            // GNU coreutils syncs one file; older BusyBox and BSD sync take no file, so the script falls back to a full sync.
            string syncShim = syncKind == "sync FILE"
                ? "echo \"sync $*\" >> \"$SHIM_LOG\""
                : "echo \"sync $*\" >> \"$SHIM_LOG\"\n[ $# -eq 0 ] || exit 1";
            using SshPrivateKey key = SshPrivateKey.Generate(SshKeyAlgorithm.Ed25519);
            string line = key.PublicKey.WithComment("sshkms:s:v1").ToString();
            File.WriteAllText(_dir.File("authorized_keys"), "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl admin@laptop\n");

            var r = RunWithLoggedSyncAndMv(AuthorizedKeysScript.Build(AuthorizedKeysMode.Add, "s", "sshkms:s:v1", line, null), syncShim);

            Assert.True(r.Code == 0, r.Err);
            string rename = Assert.Single(r.Log, l => l.StartsWith("mv ", StringComparison.Ordinal));
            string tmp = rename.Split(' ')[2];
            Assert.Equal($"mv -f {tmp} {_dir.File("authorized_keys")}", rename);
            string[] expected = syncKind == "sync FILE"
                ? new[] { "sync " + tmp, rename }
                : new[] { "sync " + tmp, "sync", rename };
            Assert.Equal(expected, r.Log);
            Assert.Equal(line, File.ReadAllLines(_dir.File("authorized_keys")).Last());
        }
    }
}
