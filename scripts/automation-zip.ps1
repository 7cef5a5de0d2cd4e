<#
.SYNOPSIS
Zips a packaged module folder the way Azure Automation imports modules: the zip, its one top folder and the
manifest carry the same name (SshKms.zip > SshKms/SshKms.psd1, SshKms/lib/...).

.EXAMPLE
./scripts/automation-zip.ps1 -ModulePath out/SshKms -Destination out
#>
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $Destination
)

$ErrorActionPreference = 'Stop'
$folder = (Resolve-Path $ModulePath).Path.TrimEnd('/', '\')
$name = Split-Path $folder -Leaf
if (-not (Test-Path (Join-Path $folder "$name.psd1"))) { throw "$folder has no $name.psd1: Azure Automation needs folder and manifest names to match." }
$zip = Join-Path $Destination "$name.zip"
if (Test-Path $zip) { Remove-Item $zip -Force }
Add-Type -AssemblyName System.IO.Compression.FileSystem
# includeBaseDirectory: the module folder is the zip's one top-level entry; entry names use '/' on every platform.
[IO.Compression.ZipFile]::CreateFromDirectory($folder, $zip, [IO.Compression.CompressionLevel]::Optimal, $true)
$zip
