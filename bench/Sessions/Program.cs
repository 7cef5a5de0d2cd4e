using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Renci.SshNet;
using SshKms.Core.Authority;
using SshKms.Core.Aws;
using SshKms.Core.Keys;
using SshKms.Core.OpenSsh;
using SshKms.Core.Sessions;

// Usage: SessionBench <workdir prepared by run.sh> <iterations> [sections, default abcd]
// Every sshkms row goes through the public OpenSessionOperation (CA local:bench, $SSHKMS_HOME set by run.sh, audit
// lines included), once with the OpenSsh transport (fresh key + certificate + in-process agent + the system ssh) and
// once with the Managed one (SSH.NET in this process), against plain `ssh -i key -o CertificateFile=cert` with a key
// and certificate already on disk, all in the same run:
// (a) one `true` on a loopback sshd, interleaved, medians and ratios to plain ssh;
// (b) 20 hosts one after another (throttle 1) and in parallel (throttle 20): each side's speed-up;
// (c) 100 Managed sessions open at once (5 per sshd): this process's memory growth per open session;
// (d) where one Managed session's time goes (key, certificate, connect+kex, auth, exec), timed on SSH.NET directly.
string work = args[0];
int iterations = args.Length > 1 ? int.Parse(args[1]) : 20;
string sections = args.Length > 2 ? args[2] : "abcd";
string[] ports = File.ReadAllLines(Path.Combine(work, "ports"));
string user = Environment.UserName;
string knownHosts = Path.Combine(work, "known_hosts");
const string Ca = "local:bench";

SshTarget Node(int i) => new SshTarget("127.0.0.1", null, int.Parse(ports[i % ports.Length]));

// Managed reads no ssh_config: the known_hosts file is given as the ssh option both transports read.
OpenSessionOptions Options(SshTransportKind transport, IEnumerable<SshTarget> targets, string command, int throttle, string? kex = null)
{
    var o = new OpenSessionOptions
    {
        CaKey = Ca, UserName = user, Command = command, Transport = transport, ThrottleLimit = throttle,
        ConfigFile = Path.Combine(work, "ssh_config"),
    };
    o.SshOptions.Add(new KeyValuePair<string, string>("UserKnownHostsFile", knownHosts));
    if (kex != null)
    {
        o.SshOptions.Add(new KeyValuePair<string, string>("KexAlgorithms", kex));
    }
    foreach (SshTarget t in targets)
    {
        o.Targets.Add(t);
    }

    return o;
}

async Task<double> TimeSessions(SshTransportKind transport, IReadOnlyList<SshTarget> targets, int throttle = 1, string command = "true", string? kex = null)
{
    var sw = Stopwatch.StartNew();
    IReadOnlyList<SshSessionResult> results = await OpenSessionOperation.RunAsync(Options(transport, targets, command, throttle, kex), default);
    double ms = sw.Elapsed.TotalMilliseconds;
    SshSessionResult? failed = results.FirstOrDefault(r => !r.Succeeded);
    if (failed != null) throw new Exception($"{transport} failed on {failed.HostName}: {failed.ErrorId} {failed.ErrorMessage} {failed.Error}");
    return ms;
}

// Awaited, not blocked on: twenty blocked thread-pool threads would hold the parallel reference back.
async Task<double> TimePlain(SshTarget target) => await TimePlainWith(target);

async Task<double> TimePlainWith(SshTarget target, params string[] options)
{
    var psi = new ProcessStartInfo("ssh") { RedirectStandardError = true, UseShellExecute = false };
    foreach (string a in options.Concat(new[] { "-F", Path.Combine(work, "ssh_config"), "-o", "IdentityAgent=none", "-i", Path.Combine(work, "user"),
        "-o", "CertificateFile=" + Path.Combine(work, "user-cert.pub"), "-l", user, "-p", target.Port!.Value.ToString(), target.Host, "true" }))
        psi.ArgumentList.Add(a);
    var sw = Stopwatch.StartNew();
    using var p = Process.Start(psi)!;
    Task<string> stderr = p.StandardError.ReadToEndAsync();
    await p.WaitForExitAsync();
    double ms = sw.Elapsed.TotalMilliseconds;
    if (p.ExitCode != 0) throw new Exception("reference ssh failed: " + await stderr);
    return ms;
}

