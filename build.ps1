<#
.SYNOPSIS
Builds SshKms, runs the xunit tests, packages the module folder out/SshKms/ (with MAML help compiled from
docs/cmdlets), runs the Pester tests against it, and optionally publishes it to a PSResourceGet repository or zips it
for Azure Automation.

.EXAMPLE
./build.ps1                           # build, xunit, package, Pester
./build.ps1 -SkipTests                # build and package only
./build.ps1 -SkipTests -AutomationZip # also out/SshKms.zip for Azure Automation (Modules > Add a module)
./build.ps1 -SkipTests -Publish PSGallery -ApiKey $key
#>
[CmdletBinding()]
param(
    [string] $Configuration = 'Release',
    [switch] $SkipTests,
    [string] $OutDir = (Join-Path $PSScriptRoot 'out'),
    # A PSResourceGet repository name (Register-PSResourceRepository) to publish the packaged module to.
    [string] $Publish,
    [string] $ApiKey,
    [switch] $AutomationZip
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

# ---- Package ----------------------------------------------------------------------------------------------------
# out/SshKms/: manifest, loader and views at the top; per framework, the cmdlet assembly in lib/<framework>/ and the
# engine with everything it depends on in lib/<framework>/Dependencies/, where no default probing finds them: the
# cmdlet assembly loads them apart from other modules' copies (src/SshKms.PowerShell/ModuleDependencies.cs).
$module = Join-Path $OutDir 'SshKms'
if (Test-Path $module) { Remove-Item $module -Recurse -Force }
New-Item -ItemType Directory -Path $module | Out-Null
Copy-Item (Join-Path $PSScriptRoot 'SshKms.psd1'), (Join-Path $PSScriptRoot 'SshKms.psm1') $module
Copy-Item (Join-Path $PSScriptRoot 'SshKms.format.ps1xml'), (Join-Path $PSScriptRoot 'SshKms.types.ps1xml') $module

$publishRoot = Join-Path ([IO.Path]::GetTempPath()) ("sshkms-publish-" + [Guid]::NewGuid().ToString('N'))
try {
    foreach ($framework in 'net8.0', 'netstandard2.0') {
        $published = Join-Path $publishRoot $framework
        Invoke-Step "dotnet publish ($framework)" {
            dotnet publish (Join-Path $PSScriptRoot 'src/SshKms.PowerShell/SshKms.PowerShell.csproj') -c $Configuration -f $framework -o $published --no-build
        }
        $lib = Join-Path $module "lib/$framework"
        $dependencies = Join-Path $lib 'Dependencies'
        New-Item -ItemType Directory -Path $dependencies -Force | Out-Null
        foreach ($file in Get-ChildItem $published -File) {
            switch -Wildcard ($file.Name) {
                # PowerShell itself provides System.Management.Automation; a reference stub would break the load.
                'System.Management.Automation.dll' { continue }
                # Assembly.LoadFrom ignores a deps.json; ours would only mislead.
                '*.deps.json' { continue }
                'SshKms.PowerShell.*' { Move-Item $file.FullName $lib; continue }
                default { Move-Item $file.FullName $dependencies }
            }
        }
    }
} finally {
    Remove-Item $publishRoot -Recurse -Force -ErrorAction SilentlyContinue
}

# HELP STEP: docs/cmdlets (platyPS's markdown schema) compiled to MAML by tools/HelpCompiler (Markdig; platyPS is not
# served here), with the about_SshKms topic. Get-Help looks for both in the culture folder of the module that holds
# the cmdlet: the module folder when the manifest's module exports the cmdlets, lib/<framework> when the assembly
# is imported as a module of its own. So they go to both. The MAML's name follows the cmdlet assembly's file name.
$help = Join-Path $module 'en-US'
$helpFiles = (Join-Path $help 'SshKms.PowerShell.dll-Help.xml'), (Join-Path $help 'about_SshKms.help.txt')
Invoke-Step 'HelpCompiler' {
    dotnet run --project (Join-Path $PSScriptRoot 'tools/HelpCompiler/HelpCompiler.csproj') -c $Configuration -- (Join-Path $PSScriptRoot 'docs/cmdlets') $helpFiles[0]
}
Copy-Item (Join-Path $PSScriptRoot 'docs/about_SshKms.help.txt') $help
foreach ($framework in 'net8.0', 'netstandard2.0') {
    Copy-Item $helpFiles (New-Item -ItemType Directory -Force -Path (Join-Path $module "lib/$framework/en-US"))
}


Write-Host "Module: $module"

# ---- Azure Automation zip ---------------------------------------------------------------------------------------
if ($AutomationZip) {
    $zip = & (Join-Path $PSScriptRoot 'scripts/automation-zip.ps1') -ModulePath $module -Destination $OutDir
    Write-Host "Azure Automation zip: $zip"
}

# ---- Pester -----------------------------------------------------------------------------------------------------
if (-not $SkipTests) {
    # A process of its own: the tests import the module (and this script's StrictMode stays out of them).
    # (Not the process path: a pwsh installed as a dotnet tool runs as `dotnet pwsh.dll`.)
    $shell = if ($PSVersionTable.PSEdition -eq 'Desktop') { Join-Path $PSHOME 'powershell.exe' } else { Join-Path $PSHOME $(if ($IsWindows) { 'pwsh.exe' } else { 'pwsh' }) }
    Invoke-Step 'Pester' { & $shell -NoProfile -File (Join-Path $PSScriptRoot 'scripts/pester.ps1') -ModulePath $module }
}

# ---- Publish ----------------------------------------------------------------------------------------------------
if ($Publish) {
    $publishArgs = @{ Path = $module; Repository = $Publish }
    if ($ApiKey) { $publishArgs.ApiKey = $ApiKey }
    Invoke-Step "Publish-PSResource ($Publish)" { Publish-PSResource @publishArgs }
}
