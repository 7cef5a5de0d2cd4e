# Loads the build that fits this edition: net8.0 for PowerShell 7.4+, netstandard2.0 for Windows PowerShell 5.1.
$framework = if ($PSVersionTable.PSEdition -eq 'Core') { 'net8.0' } else { 'netstandard2.0' }
$assembly = Join-Path $PSScriptRoot "lib/$framework/SshKms.PowerShell.dll"
Import-Module $assembly
