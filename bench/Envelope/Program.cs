// Envelope throughput vs `openssl speed -evp aes-256-gcm` (16384-byte blocks), measured in one run, plus KMS
// calls per message against moto_server. Usage: dotnet run -c Release --project bench/Envelope [-- SIZE_MIB]
using System.Diagnostics;
using System.Globalization;
using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using SshKms.Core.Aws;
using SshKms.Core.Envelope;

int sizeMiB = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 256;
string work = Path.Combine(Path.GetTempPath(), "sshkms-envelope-bench-" + Guid.NewGuid().ToString("N")[..8]);
Directory.CreateDirectory(work);
Environment.SetEnvironmentVariable("SSHKMS_HOME", Path.Combine(work, "home"));
try
{
    string plain = Path.Combine(work, "plain"), message = Path.Combine(work, "msg"), back = Path.Combine(work, "back");
    using (var f = File.Create(plain))
    {
        byte[] chunk = new byte[1 << 20];
        for (int i = 0; i < sizeMiB; i++)
        {
            Random.Shared.NextBytes(chunk);
            f.Write(chunk);
        }
    }

    double mb = sizeMiB * 1048576 / 1e6;
    const string key = "local:bench";
    double enc = Time(() => Run(ProtectOperation.RunAsync(new ProtectOptions { KeyId = key, CreateKey = true, InputPath = plain, OutputPath = message, Overwrite = true }, default)));
    double dec = Time(() => Run(UnprotectOperation.RunAsync(new UnprotectOptions { AllowedKeys = new[] { key }, InputPath = message, OutputPath = back, Overwrite = true }, default)));
    double encSigned = Time(() => Run(ProtectOperation.RunAsync(new ProtectOptions { KeyId = key, Signed = true, InputPath = plain, OutputPath = message, Overwrite = true }, default)));
    double decSigned = Time(() => Run(UnprotectOperation.RunAsync(new UnprotectOptions { AllowedKeys = new[] { key }, InputPath = message, OutputPath = back, Overwrite = true }, default)));
    double openssl = OpensslGcmMBps();

    // Where the rest goes: the same work in memory (no disk), and the disk alone (a copy with fsync, as our
    // temp-then-rename output does).
    byte[] inMemory = new byte[64 << 20];
    Random.Shared.NextBytes(inMemory);
    var encoded = new MemoryStream(inMemory.Length + (1 << 20));
    double memEnc = Enumerable.Range(0, 3).Min(_ =>
    {
        encoded.SetLength(0);
        return Time(() => Run(ProtectOperation.RunAsync(new ProtectOptions { KeyId = key, Input = new MemoryStream(inMemory), Output = encoded }, default)));
    });
    byte[] encodedBytes = encoded.ToArray();
    double memDec = Enumerable.Range(0, 3).Min(_ =>
        Time(() => Run(UnprotectOperation.RunAsync(new UnprotectOptions { AllowedKeys = new[] { key }, Input = new MemoryStream(encodedBytes), Output = Stream.Null }, default))));
    double copy = Time(() =>
    {
        using var source = File.OpenRead(plain);
        using var target = new FileStream(back, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
        source.CopyTo(target, 1 << 20);
        target.Flush(true);
    });

    Console.WriteLine($"file: {sizeMiB} MiB, 4096-byte frames, local key; openssl speed -evp aes-256-gcm (16384-byte blocks): {openssl:F0} MB/s");
    Report("encrypt 0x0478", mb / enc, openssl);
    Report("decrypt 0x0478", mb / dec, openssl);
    Report("encrypt 0x0578", mb / encSigned, openssl);
    Report("decrypt 0x0578", mb / decSigned, openssl);
    double memMb = inMemory.Length / 1e6;
    Report("encrypt, memory", memMb / memEnc, openssl);
    Report("decrypt, memory", memMb / memDec, openssl);
    Console.WriteLine($"disk alone: copy of the file with fsync {mb / copy,8:F0} MB/s; encrypt 0x0478 to file / copy: {(mb / enc) / (mb / copy):F2}");
    KmsCallsPerMessage();
}
finally
{
    Directory.Delete(work, true);
}

static void Report(string what, double mbps, double openssl) =>
    Console.WriteLine($"{what,-16} {mbps,8:F0} MB/s   ratio to openssl {mbps / openssl:F2}");

static void Run(Task t) => t.GetAwaiter().GetResult();

static double Time(Action a)
{
    var sw = Stopwatch.StartNew();
    a();
    return sw.Elapsed.TotalSeconds;
}

static double OpensslGcmMBps()
{
    var psi = new ProcessStartInfo("openssl", "speed -seconds 3 -bytes 16384 -evp aes-256-gcm") { RedirectStandardOutput = true, RedirectStandardError = true };
    using var p = Process.Start(psi)!;
    string output = p.StandardOutput.ReadToEnd();
    p.WaitForExit();
    // Last line: "AES-256-GCM   <k-bytes/s for 16384-byte blocks>k"
    string line = output.Split('\n').Last(l => l.StartsWith("aes-256-gcm", StringComparison.OrdinalIgnoreCase) || l.StartsWith("AES-256-GCM", StringComparison.Ordinal));
    string figure = line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Last().TrimEnd('k');
    return double.Parse(figure, CultureInfo.InvariantCulture) * 1000 / 1e6;
}

static void KmsCallsPerMessage()
{
    using BenchMoto moto = BenchMoto.StartAsync().GetAwaiter().GetResult();
    AwsSettings settings = moto.Settings;
    using var kms = new AmazonKeyManagementServiceClient(new Amazon.Runtime.BasicAWSCredentials("bench", "bench"),
        new AmazonKeyManagementServiceConfig { ServiceURL = settings.EndpointUrl, AuthenticationRegion = "us-east-1" });
    string arn = kms.CreateKeyAsync(new CreateKeyRequest()).GetAwaiter().GetResult().KeyMetadata.Arn;

    const int messages = 20;
    var sealedMessages = new List<byte[]>();
    int before = moto.PostCount;
    var sw = Stopwatch.StartNew();
    for (int i = 0; i < messages; i++)
    {
        ProtectResult made = ProtectOperation.RunAsync(new ProtectOptions { KeyId = arn, Plaintext = new byte[100], Aws = settings }, default).GetAwaiter().GetResult();
        sealedMessages.Add(made.Message!);
    }

    double encMs = sw.Elapsed.TotalMilliseconds / messages;
    int encCalls = moto.PostCount - before;
    Console.WriteLine($"KMS calls per message (moto, {messages} messages): encrypt {(double)encCalls / messages:F1} GenerateDataKey ({encMs:F1} ms/message)");

    // Decrypt by discovery (any key ARN the message names) and with an allow-list (--key / -KeyId) naming the
    // key by ARN, by key id and by alias: only a key ARN can be matched without a DescribeKey.
    string alias = "alias/bench-envelope";
    kms.CreateAliasAsync(new CreateAliasRequest { AliasName = alias, TargetKeyId = arn }).GetAwaiter().GetResult();
    string keyId = arn.Substring(arn.IndexOf("key/", StringComparison.Ordinal) + 4);
    foreach ((string mode, string? allowed) in new (string, string?)[]
    {
        ("discovery", null), ("allow-list key ARN", arn), ("allow-list key id", keyId), ("allow-list alias", alias),
    })
    {
        before = moto.PostCount;
        sw.Restart();
        foreach (byte[] m in sealedMessages)
        {
            var options = new UnprotectOptions { Message = m, AllowedKeys = allowed == null ? null : new[] { allowed }, Aws = settings };
            UnprotectOperation.RunAsync(options, default).GetAwaiter().GetResult().Dispose();
        }

        double decMs = sw.Elapsed.TotalMilliseconds / messages;
        int decCalls = moto.PostCount - before;
        Console.WriteLine($"  decrypt, {mode,-19} {(double)decCalls / messages:F1} KMS calls/message ({decMs:F1} ms/message)");
    }
}