string Ratio(double a, double b) => $"{a / b:F2}";

// CPU time of this process and of its children once reaped (ssh), from /proc/self/stat in clock ticks (1/100 s): the
// client's whole cost, which machine load inflates far less than wall time. sshd's side is not in it.
double CpuMs()
{
    string stat = File.ReadAllText("/proc/self/stat");
    string[] f = stat.Substring(stat.LastIndexOf(')') + 2).Split(' ');
    return (long.Parse(f[11]) + long.Parse(f[12]) + long.Parse(f[13]) + long.Parse(f[14])) * 10.0;
}

async Task<double> Cpu(List<double> into, Func<Task<double>> run)
{
    double before = CpuMs();
    double ms = await run();
    into.Add(CpuMs() - before);
    return ms;
}

// (a) one command, the three sides interleaved so that machine noise hits them alike.
SshTarget[] one = { Node(0) };
double mm = double.NaN;
if (sections.Contains('a'))
{
    await TimeSessions(SshTransportKind.OpenSsh, one);
    await TimeSessions(SshTransportKind.Managed, one);
    await TimePlain(one[0]);
    var openSsh = new List<double>();
    var managed = new List<double>();
    var plain = new List<double>();
    List<double> openSshCpu = new(), managedCpu = new(), plainCpu = new();
    for (int i = 0; i < iterations; i++)
    {
        openSsh.Add(await Cpu(openSshCpu, () => TimeSessions(SshTransportKind.OpenSsh, one)));
        managed.Add(await Cpu(managedCpu, () => TimeSessions(SshTransportKind.Managed, one)));
        plain.Add(await Cpu(plainCpu, () => TimePlain(one[0])));
    }

    double mo = BenchStats.Median(openSsh), mr = BenchStats.Median(plain);
    mm = BenchStats.Median(managed);
    Console.WriteLine($"(a) one `true` over loopback, median of {iterations}:");
    Console.WriteLine($"    sshkms OpenSsh transport (key + cert + agent + ssh): {mo,8:F1} ms");
    Console.WriteLine($"    sshkms Managed transport (key + cert + SSH.NET):     {mm,8:F1} ms");
    Console.WriteLine($"    plain ssh -i key -o CertificateFile=cert:            {mr,8:F1} ms");
    Console.WriteLine($"    ratio OpenSsh/plain: {Ratio(mo, mr)}   Managed/plain: {Ratio(mm, mr)} (goal <= 1.0)   Managed/OpenSsh: {Ratio(mm, mo)}");
    Console.WriteLine($"    client CPU per run (this process + its ssh, mean): OpenSsh {openSshCpu.Average():F0} ms, Managed {managedCpu.Average():F0} ms, "
        + $"plain ssh {plainCpu.Average():F0} ms; Managed/plain {Ratio(managedCpu.Average(), plainCpu.Average())}");
}

