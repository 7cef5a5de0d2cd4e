// Certificates per second from one process with a P-256 CA held in memory (what the local: provider does),
// against `ssh-keygen -s ca_key -I id -n p key.pub` run once per certificate, on the same CA and user keys,
// in one run. Usage: dotnet run -c Release --project bench/CertThroughput [-- certificates]
using System;
using System.Diagnostics;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using SshKms.Core.Authority;
using SshKms.Core.Keys;
using SshKms.Core.OpenSsh;

int count = args.Length > 0 ? int.Parse(args[0]) : 300;
string dir = Path.Combine(Path.GetTempPath(), "sshkms-bench-" + Guid.NewGuid().ToString("N").Substring(0, 8));
Directory.CreateDirectory(dir);
try
{
    using var caKey = SshPrivateKey.Generate(SshKeyAlgorithm.EcdsaP256, "bench-ca");
    using var userKey = SshPrivateKey.Generate(SshKeyAlgorithm.Ed25519, "bench-user");
    string caPath = Path.Combine(dir, "ca_key");
    File.WriteAllText(caPath, caKey.ToOpenSshFormat());
    File.SetUnixFileMode(caPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
    string userPub = Path.Combine(dir, "user.pub");
    File.WriteAllText(userPub, userKey.PublicKey + "\n");

    // Ours: the full issue path (policy, serial, layout, one signature) without the audit journal's disk write.
    var ca = new CertificateAuthority(new BenchSigningKey(caKey), "bench@local", new CertificatePolicy(), null);
    for (int i = 0; i < 20; i++)
    {
        await Issue(ca, userKey.PublicKey);
    }

    var sw = Stopwatch.StartNew();
    for (int i = 0; i < count; i++)
    {
        await Issue(ca, userKey.PublicKey);
    }

    double ours = count / sw.Elapsed.TotalSeconds;

    int keygenCount = Math.Max(20, count / 5);
    sw.Restart();
    for (int i = 0; i < keygenCount; i++)
    {
        var psi = new ProcessStartInfo("ssh-keygen") { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (string a in new[] { "-q", "-s", caPath, "-I", "id", "-n", "p", "-V", "+15m", userPub })
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi)!;
        p.WaitForExit();
        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException("ssh-keygen failed: " + p.StandardError.ReadToEnd());
        }
    }

    double keygen = keygenCount / sw.Elapsed.TotalSeconds;
    Console.WriteLine($"sshkms CertificateAuthority (in-process, P-256 CA): {ours,10:F0} certificates/s ({count} certificates)");
    Console.WriteLine($"ssh-keygen -s, one process per certificate:        {keygen,10:F0} certificates/s ({keygenCount} certificates)");
    Console.WriteLine($"ratio sshkms / ssh-keygen: {ours / keygen:F1}x");
}
finally
{
    Directory.Delete(dir, true);
}

static Task<SshCertificate> Issue(CertificateAuthority ca, SshPublicKey key)
{
    var request = new CertificateRequest(key);
    request.Principals.Add("p");
    return ca.IssueAsync(request, CancellationToken.None);
}

/// <summary>An in-memory P-256 CA key: the same signing the local: provider does, without its file store.</summary>
internal sealed class BenchSigningKey : ISigningKey
{
    private readonly SshPrivateKey _key;

    public BenchSigningKey(SshPrivateKey key) => _key = key;

    public KeyUri Uri { get; } = KeyUri.Parse("local:bench-ca");

    public string KeyArn => Uri.ToString();

    public SshPublicKey PublicKey => _key.PublicKey;

    public Task<SigningResult> SignAsync(byte[] data, string? rsaAlgorithm, CancellationToken cancellationToken)
    {
        byte[] blob = _key.Sign(data, rsaAlgorithm);
        return Task.FromResult(new SigningResult(blob, SshSignature.AlgorithmOf(blob), null));
    }
}
