// KRL write benchmark (run by run.sh, which adds the sshd login times): one revocation spec of 100,000 serials (ranges and singles mixed), 10,000 key ids and
// 10,000 public keys, written by `ssh-keygen -k` (a process, from a spec file) and by our revoke operation
// (in process, through Core's public RevokeCertificateOperation: parse, KRL encode, SSHSIG signature by a local
// CA key, atomic replace, journal line), alternating, median of the rounds. Prints sizes, times and ratios, and
// checks that both KRLs list the same revocations (`ssh-keygen -Q -l`). Usage: Krl.Bench WORKDIR [rounds]
using System.Diagnostics;
using System.Security.Cryptography;
using SshKms.Core.Aws;
using SshKms.Core.Keys;
using SshKms.Core.Revocation;

string work = Path.GetFullPath(args.Length > 0 ? args[0] : Directory.CreateTempSubdirectory("sshkms-krl-bench-").FullName);
int rounds = args.Length > 1 ? int.Parse(args[1]) : 5;
Directory.CreateDirectory(work);
Environment.SetEnvironmentVariable("SSHKMS_HOME", Path.Combine(work, "home"));

const string ca = "local:bench-krl";
ISigningKey caKey = File.Exists(Path.Combine(work, "home", "keys", "bench-krl.key"))
    ? await SigningKeys.OpenAsync(KeyUri.Parse(ca), new AwsSettings(), default)
    : await SigningKeys.CreateAsync(KeyUri.Parse(ca), null, new AwsSettings(), default);
string caPub = Path.Combine(work, "ca.pub");
File.WriteAllText(caPub, caKey.PublicKey + "\n");

// The spec: deterministic, so every run revokes the same things.
var random = new Random(13);
var serials = new List<string>();
ulong next = 1000;
int count = 0;
while (count < 100_000)
{
    // About half the serials in short ranges, half single (a range 1 in 20 picks, 5-40 long).
    if (random.Next(20) == 0)
    {
        ulong length = (ulong)random.Next(5, 40);
        serials.Add($"{next}-{next + length - 1}");
        next += length + (ulong)random.Next(2, 5000);
        count += (int)length;
    }
    else
    {
        serials.Add(next.ToString());
        next += (ulong)random.Next(2, 300);
        count++;
    }
}

var keyIds = Enumerable.Range(0, 10_000).Select(i => $"sshkms:awskms:alias/ssh-ca:user{i}@example.com:{random.Next()}").ToList();
string keysDir = Directory.CreateDirectory(Path.Combine(work, "keys")).FullName;
var keyPaths = new List<string>();
var keyLines = new List<string>();
for (int i = 0; i < 10_000; i++)
{
    // An ed25519 public key blob: string "ssh-ed25519", string 32 random bytes.
    byte[] point = RandomNumberGenerator.GetBytes(32);
    byte[] blob = [0, 0, 0, 11, .. "ssh-ed25519"u8.ToArray(), 0, 0, 0, 32, .. point];
    string line = "ssh-ed25519 " + Convert.ToBase64String(blob) + " k" + i;
    string path = Path.Combine(keysDir, $"k{i}.pub");
    File.WriteAllText(path, line + "\n");
    keyPaths.Add(path);
    keyLines.Add(line);
}

string spec = Path.Combine(work, "spec.txt");
File.WriteAllLines(spec, serials.Select(s => "serial: " + s).Concat(keyIds.Select(id => "id: " + id)).Concat(keyLines.Select(l => "sha256: " + l)));

