<#
.SYNOPSIS
Runs tests/Pester against a packaged module folder in a PowerShell process of its own, writes the results outside
the work tree, prints "Pester: N passed, N failed" last, and exits non-zero when anything failed.

.EXAMPLE
pwsh -NoProfile -File scripts/pester.ps1 -ModulePath out/SshKms
#>
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    # Names the run in the results file: two runs (net8.0, netstandard2.0) must not overwrite each other.
    [string] $Label = 'module',
    # Pester.psd1 5.x; by default the one on PSModulePath, else the one scripts/test.sh restores into the NuGet cache.
    [string] $PesterPath = $env:SSHKMS_PESTER_PATH,
    [string] $ResultsDir = $(if ($env:SSHKMS_TEST_RESULTS) { $env:SSHKMS_TEST_RESULTS } else { Join-Path ([IO.Path]::GetTempPath()) 'sshkms-test-results' })
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
New-Item -ItemType Directory -Path $ResultsDir -Force | Out-Null

$config = New-PesterConfiguration
$config.Run.Path = Join-Path $PSScriptRoot '../tests/Pester'
$config.Run.PassThru = $true
$config.Output.Verbosity = 'Detailed'
$config.TestResult.Enabled = $true
$config.TestResult.OutputFormat = 'NUnitXml'
$config.TestResult.OutputPath = Join-Path $ResultsDir "pester-$Label.xml"
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
Write-Host "Results: $($config.TestResult.OutputPath.Value)"
Write-Host "Pester: $($result.PassedCount) passed, $($result.FailedCount) failed"
if ($result.FailedCount -gt 0 -or $brokenBlocks -gt 0) { exit 1 }
exit 0
