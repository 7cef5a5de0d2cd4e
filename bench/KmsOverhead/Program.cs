// Issue 2 section 10(b): SshKms's signing overhead over the bare KMS round trip, against moto_server, in one run.
//   dotnet run -c Release --project bench/KmsOverhead [-- iterations]
// (1) bare:   AmazonKeyManagementServiceClient.SignAsync(RAW, ECDSA_SHA_256) of a certificate body, from this process.
// (2) sshkms: CertificateAuthority.IssueAsync exactly as the cmdlet and CLI call it: policy (OpenSSH's rules on the
//             request), key id template, one KMS Sign (DER -> SSH signature), signature verification with the CA key
//             imported once, and the audit journal line (fsync'd).
// (3) the same CA without a journal, to show how much of (2)'s overhead is the journal's fsync.
// The three are interleaved sample by sample so machine noise hits all alike.
using System.Diagnostics;
using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using SshKms.Core.Authority;
using SshKms.Core.Aws;
using SshKms.Core.Keys;
using SshKms.Core.OpenSsh;

int iterations = args.Length > 0 ? int.Parse(args[0]) : 300;
const int warmup = 30;

string home = Directory.CreateTempSubdirectory("sshkms-bench-home-").FullName;
Environment.SetEnvironmentVariable("SSHKMS_HOME", home);

using BenchMoto moto = await BenchMoto.StartAsync();
try
{
    AwsSettings settings = moto.Settings;

    string alias = "alias/bench-ca";
    ISigningKey created = await SigningKeys.CreateAsync(KeyUri.Parse(alias), "ECC_NIST_P256", settings, CancellationToken.None);
    using AmazonKeyManagementServiceClient kms = AwsClientFactory.CreateKms(settings);
    using SshPrivateKey subject = SshPrivateKey.Generate(SshKeyAlgorithm.Ed25519);
    int bodyLength = BuildCertificate(created.PublicKey).GetBytesToSign().Length;

    async Task<double> Bare()
    {
        byte[] body = BuildCertificate(created.PublicKey).GetBytesToSign(); // same bytes as the SshKms side signs
        var watch = Stopwatch.StartNew();
        await kms.SignAsync(new SignRequest
        {
            KeyId = created.KeyArn,
            SigningAlgorithm = SigningAlgorithmSpec.ECDSA_SHA_256,
            MessageType = MessageType.RAW,
            Message = new MemoryStream(body),
        });
        return watch.Elapsed.TotalMilliseconds;
    }

    CertificateAuthority ca = await CertificateAuthority.OpenAsync(KeyUri.Parse(alias), settings, CancellationToken.None);
    var unjournalled = new CertificateAuthority(ca.Key, ca.Operator, ca.Policy, journal: null);

    Task<double> Ours() => Issue(ca);

    Task<double> OursWithoutJournal() => Issue(unjournalled);

    async Task<double> Issue(CertificateAuthority authority)
    {
        var request = new CertificateRequest(subject.PublicKey) { Principals = { "ec2-user" } };
        var watch = Stopwatch.StartNew();
        SshCertificate certificate = await authority.IssueAsync(request, CancellationToken.None);
        watch.Stop();
        GC.KeepAlive(certificate);
        return watch.Elapsed.TotalMilliseconds;
    }

    SshCertificateBuilder BuildCertificate(SshPublicKey ca)
    {
        var builder = new SshCertificateBuilder(subject.PublicKey, ca)
        {
            Serial = (ulong)Random.Shared.NextInt64(1, long.MaxValue),
            KeyId = "arn:aws:sts::123456789012:user/bench serial {serial}",
            ValidAfter = (ulong)DateTimeOffset.UtcNow.AddMinutes(-5).ToUnixTimeSeconds(),
            ValidBefore = (ulong)DateTimeOffset.UtcNow.AddMinutes(15).ToUnixTimeSeconds(),
        };
        builder.Principals.Add("ec2-user");
        foreach (string extension in new[] { "permit-X11-forwarding", "permit-agent-forwarding", "permit-port-forwarding", "permit-pty", "permit-user-rc" })
        {
            builder.Extensions.Add(new KeyValuePair<string, string>(extension, string.Empty));
        }

        return builder;
    }

    for (int i = 0; i < warmup; i++)
    {
        await Bare();
        await Ours();
        await OursWithoutJournal();
    }

    var bare = new List<double>(iterations);
    var ours = new List<double>(iterations);
    var noJournal = new List<double>(iterations);
    for (int i = 0; i < iterations; i++)
    {
        // Rotate the order so that no side always runs right after another.
        switch (i % 3)
        {
            case 0:
                bare.Add(await Bare());
                ours.Add(await Ours());
                noJournal.Add(await OursWithoutJournal());
                break;
            case 1:
                ours.Add(await Ours());
                noJournal.Add(await OursWithoutJournal());
                bare.Add(await Bare());
                break;
            default:
                noJournal.Add(await OursWithoutJournal());
                bare.Add(await Bare());
                ours.Add(await Ours());
                break;
        }
    }

    double bareMedian = Percentile(bare, 50), oursMedian = Percentile(ours, 50);
    Console.WriteLine($"KMS signing overhead against moto_server 5.2.1 (P-256 CA, {bodyLength}-byte certificate body, {iterations} samples each, interleaved, {warmup} warm-up)");
    Console.WriteLine($"  bare KMS Sign (SDK)                 median {bareMedian,7:F3} ms   p90 {Percentile(bare, 90),7:F3} ms");
    Console.WriteLine($"  SshKms CertificateAuthority.Issue   median {oursMedian,7:F3} ms   p90 {Percentile(ours, 90),7:F3} ms");
    Console.WriteLine($"  ratio SshKms / bare (median)        {oursMedian / bareMedian:F3}x   overhead {oursMedian - bareMedian:F3} ms per certificate");
    double noJournalMedian = Percentile(noJournal, 50);
    Console.WriteLine($"  without the audit journal           median {noJournalMedian,7:F3} ms   p90 {Percentile(noJournal, 90),7:F3} ms   ratio {noJournalMedian / bareMedian:F3}x");
}
finally
{
    Directory.Delete(home, true);
}

static double Percentile(List<double> samples, int p)
{
    var sorted = samples.OrderBy(x => x).ToArray();
    return sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p / 100.0 * sorted.Length) - 1)];
}
