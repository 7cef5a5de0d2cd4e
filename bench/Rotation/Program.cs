// Rotation wall time, 1 node against 20 nodes, in one run, with Secrets Manager on moto_server, over two kinds of
// loopback node: folders updated by the authorized_keys script with /bin/sh (what SSM's agent runs: the rotation
// engine alone), and real sshd instances reached over SSH with the AWSCURRENT key (the whole SSH channel).
// Usage: dotnet run -c Release --project bench/Rotation [-- rounds]
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using SshKms.Core.Aws;
using SshKms.Core.OpenSsh;
using SshKms.Core.Rotation;

int rounds = args.Length > 0 ? int.Parse(args[0]) : 5;
using BenchMoto moto = await BenchMoto.StartAsync();
string root = Path.Combine(Path.GetTempPath(), "sshkms-bench-" + Guid.NewGuid().ToString("N")[..8]);
var sshds = new List<Process>();
try
{
    AwsSettings settings = moto.Settings;
    using var sm = new SecretsManagerClient(settings);
    async Task<double> RotateMs(int nodes)
    {
        string name = $"bench/{nodes}/{Guid.NewGuid():N}";
        await KeyPairSecrets.CreateAsync(sm, name, SshKeyAlgorithm.Ed25519, null, null, CancellationToken.None);
        var distributor = new LocalFolderDistributor(root, Enumerable.Range(1, nodes).Select(n => $"{name.Replace('/', '_')}-node{n}").ToArray());
        var sw = Stopwatch.StartNew();
        await new KeyRotation(sm, distributor, name, Guid.NewGuid().ToString()).RunAsync(CancellationToken.None);
        return sw.Elapsed.TotalMilliseconds;
    }

    await RotateMs(1); // warm-up: JIT, moto's first requests
    var one = new List<double>();
    var twenty = new List<double>();
    for (int r = 0; r < rounds; r++)
    {
        one.Add(await RotateMs(1));
        twenty.Add(await RotateMs(20));
    }

    Report("folder nodes (script via /bin/sh)", one, twenty);

    if (!File.Exists("/usr/sbin/sshd"))
    {
        Console.WriteLine("sshd nodes: skipped, /usr/sbin/sshd is not installed (scripts/test.sh installs openssh-server)");
        return;
    }

    // Twenty real sshd nodes; each reads its own authorized_keys, which the rotation script edits over SSH. HOME points
    // away from the user's own, so that its shell start-up files do not dominate every login (see bench/Sessions/run.sh).
    Directory.CreateDirectory("/run/sshd");
    string sshdDir = Path.Combine(root, "sshd");
    Directory.CreateDirectory(sshdDir);
    string hostKey = Path.Combine(sshdDir, "host_key");
    Process.Start("ssh-keygen", new[] { "-q", "-t", "ed25519", "-N", "", "-f", hostKey })!.WaitForExit();
    string hostLine = File.ReadAllText(hostKey + ".pub").Trim();
    var nodes = new List<(int Port, string AuthorizedKeys)>();
    for (int n = 0; n < 20; n++)
    {
        int nodePort = BenchMoto.FreePort();
        string keys = Path.Combine(sshdDir, $"authorized_keys{n}");
        string config = Path.Combine(sshdDir, $"sshd_config{n}");
        File.WriteAllLines(config, new[]
        {
            $"Port {nodePort}", "ListenAddress 127.0.0.1", $"HostKey {hostKey}", $"PidFile {sshdDir}/sshd{n}.pid",
            $"AuthorizedKeysFile {keys}", $"SetEnv SSHKMS_AUTHORIZED_KEYS={keys} HOME={sshdDir}", "PasswordAuthentication no",
            "KbdInteractiveAuthentication no", "PermitRootLogin prohibit-password", "StrictModes no", "UsePAM no",
            "MaxStartups 100:30:200",
        });
        sshds.Add(Process.Start(new ProcessStartInfo("/usr/sbin/sshd", new[] { "-D", "-f", config }) { RedirectStandardError = true })!);
        nodes.Add((nodePort, keys));
    }

    string knownHosts = Path.Combine(sshdDir, "known_hosts");
    File.WriteAllLines(knownHosts, nodes.Select(x => $"[127.0.0.1]:{x.Port} {hostLine}"));
    foreach ((int nodePort, _) in nodes)
    {
        for (int i = 0; ; i++)
        {
            try { using var c = new TcpClient(); await c.ConnectAsync(IPAddress.Loopback, nodePort); break; }
            catch (SocketException) when (i < 100) { await Task.Delay(100); }
        }
    }

    async Task<double> RotateOverSshMs(int count)
    {
        string name = $"bench-ssh/{count}/{Guid.NewGuid():N}";
        KeyPairInfo first = await KeyPairSecrets.CreateAsync(sm, name, SshKeyAlgorithm.Ed25519, Environment.UserName, null, CancellationToken.None);
        var targets = new RotationTargets { SshNodes = nodes.Take(count).Select(x => $"127.0.0.1:{x.Port}").ToList(), SshConfigFile = "/dev/null" };
        targets.SshOptions.Add(new KeyValuePair<string, string>("UserKnownHostsFile", knownHosts));
        targets.SshOptions.Add(new KeyValuePair<string, string>("GlobalKnownHostsFile", "/dev/null"));
        foreach ((_, string keys) in nodes.Take(count))
        {
            File.WriteAllText(keys, first.PublicKey + "\n");
        }

        var sw = Stopwatch.StartNew();
        // It throws, naming the nodes, unless every node took the new key and lost the old one.
        await RotationTargets.RotateAsync(settings, name, targets, null, Guid.NewGuid().ToString(), null, CancellationToken.None);
        return sw.Elapsed.TotalMilliseconds;
    }

    await RotateOverSshMs(1);
    var sshOne = new List<double>();
    var sshTwenty = new List<double>();
    for (int r = 0; r < rounds; r++)
    {
        sshOne.Add(await RotateOverSshMs(1));
        sshTwenty.Add(await RotateOverSshMs(20));
    }

    Report("sshd nodes over SSH (16 at once)", sshOne, sshTwenty);
}
finally
{
    foreach (Process sshd in sshds) { sshd.Kill(); sshd.Dispose(); }
    if (Directory.Exists(root)) Directory.Delete(root, true);
}

