<#
.SYNOPSIS
Runs tests/Pester against a packaged module folder in a PowerShell process of its own, writes nothing to the
work tree, prints "Pester: N passed, N failed" last, and exits non-zero when anything failed.

.EXAMPLE
pwsh -NoProfile -File scripts/pester.ps1 -ModulePath out/SshKms
#>
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    # Names the run in its output: net8.0, netstandard2.0.
    [string] $Label = 'module',
    # Tags to leave out of a run, said in the output (none by default; both builds run every test).
    [string[]] $ExcludeTag = @(),
    # Pester.psd1 5.x; by default the one on PSModulePath, else the one scripts/test.sh restores into the NuGet cache.
    [string] $PesterPath = $env:SSHKMS_PESTER_PATH
)

$ErrorActionPreference = 'Stop'

if (-not $PesterPath) {
    $installed = Get-Module -ListAvailable -Name Pester | Where-Object Version -ge ([version] '5.0') | Sort-Object Version -Descending | Select-Object -First 1
    if ($installed) {
        $PesterPath = $installed.Path
    } else {
        $nugetCache = if ($env:NUGET_PACKAGES) { $env:NUGET_PACKAGES } else { Join-Path $HOME '.nuget/packages' }
        $PesterPath = Join-Path $nugetCache 'pester/5.7.1/tools/Pester.psd1'
    }
}
if (-not (Test-Path $PesterPath)) {
    Write-Host "Pester 5 not found at ${PesterPath}: restore it with 'dotnet restore tests/Pester/PesterDeps.proj' (scripts/test.sh does)."
    exit 2
}
Import-Module $PesterPath -MinimumVersion 5.0

$env:SSHKMS_MODULE_PATH = (Resolve-Path $ModulePath).Path

$config = New-PesterConfiguration
$config.Run.Path = Join-Path $PSScriptRoot '../tests/Pester'
$config.Run.PassThru = $true
if ($ExcludeTag) {
    $config.Filter.ExcludeTag = $ExcludeTag
    Write-Host "Pester ($Label): tests tagged $($ExcludeTag -join ', ') are left out of this run"
}
$config.Output.Verbosity = 'Detailed'
# The NUnit writer refuses the ANSI escapes a child pwsh's error text may carry; results are the console's.
$config.TestResult.Enabled = $false
# Plain text: error messages carry no ANSI escapes, which the NUnit XML writer cannot store.
$PSStyle.OutputRendering = 'PlainText'
$result = Invoke-Pester -Configuration $config
if (-not $result) {
    # Pester failed outside any test (its result writer, a plugin): nothing was counted, so nothing passed.
    Write-Host "Pester: 0 passed, 1 failed (Invoke-Pester returned no result)"
    exit 1
}

$brokenBlocks = $result.FailedBlocksCount + $result.FailedContainersCount
if ($brokenBlocks -gt 0) { Write-Host "Pester: $brokenBlocks block(s) or file(s) failed before their tests ran" }
if ($result.SkippedCount -gt 0) { Write-Host "Pester: $($result.SkippedCount) skipped" }
Write-Host "Pester: $($result.PassedCount) passed, $($result.FailedCount) failed"
if ($result.FailedCount -gt 0 -or $brokenBlocks -gt 0) { exit 1 }
exit 0