// (b) 20 hosts, sequential then parallel, per side.
if (sections.Contains('b'))
{
    SshTarget[] hosts = ports.Select((_, i) => Node(i)).ToArray();
    var times = new Dictionary<string, (List<double> Seq, List<double> Par)>
    {
        ["plain ssh"] = (new List<double>(), new List<double>()),
        ["OpenSsh"] = (new List<double>(), new List<double>()),
        ["Managed"] = (new List<double>(), new List<double>()),
        ["Managed, KexAlgorithms=curve25519-sha256"] = (new List<double>(), new List<double>()),
    };
    const int Rounds = 5;
    for (int round = 0; round < Rounds; round++)
    {
        foreach (SshTransportKind transport in new[] { SshTransportKind.OpenSsh, SshTransportKind.Managed })
        {
            times[transport.ToString()].Seq.Add(await TimeSessions(transport, hosts, throttle: 1));
            times[transport.ToString()].Par.Add(await TimeSessions(transport, hosts, throttle: hosts.Length));
        }

        // The post-quantum hybrid key exchange is computed in this process for every Managed login: the classic one beside it.
        const string Classic = "Managed, KexAlgorithms=curve25519-sha256";
        times[Classic].Seq.Add(await TimeSessions(SshTransportKind.Managed, hosts, throttle: 1, kex: "curve25519-sha256"));
        times[Classic].Par.Add(await TimeSessions(SshTransportKind.Managed, hosts, throttle: hosts.Length, kex: "curve25519-sha256"));

        var sw = Stopwatch.StartNew();
        foreach (SshTarget h in hosts) await TimePlain(h);
        times["plain ssh"].Seq.Add(sw.Elapsed.TotalMilliseconds);
        sw.Restart();
        await Task.WhenAll(hosts.Select(TimePlain));
        times["plain ssh"].Par.Add(sw.Elapsed.TotalMilliseconds);
    }

    Console.WriteLine($"(b) {hosts.Length} hosts, one after another and in parallel (throttle {hosts.Length}), median of {Rounds} rounds:");
    var speedUp = new Dictionary<string, double>();
    foreach (var (side, (seq, par)) in times)
    {
        double s = BenchStats.Median(seq), p = BenchStats.Median(par);
        speedUp[side] = s / p;
        Console.WriteLine($"    {side,-9}: one after another {s,8:F1} ms, in parallel {p,8:F1} ms, speed-up {s / p:F2}x");
    }

    Console.WriteLine($"    speed-up / plain ssh's: OpenSsh {speedUp["OpenSsh"] / speedUp["plain ssh"]:F2}   Managed {speedUp["Managed"] / speedUp["plain ssh"]:F2} (goal >= 1.0)"
        + $"   Managed with curve25519-sha256 {speedUp["Managed, KexAlgorithms=curve25519-sha256"] / speedUp["plain ssh"]:F2}");
}

if (sections.Contains('c'))
{
    await MemoryPerSession.MeasureAsync(async (targets, command) => await TimeSessions(SshTransportKind.Managed, targets, targets.Count, command),
        Enumerable.Range(0, 100).Select(Node).ToArray(), Path.Combine(work, "memory"));
}

if (sections.Contains('d'))
{
    CertificateAuthority authority = await CertificateAuthority.OpenAsync(KeyUri.Parse(Ca), new AwsSettings(), default);
    await ManagedPhases.MeasureAsync(authority, user, one[0], iterations, mm);

    // The same two key exchanges in plain ssh (C): what the post-quantum hybrid costs where it is not managed code.
    var plainDefault = new List<double>();
    var plainClassic = new List<double>();
    for (int i = 0; i < iterations; i++)
    {
        plainDefault.Add(await TimePlainWith(one[0]));
        plainClassic.Add(await TimePlainWith(one[0], "-o", "KexAlgorithms=curve25519-sha256"));
    }

    Console.WriteLine($"    plain ssh, whole `true`: {BenchStats.Median(plainDefault):F1} ms with its default key exchange (sntrup761x25519-sha512 here), "
        + $"{BenchStats.Median(plainClassic):F1} ms with curve25519-sha256 only");
}

