// Rotation wall time, 1 node against 20 nodes, in one run: Secrets Manager on moto_server, nodes are loopback
// folders updated by the same authorized_keys script with /bin/sh (what SSM's agent or SSH would run).
// Usage: dotnet run -c Release --project bench/Rotation [-- rounds]
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using SshKms.Core.Aws;
using SshKms.Core.OpenSsh;
using SshKms.Core.Rotation;

int rounds = args.Length > 0 ? int.Parse(args[0]) : 5;
Environment.SetEnvironmentVariable("AWS_ACCESS_KEY_ID", "bench");
Environment.SetEnvironmentVariable("AWS_SECRET_ACCESS_KEY", "bench");
var listener = new TcpListener(IPAddress.Loopback, 0);
listener.Start();
int port = ((IPEndPoint)listener.LocalEndpoint).Port;
listener.Stop();
using Process moto = Process.Start(new ProcessStartInfo("moto_server", $"-H 127.0.0.1 -p {port}") { RedirectStandardError = true, RedirectStandardOutput = true })!;
string root = Path.Combine(Path.GetTempPath(), "sshkms-bench-" + Guid.NewGuid().ToString("N")[..8]);
try
{
    var settings = new AwsSettings { Region = "us-east-1", EndpointUrl = $"http://127.0.0.1:{port}" };
    using var http = new HttpClient();
    for (int i = 0; ; i++)
    {
        try { await http.GetAsync(settings.EndpointUrl + "/moto-api/"); break; }
        catch (HttpRequestException) when (i < 100) { await Task.Delay(200); }
    }

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

    double m1 = Median(one), m20 = Median(twenty);
    Console.WriteLine($"rotation, 1 node:   median {m1,8:0.0} ms over {rounds} rounds");
    Console.WriteLine($"rotation, 20 nodes: median {m20,8:0.0} ms over {rounds} rounds");
    Console.WriteLine($"ratio 20 nodes / 1 node: {m20 / m1:0.00}x (20x would mean no parallelism)");
}
finally
{
    moto.Kill(entireProcessTree: true);
    if (Directory.Exists(root)) Directory.Delete(root, true);
}

static double Median(List<double> xs) { var s = xs.OrderBy(x => x).ToList(); return s[s.Count / 2]; }

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

    public Task<IReadOnlyList<NodeOutcome>> TestAsync(KeyPairSecret pending, string pendingTag, string secretName, CancellationToken cancellationToken) =>
        RunAsync(AuthorizedKeysScript.Build(AuthorizedKeysMode.Check, secretName, pendingTag, pending.PublicKey, null), cancellationToken);
}
