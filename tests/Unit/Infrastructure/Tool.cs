using System.Diagnostics;
using System.Collections.Generic;
using System.Linq;

namespace SshKms.Tests.Infrastructure
{
    /// <summary>Runs an external program (ssh-keygen, ssh, openssl...) and captures what it printed.</summary>
    public static class Tool
    {
        public sealed record Result(int ExitCode, string Output, string Error);

        /// <summary>Runs a program; <paramref name="env"/> entries are set (a null value removes the variable).</summary>
        public static Result Run(string file, IEnumerable<string> args, string? stdin = null, int timeoutMs = 60000, IDictionary<string, string?>? env = null)
        {
            var psi = new ProcessStartInfo(file)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                RedirectStandardInput = stdin != null,
                UseShellExecute = false,
            };
            foreach (string a in args)
            {
                psi.ArgumentList.Add(a);
            }

            foreach (KeyValuePair<string, string?> pair in env ?? new Dictionary<string, string?>())
            {
                if (pair.Value == null)
                {
                    psi.Environment.Remove(pair.Key);
                }
                else
                {
                    psi.Environment[pair.Key] = pair.Value;
                }
            }

            using var p = Process.Start(psi)!;
            if (stdin != null)
            {
                p.StandardInput.Write(stdin);
                p.StandardInput.Close();
            }

            var stdout = p.StandardOutput.ReadToEndAsync();
            var stderr = p.StandardError.ReadToEndAsync();
            if (!p.WaitForExit(timeoutMs))
            {
                p.Kill(entireProcessTree: true);
                throw new System.TimeoutException($"{file} did not finish in {timeoutMs} ms");
            }

            p.WaitForExit();
            return new Result(p.ExitCode, stdout.Result, stderr.Result);
        }

        /// <summary>The built `sshkms` CLI (copied beside the tests), run as its own process.</summary>
        public static Result Sshkms(IEnumerable<string> args, IDictionary<string, string?>? env = null, string? stdin = null) =>
            Run("dotnet", new[] { System.IO.Path.Combine(System.AppContext.BaseDirectory, "sshkms.dll") }.Concat(args), stdin, 120000, env);

        /// <summary>Runs and asserts exit code 0, returning stdout.</summary>
        public static string Check(string file, params string[] args)
        {
            Result r = Run(file, args);
            if (r.ExitCode != 0)
            {
                throw new Xunit.Sdk.XunitException($"{file} {string.Join(" ", args)} exited {r.ExitCode}: {r.Error}");
            }

            return r.Output;
        }
    }
}
