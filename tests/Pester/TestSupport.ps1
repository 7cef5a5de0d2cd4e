# Shared by the *.Tests.ps1 files that need a fresh PowerShell or a moto_server. Dot-source it in BeforeAll.

# The packaged module under test: scripts/pester.ps1 (and so build.ps1, scripts/test.sh) sets SSHKMS_MODULE_PATH.
function Get-TestModulePath {
    if ($env:SSHKMS_MODULE_PATH) { return $env:SSHKMS_MODULE_PATH }
    return (Join-Path $PSScriptRoot '../../out/SshKms')
}

# The build the module loads in this PowerShell, as SshKms.psm1 decides it: net8.0, or netstandard2.0 where the
# layout has no net8.0 build (scripts/test.sh runs the suite a second time on such a copy).
function Get-TestModuleBuild {
    if ($PSVersionTable.PSEdition -eq 'Core' -and (Test-Path (Join-Path (Get-TestModulePath) 'lib/net8.0/SshKms.PowerShell.dll'))) { return 'net8.0' }
    return 'netstandard2.0'
}

function New-TestFolder([string] $Prefix = 'sshkms-pester') {
    $path = Join-Path ([IO.Path]::GetTempPath()) ("$Prefix-" + [Guid]::NewGuid().ToString('N').Substring(0, 10))
    New-Item -ItemType Directory -Path $path | Out-Null
    return $path
}

# This PowerShell's own executable. Not the process path: a pwsh installed as a dotnet tool runs as `dotnet pwsh.dll`.
function Get-TestShell {
    if ($PSVersionTable.PSEdition -eq 'Desktop') { return (Join-Path $PSHOME 'powershell.exe') }
    foreach ($name in 'pwsh', 'pwsh.exe') {
        $candidate = Join-Path $PSHOME $name
        if (Test-Path $candidate -PathType Leaf) { return $candidate }
    }
    throw "No pwsh executable in $PSHOME"
}

# Sets an environment variable for the child processes started next; $null or '' removes it. (Passing $null to
# [Environment]::SetEnvironmentVariable from PowerShell sets an empty value instead: PowerShell turns it into ''.)
function Set-TestEnvironmentVariable([string] $Name, $Value) {
    if ($null -eq $Value -or $Value -eq '') { Remove-Item "Env:$Name" -ErrorAction SilentlyContinue } else { Set-Item "Env:$Name" $Value }
}

# Runs a script in a new `pwsh -NoProfile` (this same executable) with extra environment variables, and returns its
# output lines. With -Json, the last output line that is a JSON object, parsed.
function Invoke-FreshPowerShell {
    param(
        [Parameter(Mandatory)] [string] $Script,
        [hashtable] $Environment = @{},
        [switch] $Json
    )
    $file = Join-Path ([IO.Path]::GetTempPath()) ("sshkms-child-" + [Guid]::NewGuid().ToString('N') + '.ps1')
    Set-Content -Path $file -Value $Script -Encoding utf8
    $saved = @{}
    foreach ($name in $Environment.Keys) {
        $saved[$name] = [Environment]::GetEnvironmentVariable($name)
        Set-TestEnvironmentVariable $name $Environment[$name]
    }
    try {
        $output = @(& (Get-TestShell) -NoProfile -NonInteractive -File $file 2>&1 | ForEach-Object { "$_" })
    } finally {
        foreach ($name in $saved.Keys) { Set-TestEnvironmentVariable $name $saved[$name] }
        Remove-Item $file -Force -ErrorAction SilentlyContinue
    }
    if (-not $Json) { return $output }
    $line = $output | Where-Object { $_ -like '{*}' } | Select-Object -Last 1
    if (-not $line) { throw "The child PowerShell printed no JSON report:`n$($output -join "`n")" }
    return ($line | ConvertFrom-Json)
}

# A moto_server on a free 127.0.0.1 port. Stop it with Stop-TestMoto.
function Start-TestMoto {
    $listener = [Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, 0)
    $listener.Start()
    $port = $listener.LocalEndpoint.Port
    $listener.Stop()
    $log = New-TestFolder 'sshkms-moto'
    $process = Start-Process -FilePath 'moto_server' -ArgumentList '-H', '127.0.0.1', '-p', $port -PassThru `
        -RedirectStandardOutput (Join-Path $log 'out.log') -RedirectStandardError (Join-Path $log 'err.log')
    $url = "http://127.0.0.1:$port"
    $deadline = [DateTime]::UtcNow.AddSeconds(60)
    while ($true) {
        try {
            Invoke-WebRequest "$url/moto-api/" -UseBasicParsing -TimeoutSec 2 | Out-Null
            break
        } catch {
            if ($process.HasExited -or [DateTime]::UtcNow -gt $deadline) {
                throw "moto_server did not start on $url`: $(Get-Content (Join-Path $log 'err.log') -Raw)"
            }
            Start-Sleep -Milliseconds 250
        }
    }
    [pscustomobject]@{ Process = $process; Url = $url; LogFolder = $log }
}

function Stop-TestMoto($Moto) {
    if (-not $Moto) { return }
    if (-not $Moto.Process.HasExited) { Stop-Process -Id $Moto.Process.Id -Force -ErrorAction SilentlyContinue }
    Remove-Item $Moto.LogFolder -Recurse -Force -ErrorAction SilentlyContinue
}
