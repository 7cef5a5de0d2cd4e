# Runs documented PowerShell code as a user would: in a fresh `pwsh -NoProfile`, with SshKms imported from the
# packaged module, in a sandbox that stands in for the user's machine. HOME (so ~) and the current folder are a new
# temp folder holding ~/.ssh/id_ed25519 and id_ops (key pairs made by ssh-keygen, as a user has them), SSHKMS_HOME is
# ~/.sshkms in it, and every AWS endpoint points at a closed local port: code that reaches for AWS fails at once
# instead of finding real credentials. With -WithCertificate the user also has a local CA, local:dev-ca, and a
# certificate from it, ~/.ssh/id_ed25519-cert.pub (principal ops), made by the module before the code runs.
# Dot-sourced by Help.Tests.ps1 and ReadmeExamples.Tests.ps1.

. (Join-Path $PSScriptRoot 'TestSupport.ps1')

function New-ExampleSandbox {
    $sandbox = Join-Path ([IO.Path]::GetTempPath()) ('sshkms-example-' + [Guid]::NewGuid().ToString('N').Substring(0, 8))
    $ssh = New-Item -ItemType Directory -Path (Join-Path $sandbox '.ssh') -Force
    foreach ($name in 'id_ed25519', 'id_ops') {
        & ssh-keygen -q -t ed25519 -N '' -C "$name@sandbox" -f (Join-Path $ssh $name)
        if ($LASTEXITCODE -ne 0) { throw "ssh-keygen failed for $name" }
    }
    $sandbox
}

function Invoke-ExampleCode {
    <#
    Runs $Code in a new pwsh in $Sandbox after Import-Module $ModulePath (unless $NoImport: the code imports it
    itself) and, with $WithCertificate, after making local:dev-ca and ~/.ssh/id_ed25519-cert.pub. Stops at the first error, non-terminating ones and failing native commands included. Returns the
    exit code and everything the code printed.
    #>
    param(
        [Parameter(Mandatory)] [string] $Code,
        [Parameter(Mandatory)] [string] $Sandbox,
        [Parameter(Mandatory)] [string] $ModulePath,
        [switch] $NoImport,
        [switch] $WithCertificate
    )
    $import = if ($NoImport) { '' } else { "Import-Module '$((Resolve-Path $ModulePath).Path)'" }
    if ($WithCertificate) {
        $import += "`nNew-SshKmsCaKey -CaKey local:dev-ca | Out-Null" +
            "`nNew-SshKmsCertificate -CaKey local:dev-ca -PublicKeyPath ~/.ssh/id_ed25519.pub -Principal ops | Out-Null"
    }
    $script = Join-Path $Sandbox ('example-' + [Guid]::NewGuid().ToString('N').Substring(0, 8) + '.ps1')
    Set-Content -Path $script -Encoding utf8 -Value @"
`$ErrorActionPreference = 'Stop'
`$PSNativeCommandUseErrorActionPreference = `$true
$import
$Code
"@
    $saved = @{}
    $environment = @{
        HOME                      = $Sandbox
        SSHKMS_HOME               = Join-Path $Sandbox '.sshkms'
        SSHKMS_CA                 = $null
        AWS_ENDPOINT_URL          = 'http://127.0.0.1:9'
        AWS_EC2_METADATA_DISABLED = 'true'
        AWS_ACCESS_KEY_ID         = $null
        AWS_SECRET_ACCESS_KEY     = $null
        AWS_PROFILE               = $null
    }
    foreach ($name in $environment.Keys) {
        $saved[$name] = [Environment]::GetEnvironmentVariable($name)
        Set-TestEnvironmentVariable $name $environment[$name]
    }
    Push-Location $Sandbox
    try {
        # This pwsh again; started as `dotnet pwsh.dll` (the dotnet tool), it is that again.
        $pwsh = @([Environment]::ProcessPath)
        if ((Split-Path $pwsh[0] -Leaf) -like 'dotnet*') { $pwsh += Join-Path $PSHOME 'pwsh.dll' }
        $output = & $pwsh[0] @($pwsh | Select-Object -Skip 1) -NoProfile -NonInteractive -File $script 2>&1 | Out-String
        [pscustomobject]@{ ExitCode = $LASTEXITCODE; Output = $output }
    } finally {
        Pop-Location
        foreach ($name in $saved.Keys) { Set-TestEnvironmentVariable $name $saved[$name] }
        Remove-Item $script -Force -ErrorAction SilentlyContinue
    }
}

function Get-ReadmePowerShellLine {
    <#
    The statements of the README's ```powershell blocks, in order, comments and blank lines left out (a line that
    ends in | ` { ( goes on on the next). Each with its Index, its Text, and the Reason it is not run here: the
    first $NotRunHere pattern it matches, else none.
    #>
    param([Parameter(Mandatory)] [string] $Readme, [Parameter(Mandatory)] [System.Collections.IDictionary] $NotRunHere)
    $index = 0
    foreach ($block in [regex]::Matches((Get-Content -Raw $Readme), '(?ms)^```powershell\r?\n(.*?)^```')) {
        $statement = ''
        foreach ($line in $block.Groups[1].Value -split '\r?\n') {
            if (-not $line.Trim() -or $line.Trim().StartsWith('#')) { continue }
            $statement += $line
            if ($line.TrimEnd() -match '[|`{(]$') { $statement += "`n"; continue }
            $reason = $NotRunHere.Keys | Where-Object { $statement -match $_ } | ForEach-Object { $NotRunHere[$_] } | Select-Object -First 1
            @{ Index = $index++; Text = $statement; Reason = $reason }
            $statement = ''
        }
    }
}