/// <summary>
/// (c) Sessions held open at once: each remote command marks itself ready and waits for a release file, which this
/// process writes once every session is ready and it has read its memory (after a GC: live objects only). A sampler
/// reads the memory every 50 ms meanwhile for the peak (kex buffers and garbage included).
/// sshd's MaxStartups (100:30:200 in run.sh) bounds unauthenticated connections per sshd, here 5 at once; MaxSessions
/// bounds channels per connection, here one.
/// </summary>
static class MemoryPerSession
{
    public static async Task MeasureAsync(Func<IReadOnlyList<SshTarget>, string, Task<double>> run, IReadOnlyList<SshTarget> targets, string dir)
    {
        int n = targets.Count;
        Directory.CreateDirectory(dir);
        string release = Path.Combine(dir, "release");
        // Polls once a second, and gives up after five minutes should this process die before releasing it.
        string command = $"touch {dir}/ready.$$; i=0; while [ ! -e {release} ] && [ $i -lt 300 ]; do sleep 1; i=$((i+1)); done";

        await run(targets.Take(20).ToList(), "true"); // warm: every code path jitted, the pool grown
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        Reading before = Reading.Take();
        Reading peak = before;
        using var stop = new CancellationTokenSource();
        Task sampler = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                peak = Reading.Max(peak, Reading.Take());
                await Task.Delay(50);
            }
        });

        var sw = Stopwatch.StartNew();
        Task<double> sessions = run(targets, command);
        while (Directory.GetFiles(dir, "ready.*").Length < n)
        {
            if (sessions.IsCompleted)
            {
                await sessions; // a failed session throws here
                throw new Exception("the sessions ended before all were open");
            }

            await Task.Delay(100);
        }

        double allReadyMs = sw.Elapsed.TotalMilliseconds;
        GC.Collect();
        GC.WaitForPendingFinalizers();
        Reading open = Reading.Take();
        File.WriteAllText(release, string.Empty);
        await sessions;
        stop.Cancel();
        await sampler;

        Console.WriteLine($"(c) {n} Managed sessions ({n / 20} per sshd) open at once, throttle {n}: all logged in and running after {allReadyMs:F0} ms");
        Console.WriteLine($"    before: RSS {before.RssKb / 1024.0:F1} MiB, anonymous {before.AnonKb / 1024.0:F1} MiB, GC heap {before.GcHeap / 1048576.0:F1} MiB, {before.Threads} threads");
        Console.WriteLine($"    all {n} open (after a GC): RSS +{(open.RssKb - before.RssKb) / (double)n:F0} KiB, anonymous +{(open.AnonKb - before.AnonKb) / (double)n:F0} KiB, "
            + $"GC heap +{(open.GcHeap - before.GcHeap) / 1024.0 / n:F0} KiB per session; sockets +{open.Sockets - before.Sockets}, threads +{open.Threads - before.Threads}");
        Console.WriteLine($"    peak: RSS +{(peak.RssKb - before.RssKb) / (double)n:F0} KiB, anonymous +{(peak.AnonKb - before.AnonKb) / (double)n:F0} KiB, "
            + $"GC heap (garbage included) +{(peak.GcHeap - before.GcHeap) / 1024.0 / n:F0} KiB per session; threads +{peak.Threads - before.Threads}");
    }

    private readonly record struct Reading(long RssKb, long AnonKb, long GcHeap, int Threads, int Sockets)
    {
        /// <summary>
        /// Resident and anonymous (heaps, touched stack pages) from smaps_rollup: VmData would count reserved thread stacks,
        /// and Private_* moves when another process maps the same libraries.
        /// </summary>
        public static Reading Take()
        {
            long rss = 0, anon = 0;
            foreach (string line in File.ReadLines("/proc/self/smaps_rollup"))
            {
                long kb() => long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]);
                if (line.StartsWith("Rss:")) rss = kb();
                else if (line.StartsWith("Anonymous:")) anon = kb();
            }

            int threads = Directory.GetDirectories("/proc/self/task").Length;
            int sockets = Directory.GetFiles("/proc/self/fd").Count(fd =>
            {
                try { return new FileInfo(fd).LinkTarget?.StartsWith("socket:") == true; }
                catch (IOException) { return false; }
            });
            return new Reading(rss, anon, GC.GetTotalMemory(false), threads, sockets);
        }

        public static Reading Max(Reading a, Reading b) =>
            new Reading(Math.Max(a.RssKb, b.RssKb), Math.Max(a.AnonKb, b.AnonKb), Math.Max(a.GcHeap, b.GcHeap), Math.Max(a.Threads, b.Threads),
                Math.Max(a.Sockets, b.Sockets));
    }
}

/// <summary>
/// (d) One Managed login's phases, timed on SSH.NET the way the Managed transport drives it (key and certificate
/// from memory, a known host key): what (a) cannot show through the operation. "connect+kex" ends when the host key
/// arrives; "auth" is the rest of Connect (new keys, the userauth service, the certificate's two round trips).
/// </summary>
static class ManagedPhases
{
    private static readonly string[] Names = { "key generation", "certificate (local signing)", "key parse (SSH.NET)", "connect+kex", "auth", "exec `true`", "disconnect" };

