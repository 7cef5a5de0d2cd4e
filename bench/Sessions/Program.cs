using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using SshKms.Core.Authority;
using SshKms.Core.Aws;
using SshKms.Core.Keys;
using SshKms.Core.OpenSsh;
using SshKms.Core.Sessions;

// Usage: SessionBench <workdir prepared by run.sh> <iterations>
// (a) one `true` on a loopback sshd: SshSession (fresh key + certificate + in-process agent + ssh) against plain
//     `ssh -i key -o CertificateFile=cert` with a key and certificate already on disk.
// (b) 20 hosts in parallel against the same 20 one after another, through SshSession, and the same for plain ssh
//     (the reference: how much parallelism this machine gives at all).
// Certificates come from the real CertificateAuthority over local:bench ($SSHKMS_HOME set by run.sh), audit line included.
string work = args[0];
int iterations = args.Length > 1 ? int.Parse(args[1]) : 20;
string[] ports = File.ReadAllLines(Path.Combine(work, "ports"));
string user = Environment.UserName;
CertificateAuthority authority = await CertificateAuthority.OpenAsync(KeyUri.Parse("local:bench"), new AwsSettings(), default);
CertificateMinter Mint = authority.IssueAsync;

SshSessionOptions Options(string? port)
{
    var o = new SshSessionOptions { UserName = user, Command = "true", ConfigFile = Path.Combine(work, "ssh_config"), ThrottleLimit = 64 };
    if (port != null) o.Port = int.Parse(port);
    return o;
}

async Task<double> TimeOurs(string port)
{
    var sw = Stopwatch.StartNew();
    var r = (await SshSession.WithCertificates(Mint, Options(port)).RunAsync(new[] { "127.0.0.1" }, null, default)).Single();
    if (!r.Succeeded) throw new Exception($"ours failed: {r.ErrorId} {r.ErrorMessage} {r.Error}");
    return sw.Elapsed.TotalMilliseconds;
}

double TimeReference(string? port, string host = "127.0.0.1")
{
    var psi = new ProcessStartInfo("ssh") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
    foreach (string a in new[] { "-F", Path.Combine(work, "ssh_config"), "-o", "IdentityAgent=none", "-i", Path.Combine(work, "user"),
        "-o", "CertificateFile=" + Path.Combine(work, "user-cert.pub"), "-l", user })
        psi.ArgumentList.Add(a);
    if (port != null) { psi.ArgumentList.Add("-p"); psi.ArgumentList.Add(port); }
    psi.ArgumentList.Add(host);
    psi.ArgumentList.Add("true");
    var sw = Stopwatch.StartNew();
    using var p = Process.Start(psi)!;
    p.WaitForExit();
    if (p.ExitCode != 0) throw new Exception("reference ssh failed: " + p.StandardError.ReadToEnd());
    return sw.Elapsed.TotalMilliseconds;
}

await TimeOurs(ports[0]);
TimeReference(ports[0]);
var ours = new List<double>();
var reference = new List<double>();
for (int i = 0; i < iterations; i++)
{
    // Interleaved so that machine noise hits both sides alike.
    ours.Add(await TimeOurs(ports[0]));
    reference.Add(TimeReference(ports[0]));
}

double mo = BenchStats.Median(ours), mr = BenchStats.Median(reference);
Console.WriteLine($"(a) one `true` over loopback, median of {iterations}:");
Console.WriteLine($"    sshkms session (key gen + cert + agent + ssh): {mo,8:F1} ms");
Console.WriteLine($"    plain ssh -i key -o CertificateFile=cert:      {mr,8:F1} ms");
Console.WriteLine($"    ratio sshkms/plain: {mo / mr:F2}");

string[] hosts = ports.Select((_, i) => "node" + i).ToArray();
var seqTimes = new List<double>();
var parTimes = new List<double>();
var plainSeqTimes = new List<double>();
var plainParTimes = new List<double>();
for (int round = 0; round < 3; round++)
{
    var sw = Stopwatch.StartNew();
    foreach (string h in hosts)
    {
        var r = (await SshSession.WithCertificates(Mint, Options(null)).RunAsync(new[] { h }, null, default)).Single();
        if (!r.Succeeded) throw new Exception($"{h}: {r.ErrorId} {r.Error}");
    }
    seqTimes.Add(sw.Elapsed.TotalMilliseconds);
    sw.Restart();
    var all = await SshSession.WithCertificates(Mint, Options(null)).RunAsync(hosts, null, default);
    if (all.Any(r => !r.Succeeded)) throw new Exception("parallel run failed: " + string.Join("; ", all.Where(r => !r.Succeeded).Select(r => r.HostName + " " + r.ErrorId)));
    parTimes.Add(sw.Elapsed.TotalMilliseconds);

    sw.Restart();
    foreach (string h in hosts) TimeReference(null, h);
    plainSeqTimes.Add(sw.Elapsed.TotalMilliseconds);
    sw.Restart();
    await Task.WhenAll(hosts.Select(h => Task.Run(() => TimeReference(null, h))));
    plainParTimes.Add(sw.Elapsed.TotalMilliseconds);
}

double ms = BenchStats.Median(seqTimes), mp = BenchStats.Median(parTimes);
Console.WriteLine($"(b) {hosts.Length} hosts, median of 3 rounds:");
Console.WriteLine($"    one after another: {ms,8:F1} ms");
Console.WriteLine($"    in parallel:       {mp,8:F1} ms");
Console.WriteLine($"    speed-up sequential/parallel: {ms / mp:F2}x");
double ps = BenchStats.Median(plainSeqTimes), pp = BenchStats.Median(plainParTimes);
Console.WriteLine($"    plain ssh, one after another: {ps,8:F1} ms, in parallel: {pp,8:F1} ms, speed-up {ps / pp:F2}x");
Console.WriteLine($"    sshkms speed-up / plain ssh speed-up: {(ms / mp) / (ps / pp):F2}");
