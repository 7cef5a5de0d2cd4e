<#
.SYNOPSIS
Import-Module SshKms, and the first local: certificate after it, in a new pwsh each round, side by side with
Import-Module Microsoft.PowerShell.PSResourceGet (the module PowerShell 7.6 ships) in a new pwsh, in the same run.
Prints each round, the medians, and the ratios to PSResourceGet's import.

.EXAMPLE
pwsh -NoProfile -File bench/ModuleImport/ModuleImport.ps1                 # out/SshKms, 9 rounds
pwsh -NoProfile -File bench/ModuleImport/ModuleImport.ps1 -Rounds 15 -ModulePath /tmp/SshKms
#>
param(
    [string] $ModulePath = (Join-Path $PSScriptRoot '../../out/SshKms'),
    [int] $Rounds = 9
)

$ErrorActionPreference = 'Stop'
$ModulePath = (Resolve-Path $ModulePath).Path
# This PowerShell's executable (a pwsh installed as a dotnet tool runs as `dotnet pwsh.dll`: not the process path).
$shell = Join-Path $PSHOME $(if ($IsWindows) { 'pwsh.exe' } else { 'pwsh' })
$work = Join-Path ([IO.Path]::GetTempPath()) ('sshkms-bench-import-' + [Guid]::NewGuid().ToString('N').Substring(0, 8))
New-Item -ItemType Directory -Path $work | Out-Null

function Invoke-Child([string] $Script) {
    $file = Join-Path $work ([Guid]::NewGuid().ToString('N') + '.ps1')
    Set-Content $file $Script
    $line = & $shell -NoProfile -NonInteractive -File $file | Select-Object -Last 1
    Remove-Item $file
    return $line
}

try {
    $env:SSHKMS_HOME = Join-Path $work 'home'
    $key = Join-Path $work 'id_ed25519'
    ssh-keygen -q -t ed25519 -N '' -f $key
    # The CA exists before the rounds: they time the first certificate of a session, not the CA's creation.
    Invoke-Child "Import-Module '$ModulePath'; New-SshKmsCaKey -CaKey local:bench | Out-Null" | Out-Null

    $sshkms = @"
`$sw = [Diagnostics.Stopwatch]::StartNew()
Import-Module '$ModulePath'
`$import = `$sw.Elapsed.TotalMilliseconds
`$sw.Restart()
New-SshKmsCertificate -CaKey local:bench -PublicKeyPath '$key.pub' -Principal bench -OutFile (Join-Path '$work' ([Guid]::NewGuid().ToString('N') + '-cert.pub')) | Out-Null
`$certificate = `$sw.Elapsed.TotalMilliseconds
"`$import `$certificate"
"@
    $psResourceGet = @'
$sw = [Diagnostics.Stopwatch]::StartNew()
Import-Module Microsoft.PowerShell.PSResourceGet
"$($sw.Elapsed.TotalMilliseconds)"
'@

    $rows = foreach ($round in 1..$Rounds) {
        # Alternate which goes first, so neither always meets a warmer disk cache.
        if ($round % 2) { $reference = Invoke-Child $psResourceGet; $ours = Invoke-Child $sshkms }
        else { $ours = Invoke-Child $sshkms; $reference = Invoke-Child $psResourceGet }
        $import, $certificate = $ours -split ' ' | ForEach-Object { [double] $_ }
        $row = [pscustomobject]@{
            Round = $round
            'SshKms import (ms)' = [math]::Round($import, 1)
            'first local: cert (ms)' = [math]::Round($certificate, 1)
            'PSResourceGet import (ms)' = [math]::Round([double] $reference, 1)
        }
        $row
    }
    $rows | Format-Table -AutoSize | Out-String | Write-Host

    function Get-Median([double[]] $values) {
        $sorted = $values | Sort-Object
        $middle = [int][math]::Floor($sorted.Count / 2)
        if ($sorted.Count % 2) { return $sorted[$middle] }
        return ($sorted[$middle - 1] + $sorted[$middle]) / 2
    }
    $importMedian = Get-Median $rows.'SshKms import (ms)'
    $certificateMedian = Get-Median $rows.'first local: cert (ms)'
    $referenceMedian = Get-Median $rows.'PSResourceGet import (ms)'
    Write-Host ("medians over {0} rounds: Import-Module SshKms {1:N1} ms, first local: certificate {2:N1} ms, Import-Module Microsoft.PowerShell.PSResourceGet {3:N1} ms" -f $Rounds, $importMedian, $certificateMedian, $referenceMedian)
    Write-Host ("ratio SshKms import / PSResourceGet import: {0:N2}x" -f ($importMedian / $referenceMedian))
    Write-Host ("ratio (SshKms import + first local: certificate) / PSResourceGet import: {0:N2}x" -f (($importMedian + $certificateMedian) / $referenceMedian))
} finally {
    Remove-Item $work -Recurse -Force -ErrorAction SilentlyContinue
}
