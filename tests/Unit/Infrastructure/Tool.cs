using System.Diagnostics;
using System.Collections.Generic;

namespace SshKms.Tests.Infrastructure
{
    /// <summary>Runs an external program (ssh-keygen, ssh, openssl...) and captures what it printed.</summary>
    public static class Tool
    {
        public sealed record Result(int ExitCode, string Output, string Error);

        public static Result Run(string file, IEnumerable<string> args, string? stdin = null, int timeoutMs = 60000)
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
