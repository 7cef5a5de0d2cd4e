# Real peers for the Pester tests, started on free 127.0.0.1 ports and stopped by the process id they started with:
# moto_server for AWS, OpenSSH sshd for SSH. Dot-source in BeforeAll.

function Get-FreePort {
    $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
    $listener.Start()
    try { $listener.LocalEndpoint.Port } finally { $listener.Stop() }
}

# moto accepts any credentials; the SDK's chain must still find some.
function Start-MotoServer {
    $env:AWS_ACCESS_KEY_ID = 'testing'
    $env:AWS_SECRET_ACCESS_KEY = 'testing'
    $env:AWS_EC2_METADATA_DISABLED = 'true'
    Remove-Item Env:AWS_SESSION_TOKEN -ErrorAction SilentlyContinue
    $port = Get-FreePort
    $log = [IO.Path]::GetTempFileName()
    $process = Start-Process moto_server -ArgumentList '-H', '127.0.0.1', '-p', $port -PassThru -RedirectStandardOutput $log -RedirectStandardError "$log.err"
    $endpoint = "http://127.0.0.1:$port"
    $deadline = (Get-Date).AddSeconds(60)
    while ((Get-Date) -lt $deadline) {
        if ($process.HasExited) { throw "moto_server exited with $($process.ExitCode): $(Get-Content "$log.err" -Raw)" }
        try { Invoke-WebRequest "$endpoint/moto-api/" -TimeoutSec 2 | Out-Null; break } catch { Start-Sleep -Milliseconds 200 }
    }
    [pscustomobject]@{ Process = $process; Endpoint = $endpoint; Region = 'us-east-1'; Log = $log }
}

# An sshd trusting the given CA keys and authorized keys, logging in the current user, with a known_hosts that trusts it.
function Start-TestSshd {
    param([string[]] $TrustedUserCaKey = @(), [string[]] $AuthorizedKey = @(), [string[]] $ExtraConfig = @())
    $dir = Join-Path ([IO.Path]::GetTempPath()) ('sshkms-pester-sshd-' + [Guid]::NewGuid().ToString('N').Substring(0, 8))
    New-Item -ItemType Directory -Path $dir, (Join-Path $dir 'home') -Force | Out-Null
    New-Item -ItemType Directory -Path /run/sshd -Force | Out-Null
    $port = Get-FreePort
    $hostKey = Join-Path $dir 'ssh_host_ed25519_key'
    ssh-keygen -q -t ed25519 -N '' -f $hostKey
    $authorized = Join-Path $dir 'authorized_keys'
    Set-Content $authorized $AuthorizedKey
    chmod 600 $authorized
    $config = @(
        "Port $port", 'ListenAddress 127.0.0.1', "HostKey $hostKey", "PidFile $dir/sshd.pid", "AuthorizedKeysFile $authorized",
        'PasswordAuthentication no', 'KbdInteractiveAuthentication no', 'PubkeyAuthentication yes', 'PermitRootLogin prohibit-password',
        'StrictModes no', 'UsePAM no', 'MaxStartups 100:30:200',
        # The rotation script on the node edits this file; HOME keeps the machine user's shell profile out of the login.
        "SetEnv SSHKMS_AUTHORIZED_KEYS=$authorized HOME=$dir/home"
    )
    if ($TrustedUserCaKey) {
        Set-Content (Join-Path $dir 'trusted_user_ca_keys') $TrustedUserCaKey
        $config += "TrustedUserCAKeys $dir/trusted_user_ca_keys"
    }
    $config += $ExtraConfig
    Set-Content (Join-Path $dir 'sshd_config') $config
    $knownHosts = Join-Path $dir 'known_hosts'
    Set-Content $knownHosts "[127.0.0.1]:$port $((Get-Content "$hostKey.pub" -Raw).Trim())"
    $process = Start-Process /usr/sbin/sshd -ArgumentList '-D', '-e', '-f', "$dir/sshd_config" -PassThru -RedirectStandardError "$dir/sshd.log" -RedirectStandardOutput "$dir/sshd.out"
    $deadline = (Get-Date).AddSeconds(20)
    while ($true) {
        if ($process.HasExited) { throw "sshd exited: $(Get-Content "$dir/sshd.log" -Raw)" }
        $client = [System.Net.Sockets.TcpClient]::new()
        try { $client.Connect('127.0.0.1', $port); break } catch { if ((Get-Date) -gt $deadline) { throw "sshd did not listen on $port" }; Start-Sleep -Milliseconds 50 } finally { $client.Dispose() }
    }
    [pscustomobject]@{
        Process     = $process
        Port        = $port
        Dir         = $dir
        KnownHosts  = $knownHosts
        # What a strict client of this server passes: its known_hosts only, none of the machine's ssh config.
        SshOption   = @{ UserKnownHostsFile = $knownHosts; GlobalKnownHostsFile = '/dev/null'; BatchMode = 'yes'; ConnectTimeout = '10' }
    }
}

function Stop-Peer($Peer) {
    if ($Peer -and $Peer.Process -and -not $Peer.Process.HasExited) {
        Stop-Process -Id $Peer.Process.Id -Force -ErrorAction SilentlyContinue
        $Peer.Process.WaitForExit(5000) | Out-Null
    }
    if ($Peer -and $Peer.PSObject.Properties['Dir'] -and (Test-Path $Peer.Dir)) { Remove-Item $Peer.Dir -Recurse -Force -ErrorAction SilentlyContinue }
}