string theirs = Path.Combine(work, "theirs.krl");
string ours = Path.Combine(work, "ours.krl");
var ourTimes = new List<double>();
var theirTimes = new List<double>();
var options = new RevokeCertificateOptions
{
    CaKey = ca,
    Serials = serials.ToArray(),
    KeyIds = keyIds.ToArray(),
    PublicKeyPaths = keyPaths.ToArray(),
    KrlPath = ours,
};
for (int round = 0; round <= rounds; round++)
{
    File.Delete(theirs);
    var sw = Stopwatch.StartNew();
    Run("ssh-keygen", "-q", "-k", "-f", theirs, "-s", caPub, spec);
    double t = sw.Elapsed.TotalMilliseconds;

    File.Delete(ours);
    sw.Restart();
    await RevokeCertificateOperation.RunAsync(options, default);
    double o = sw.Elapsed.TotalMilliseconds;

    // Round 0 warms the JIT and the page cache for both; it is not counted.
    if (round > 0)
    {
        theirTimes.Add(t);
        ourTimes.Add(o);
    }
}

// One more serial into the full KRL: read, merge, re-encode, sign, replace. ssh-keygen -k -u does the same update.
var update = new RevokeCertificateOptions { CaKey = ca, Serials = new[] { "99999999999" }, KrlPath = ours };
var updateTimes = new List<double>();
var theirUpdateTimes = new List<double>();
string oneMore = Path.Combine(work, "one-more.txt");
File.WriteAllText(oneMore, "serial: 99999999999\n");
for (int round = 0; round < rounds; round++)
{
    update.Serials = new[] { (99_999_999_999UL + (ulong)round).ToString() };
    var sw = Stopwatch.StartNew();
    await RevokeCertificateOperation.RunAsync(update, default);
    updateTimes.Add(sw.Elapsed.TotalMilliseconds);
    File.WriteAllText(oneMore, $"serial: {99_999_999_999UL + (ulong)round}\n");
    sw.Restart();
    Run("ssh-keygen", "-q", "-k", "-u", "-f", theirs, "-s", caPub, oneMore);
    theirUpdateTimes.Add(sw.Elapsed.TotalMilliseconds);
}

string ourListing = Run("ssh-keygen", "-Q", "-l", "-f", ours);
string theirListing = Run("ssh-keygen", "-Q", "-l", "-f", theirs);
static string Body(string listing) => string.Join("\n", listing.Split('\n').Where(l => !l.StartsWith('#')));
bool same = Body(ourListing) == Body(theirListing);

double Median(List<double> xs) => xs.OrderBy(x => x).ElementAt(xs.Count / 2);
long ourSize = new FileInfo(ours).Length, theirSize = new FileInfo(theirs).Length;
Console.WriteLine($"spec: 100,000 serials as {serials.Count} lines (ranges and singles), 10,000 key ids, 10,000 key hashes; {rounds} rounds, medians");
Console.WriteLine($"write   ours {Median(ourTimes),8:F1} ms (in process, incl. signature + journal)  ssh-keygen -k {Median(theirTimes),8:F1} ms  ratio {Median(ourTimes) / Median(theirTimes):F2}x");
Console.WriteLine($"update  ours {Median(updateTimes),8:F1} ms (one serial into the full KRL)           ssh-keygen -k -u {Median(theirUpdateTimes),5:F1} ms  ratio {Median(updateTimes) / Median(theirUpdateTimes):F2}x");
Console.WriteLine($"size    ours {ourSize,8} bytes  ssh-keygen {theirSize,8} bytes  ratio {(double)ourSize / theirSize:F3}x");
Console.WriteLine($"listings (ssh-keygen -Q -l, header aside) equal: {same}");
Console.WriteLine($"KRL for the login benchmark: {ours}");
return same ? 0 : 1;

static string Run(string file, params string[] a)
{
    var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
    foreach (string x in a)
    {
        psi.ArgumentList.Add(x);
    }

    using Process p = Process.Start(psi)!;
    Task<string> err = p.StandardError.ReadToEndAsync();
    string output = p.StandardOutput.ReadToEnd();
    p.WaitForExit();
    if (p.ExitCode != 0)
    {
        throw new InvalidOperationException($"{file} {string.Join(' ', a)} exited {p.ExitCode}: {err.Result}");
    }

    return output;
}