    public static async Task MeasureAsync(CertificateAuthority authority, string user, SshTarget target, int iterations, double operationMedian)
    {
        var samples = Names.Select(_ => new List<double>()).ToArray();
        var connectCpu = new List<double>();
        string negotiated = string.Empty;
        for (int i = 0; i <= iterations; i++)
        {
            (double[] t, double cpu, negotiated) = await OnceAsync(authority, user, target, null);
            if (i == 0) continue; // jit
            for (int p = 0; p < t.Length; p++) samples[p].Add(t[p]);
            connectCpu.Add(cpu);
        }

        Console.WriteLine($"(d) one Managed session's phases on SSH.NET directly, median of {iterations} ({negotiated}):");
        double sum = 0;
        for (int p = 0; p < Names.Length; p++)
        {
            double m = BenchStats.Median(samples[p]);
            sum += m;
            Console.WriteLine($"    {Names[p],-28} {m,8:F1} ms");
        }

        Console.WriteLine(double.IsNaN(operationMedian) ? $"    sum of medians {sum:F1} ms"
            : $"    sum of medians {sum:F1} ms; the operation in (a) {operationMedian:F1} ms (the rest: CA open, audit, known_hosts check)");

        // The key exchange SSH.NET prefers may be the post-quantum hybrid, computed in managed code: the classic one beside it.
        const string Classic = "curve25519-sha256";
        var classic = new List<double>();
        var classicCpu = new List<double>();
        for (int i = 0; i <= iterations; i++)
        {
            (double[] t, double cpu, _) = await OnceAsync(authority, user, target, Classic);
            if (i == 0) continue;
            classic.Add(t[3]);
            classicCpu.Add(cpu);
        }

        Console.WriteLine($"    connect+kex with {Classic} only: {BenchStats.Median(classic):F1} ms (SSH.NET's order: {KexOrder()})");
        Console.WriteLine($"    this process's CPU during Connect (kex + auth): {BenchStats.Median(connectCpu):F1} ms with the negotiated key exchange, "
            + $"{BenchStats.Median(classicCpu):F1} ms with {Classic}");
    }

    private static string KexOrder() =>
        string.Join(", ", new ConnectionInfo("h", "u", new NoneAuthenticationMethod("u")).KeyExchangeAlgorithms.Keys.Take(4)) + ", ...";

    private static async Task<(double[] Phases, double ConnectCpuMs, string Negotiated)> OnceAsync(CertificateAuthority authority, string user, SshTarget target, string? onlyKex)
    {
        var t = new double[Names.Length];
        var sw = Stopwatch.StartNew();
        double Lap() { double ms = sw.Elapsed.TotalMilliseconds; sw.Restart(); return ms; }

        using SshPrivateKey key = SshPrivateKey.Generate(SshKeyAlgorithm.EcdsaP256, "sshkms-session");
        t[0] = Lap();
        var request = new CertificateRequest(key.PublicKey) { Validity = TimeSpan.FromMinutes(5) };
        request.Principals.Add(user);
        SshCertificate certificate = await authority.IssueAsync(request, default);
        t[1] = Lap();
        using var keyStream = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(key.ToOpenSshFormat()));
        using var certStream = new MemoryStream(System.Text.Encoding.ASCII.GetBytes(certificate.ToString()));
        using var keyFile = new PrivateKeyFile(keyStream, null, certStream);
        var info = new ConnectionInfo(target.Host, target.Port!.Value, user, new PrivateKeyAuthenticationMethod(user, keyFile));
        foreach (string kex in info.KeyExchangeAlgorithms.Keys.Where(k => onlyKex != null && k != onlyKex).ToList())
        {
            info.KeyExchangeAlgorithms.Remove(kex);
        }

        t[2] = Lap();
        using var client = new SshClient(info);
        double hostKeyAt = 0;
        var connect = Stopwatch.StartNew();
        client.HostKeyReceived += (_, e) => { hostKeyAt = connect.Elapsed.TotalMilliseconds; e.CanTrust = true; };
        TimeSpan cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        await client.ConnectAsync(default);
        double connected = connect.Elapsed.TotalMilliseconds;
        double connectCpu = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalMilliseconds;
        t[3] = hostKeyAt;
        t[4] = connected - hostKeyAt;
        sw.Restart();
        using (SshCommand command = client.CreateCommand("true"))
        {
            await command.ExecuteAsync(default);
            if (command.ExitStatus != 0) throw new Exception("phases: `true` exited " + command.ExitStatus);
        }

        t[5] = Lap();
        client.Disconnect();
        t[6] = Lap();
        return (t, connectCpu, $"kex {info.CurrentKeyExchangeAlgorithm}, host key {info.CurrentHostKeyAlgorithm}, cipher {info.CurrentClientEncryption}");
    }
}
