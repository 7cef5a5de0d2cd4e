// Certificates per second from one process with a local P-256 CA, against `ssh-keygen -s ca_key -I id -n p key.pub`
// run once per certificate, on the same CA key and user key, in one run. Ours is measured twice:
//  (1) the real local: provider and default CA, as the cmdlet and CLI use it: the key file read and checked for
//      every signature (the key is not kept in memory), and one fsync'd audit line per certificate;
//  (2) the same policy, layout and signature with the CA key held in memory and no journal: the signing path alone.
// Usage: dotnet run -c Release --project bench/CertThroughput [-- certificates]
using System;
using System.Diagnostics;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using SshKms.Core.Authority;
using SshKms.Core.Aws;
using SshKms.Core.Keys;
using SshKms.Core.OpenSsh;

int count = args.Length > 0 ? int.Parse(args[0]) : 300;
string dir = Path.Combine(Path.GetTempPath(), "sshkms-bench-" + Guid.NewGuid().ToString("N").Substring(0, 8));
Directory.CreateDirectory(dir);
Environment.SetEnvironmentVariable("SSHKMS_HOME", Path.Combine(dir, "home"));
try
{
    using var userKey = SshPrivateKey.Generate(SshKeyAlgorithm.Ed25519, "bench-user");
    string userPub = Path.Combine(dir, "user.pub");
    File.WriteAllText(userPub, userKey.PublicKey + "\n");

    KeyUri caUri = KeyUri.Parse("local:bench-ca");
    await SigningKeys.CreateAsync(caUri, "ECC_NIST_P256", new AwsSettings(), CancellationToken.None);
    CertificateAuthority real = await CertificateAuthority.OpenAsync(caUri, new AwsSettings(), CancellationToken.None);
    // ssh-keygen signs with the very same CA key file.
    string caPath = Path.Combine(dir, "home", "keys", "bench-ca.key");
    using SshPrivateKey caKey = SshPrivateKey.ParseOpenSsh(File.ReadAllBytes(caPath));
    var inMemory = new CertificateAuthority(new InMemorySigningKey(caKey), "bench@local", new CertificatePolicy(), null);

    double ours = await PerSecond(real, userKey.PublicKey, count);
    double signingOnly = await PerSecond(inMemory, userKey.PublicKey, count);
    int keygenCount = Math.Max(20, count / 5);
    var sw = Stopwatch.StartNew();
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
    Console.WriteLine($"sshkms, local: provider + audit journal (as shipped): {ours,10:F0} certificates/s ({count} certificates)");
    Console.WriteLine($"sshkms, CA key in memory, no journal (signing path):  {signingOnly,10:F0} certificates/s ({count} certificates)");
    Console.WriteLine($"ssh-keygen -s, one process per certificate:           {keygen,10:F0} certificates/s ({keygenCount} certificates)");
    Console.WriteLine($"ratio sshkms as shipped / ssh-keygen: {ours / keygen:F1}x; signing path / ssh-keygen: {signingOnly / keygen:F1}x");
}
finally
{
    Directory.Delete(dir, true);
}

static async Task<double> PerSecond(CertificateAuthority ca, SshPublicKey key, int count)
{
    for (int i = 0; i < 20; i++)
    {
        await Issue(ca, key);
    }

    var sw = Stopwatch.StartNew();
    for (int i = 0; i < count; i++)
    {
        await Issue(ca, key);
    }

    return count / sw.Elapsed.TotalSeconds;
}

static Task<SshCertificate> Issue(CertificateAuthority ca, SshPublicKey key)
{
    var request = new CertificateRequest(key);
    request.Principals.Add("p");
    return ca.IssueAsync(request, CancellationToken.None);
}

/// <summary>The CA key held in memory: the local: provider's signing without its per-signature file read.</summary>
internal sealed class InMemorySigningKey : ISigningKey
{
    private readonly SshPrivateKey _key;

    public InMemorySigningKey(SshPrivateKey key) => _key = key;

    public KeyUri Uri { get; } = KeyUri.Parse("local:bench-ca");

    public string KeyArn => Uri.ToString();

    public SshPublicKey PublicKey => _key.PublicKey;

    public Task<SigningResult> SignAsync(byte[] data, string? rsaAlgorithm, CancellationToken cancellationToken)
    {
        byte[] blob = _key.Sign(data, rsaAlgorithm);
        return Task.FromResult(new SigningResult(blob, SshSignature.AlgorithmOf(blob), null));
    }
}
