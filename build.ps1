<#
.SYNOPSIS
Builds SshKms, runs the tests, packages the module folder out/SshKms/, compiles the docs to MAML where platyPS
exists, and runs the Pester tests where Pester exists.

.EXAMPLE
./build.ps1                 # everything
./build.ps1 -SkipTests      # build and package only
#>
[CmdletBinding()]
param(
    [string] $Configuration = 'Release',
    [switch] $SkipTests,
    [string] $OutDir = (Join-Path $PSScriptRoot 'out')
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

function Invoke-Step([string] $Name, [scriptblock] $Action) {
    Write-Host "==> $Name"
    & $Action
    if ($LASTEXITCODE -and $LASTEXITCODE -ne 0) { throw "$Name failed with exit code $LASTEXITCODE" }
}

Invoke-Step 'dotnet build' { dotnet build (Join-Path $PSScriptRoot 'SshKms.sln') -c $Configuration }

if (-not $SkipTests) {
    Invoke-Step 'dotnet test' { dotnet test (Join-Path $PSScriptRoot 'tests/Unit') -c $Configuration --no-build }
}

# The module folder: manifest and loader at the top, one build per edition below lib/ with its dependencies.
$module = Join-Path $OutDir 'SshKms'
if (Test-Path $module) { Remove-Item $module -Recurse -Force }
New-Item -ItemType Directory -Path $module | Out-Null
Copy-Item (Join-Path $PSScriptRoot 'SshKms.psd1'), (Join-Path $PSScriptRoot 'SshKms.psm1') $module
Copy-Item (Join-Path $PSScriptRoot 'SshKms.format.ps1xml'), (Join-Path $PSScriptRoot 'SshKms.types.ps1xml') $module
foreach ($framework in 'net8.0', 'netstandard2.0') {
    $target = Join-Path $module "lib/$framework"
    Invoke-Step "dotnet publish ($framework)" {
        dotnet publish (Join-Path $PSScriptRoot 'src/SshKms.PowerShell/SshKms.PowerShell.csproj') -c $Configuration -f $framework -o $target --no-build
    }
    # PowerShell itself provides System.Management.Automation; shipping a reference stub would break the load.
    Get-ChildItem $target -Filter 'System.Management.Automation.dll' | Remove-Item -Force
}

if (Get-Module -ListAvailable -Name platyPS) {
    Import-Module platyPS
    $help = Join-Path $module 'en-US'
    Invoke-Step 'New-ExternalHelp' { New-ExternalHelp -Path (Join-Path $PSScriptRoot 'docs/cmdlets') -OutputPath $help -Force | Out-Null }
} else {
    Write-Warning 'platyPS is not installed: docs/cmdlets is not compiled to MAML help.'
}

if (-not $SkipTests) {
    if (Get-Module -ListAvailable -Name Pester) {
        Import-Module Pester
        $env:SSHKMS_MODULE_PATH = $module
        $result = Invoke-Pester -Path (Join-Path $PSScriptRoot 'tests/Pester') -PassThru
        if ($result.FailedCount -gt 0) { throw "$($result.FailedCount) Pester test(s) failed" }
    } else {
        Write-Warning 'Pester is not installed: tests/Pester was not run.'
    }
}

Write-Host "Module: $module"
