# Loads the build that fits this PowerShell: net8.0 on PowerShell 7.4+ (.NET 8 or later), netstandard2.0 on
# Windows PowerShell 5.1, and netstandard2.0 on PowerShell 7 too when a layout ships only that build.
# Each build keeps its engine and dependencies in lib/<framework>/Dependencies, which the cmdlet assembly loads
# apart from other modules' copies (src/SshKms.PowerShell/ModuleDependencies.cs).
$framework = 'netstandard2.0'
$net8 = Join-Path $PSScriptRoot 'lib/net8.0/SshKms.PowerShell.dll'
if ($PSVersionTable.PSEdition -eq 'Core' -and [Environment]::Version.Major -ge 8 -and (Test-Path -LiteralPath $net8)) {
    $framework = 'net8.0'
}
$cmdlets = Join-Path $PSScriptRoot "lib/$framework/SshKms.PowerShell.dll"

# Import-Module lists the cmdlet types before it runs the assembly's initializer, and listing a cmdlet with an
# engine-typed parameter loads the engine: the resolver must be in place first.
[System.Reflection.Assembly]::LoadFrom($cmdlets) | Out-Null
[SshKms.PowerShell.ModuleDependencies]::Register()
Import-Module $cmdlets