void Report(string kind, List<double> one, List<double> twenty)
{
    double m1 = BenchStats.Median(one), m20 = BenchStats.Median(twenty);
    Console.WriteLine($"{kind}: 1 node median {m1:0.0} ms, 20 nodes median {m20:0.0} ms over {rounds} rounds; " +
        $"ratio 20/1 {m20 / m1:0.00}x (20x would mean no parallelism)");
}

/// <summary>Loopback nodes: each a folder whose authorized_keys the shared script updates, all nodes at once.</summary>
sealed class LocalFolderDistributor : INodeDistributor
{
    private readonly string _root;
    private readonly string[] _nodes;

    public LocalFolderDistributor(string root, string[] nodes) { _root = root; _nodes = nodes; }

    public async Task<IReadOnlyList<NodeOutcome>> RunAsync(string script, CancellationToken cancellationToken) =>
        await Task.WhenAll(_nodes.Select(async n =>
        {
            Directory.CreateDirectory(Path.Combine(_root, n));
            var psi = new ProcessStartInfo("/bin/sh", new[] { "-c", script }) { RedirectStandardOutput = true, RedirectStandardError = true };
            psi.Environment["SSHKMS_AUTHORIZED_KEYS"] = Path.Combine(_root, n, "authorized_keys");
            using Process p = Process.Start(psi)!;
            string err = await p.StandardError.ReadToEndAsync(cancellationToken);
            await p.StandardOutput.ReadToEndAsync(cancellationToken);
            await p.WaitForExitAsync(cancellationToken);
            return new NodeOutcome(n, p.ExitCode == 0, err);
        }));

    public Task PrepareAsync(string userName, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task<IReadOnlyList<NodeOutcome>> TestAsync(KeyPairSecret pending, string checkScript, CancellationToken cancellationToken) =>
        RunAsync(checkScript, cancellationToken);
}
