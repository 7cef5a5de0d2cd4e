# SshKms beside AWS.Tools: AWS.Tools 4 loads AWSSDK.Core 3.7 (assembly version 3.3.0.0), SshKms needs 4.x. Each case
# runs in a fresh `pwsh -NoProfile`, because a load context, once filled, cannot be emptied.
# AWSSDK.Core 3.7.402 comes from the NuGet cache (tests/Pester/PesterDeps.proj restores it; scripts/test.sh does).

BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    $build = Get-TestModuleBuild
    # The netstandard2.0 build is Windows PowerShell 5.1's. Run in pwsh, it has no load context of its own (that
    # API is .NET Core's), so two versions of a strong-named assembly cannot sit side by side as they do on .NET
    # Framework: there the first AWSSDK.Core wins, and the other one's user gets AssemblyConflict.
    $sharedContext = $build -eq 'netstandard2.0' -and $PSVersionTable.PSEdition -eq 'Core'
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    $modulePath = Get-TestModulePath
    $build = Get-TestModuleBuild
    $nugetCache = if ($env:NUGET_PACKAGES) { $env:NUGET_PACKAGES } else { Join-Path $HOME '.nuget/packages' }
    $aws37Package = Join-Path $nugetCache 'awssdk.core/3.7.402/lib'
    $aws37 = @('net8.0', 'netstandard2.0') | ForEach-Object { Join-Path $aws37Package "$_/AWSSDK.Core.dll" } | Where-Object { Test-Path $_ } | Select-Object -First 1
    if (-not $aws37) { throw "AWSSDK.Core 3.7.402 is not in ${aws37Package}: dotnet restore tests/Pester/PesterDeps.proj" }
    $moto = Start-TestMoto
    $work = New-TestFolder 'sshkms-isolation'

    # What every child reports: its build, the certificate or the error, what 3.7 answered, and who holds what.
    $reportTail = @'
function Get-LoadedNames($assemblies) {
    @($assemblies | Where-Object { $_ } | ForEach-Object { $_.GetName() } | Where-Object Name -match '^(SshKms|AWSSDK|BouncyCastle)' |
        ForEach-Object { "$($_.Name) $($_.Version)" } | Sort-Object)
}
if ('System.Runtime.Loader.AssemblyLoadContext' -as [type]) {
    $report.DefaultContext = Get-LoadedNames ([System.Runtime.Loader.AssemblyLoadContext]::Default.Assemblies)
    $report.SshKmsContext = Get-LoadedNames (@([System.Runtime.Loader.AssemblyLoadContext]::All | Where-Object Name -eq 'SshKms').Assemblies)
}
$report.Locations = @([AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -match '^(SshKms\.Core|AWSSDK|BouncyCastle)' -and $_.GetName().Version.Major -ne 3 } | ForEach-Object Location)
$report | ConvertTo-Json -Compress -Depth 4
'@
    $issueCertificate = @'
try {
    New-SshKmsCaKey -CaKey "awskms:$env:TEST_CA_ALIAS" -EndpointUrl $env:TEST_MOTO_URL -ErrorAction Stop | Out-Null
    $cert = New-SshKmsCertificate -CaKey "awskms:$env:TEST_CA_ALIAS" -PublicKeyPath "$key.pub" -Principal ops -EndpointUrl $env:TEST_MOTO_URL -ErrorAction Stop
    $report.Certificate = $cert.ToString()
    $report.CertificateText = (ssh-keygen -L -f "$key-cert.pub") -join "`n"
    $report.CaPublicKey = Get-SshKmsCaPublicKey -CaKey "awskms:$env:TEST_CA_ALIAS" -EndpointUrl $env:TEST_MOTO_URL
} catch {
    $report.ErrorId = $_.FullyQualifiedErrorId
    $report.ErrorMessage = $_.Exception.Message
    $report.ExceptionType = $_.Exception.GetType().FullName
}
'@
    $useAws37 = @'
$credentials = [Amazon.Runtime.BasicAWSCredentials]::new('AKIDPESTER37', 'pester-secret').GetCredentials()
$report.Aws37AccessKey = $credentials.AccessKey
$report.Aws37Version = [Amazon.Runtime.BasicAWSCredentials].Assembly.GetName().Version.ToString()
$report.Aws37Region = [Amazon.RegionEndpoint]::GetBySystemName('eu-west-1').DisplayName
'@
    $setup = @'
$ErrorActionPreference = 'Stop'
$report = [ordered]@{}
$key = Join-Path $env:SSHKMS_HOME 'id_ed25519'
ssh-keygen -q -t ed25519 -N '' -f $key
'@

    function Invoke-IsolationCase([string] $Body) {
        $sshkmsHome = New-TestFolder 'sshkms-isolation-home'
        try {
            Invoke-FreshPowerShell -Json -Script ($setup + "`n" + $Body + "`n" + $reportTail) -Environment @{
                SSHKMS_HOME = $sshkmsHome
                SSHKMS_MODULE_PATH = $modulePath
                TEST_AWS37 = $aws37
                TEST_MOTO_URL = $moto.Url
                TEST_CA_ALIAS = 'alias/pester-isolation-' + [Guid]::NewGuid().ToString('N').Substring(0, 8)
                AWS_ACCESS_KEY_ID = 'test'
                AWS_SECRET_ACCESS_KEY = 'test'
                AWS_REGION = 'us-east-1'
                AWS_PROFILE = $null
                AWS_EC2_METADATA_DISABLED = 'true'
            }
        } finally {
            Remove-Item $sshkmsHome -Recurse -Force -ErrorAction SilentlyContinue
        }
    }
}

AfterAll {
    Stop-TestMoto $moto
    if ($work) { Remove-Item $work -Recurse -Force -ErrorAction SilentlyContinue }
}

Describe 'SshKms beside AWS.Tools'' AWSSDK.Core 3.7' {
    It '<Name>' -Skip:$sharedContext -ForEach @(
        @{ Name = 'AWSSDK.Core 3.7 loaded first: Import-Module SshKms issues an awskms: certificate, and 3.7 keeps working'; Aws37First = $true }
        @{ Name = 'an SshKms AWS call first: AWSSDK.Core 3.7 still loads afterwards, and works'; Aws37First = $false }
    ) {
        $load37 = 'Add-Type -Path $env:TEST_AWS37'
        $import = 'Import-Module $env:SSHKMS_MODULE_PATH'
        $steps = if ($Aws37First) { $load37, $import, $issueCertificate } else { $import, $issueCertificate, $load37 }
        $report = Invoke-IsolationCase (($steps + $useAws37) -join "`n")
        $report.ErrorMessage | Should -BeNullOrEmpty
        $report.Certificate | Should -Match '^ssh-ed25519-cert-v01@openssh\.com '
        $report.CertificateText | Should -Match 'Principals: \s+ops'
        $report.CertificateText | Should -Match ([regex]::Escape(($report.CaPublicKey -split ' ')[0]))
        $report.Aws37Version | Should -BeLike '3.*'
        $report.Aws37AccessKey | Should -Be 'AKIDPESTER37'
        $report.Aws37Region | Should -Be 'Europe (Ireland)'
        if ($build -eq 'net8.0') {
            $report.DefaultContext -replace ' .*' | Should -Be @('AWSSDK.Core', 'SshKms.PowerShell')
            $report.DefaultContext | Should -Contain 'AWSSDK.Core 3.3.0.0'
            $report.SshKmsContext -replace ' .*' | Should -Contain 'SshKms.Core'
            @($report.SshKmsContext | Where-Object { $_ -like 'AWSSDK.Core 4.*' }).Count | Should -Be 1
        }
    }

    It 'the netstandard2.0 build in pwsh, AWSSDK.Core 3.7 loaded first: an ErrorRecord AssemblyConflict naming AWSSDK.Core, never a raw FileLoadException' -Skip:(-not $sharedContext) {
        $report = Invoke-IsolationCase (@'
Add-Type -Path $env:TEST_AWS37
Import-Module $env:SSHKMS_MODULE_PATH
'@ + "`n" + $issueCertificate)
        $report.Certificate | Should -BeNullOrEmpty
        $report.ErrorId | Should -BeLike 'AssemblyConflict,*'
        $report.ErrorMessage | Should -Match 'AWSSDK\.Core'
        $report.ErrorMessage | Should -Match '3\.3\.0\.0'
        $report.ExceptionType | Should -Not -Be 'System.IO.FileLoadException'
    }
}

Describe 'Where SshKms loads its assemblies' {
    It 'the engine and its dependencies load from the Dependencies folder; with net8.0, the default load context holds SshKms.PowerShell only' {
        $report = Invoke-IsolationCase @'
Import-Module $env:SSHKMS_MODULE_PATH
if ('System.Runtime.Loader.AssemblyLoadContext' -as [type]) {
    $report.AfterImport = @([System.Runtime.Loader.AssemblyLoadContext]::Default.Assemblies | ForEach-Object { $_.GetName().Name } | Where-Object { $_ -match '^(SshKms|AWSSDK|BouncyCastle)' })
}
New-SshKmsCaKey -CaKey local:isolation | Out-Null
$report.Certificate = (New-SshKmsCertificate -CaKey local:isolation -PublicKeyPath "$key.pub" -Principal ops).ToString()
New-SshKmsCaKey -CaKey "awskms:$env:TEST_CA_ALIAS" -EndpointUrl $env:TEST_MOTO_URL | Out-Null
'@
        $report.Certificate | Should -Match '^ssh-ed25519-cert-v01@openssh\.com '
        $report.Locations | Should -Not -BeNullOrEmpty
        foreach ($location in $report.Locations) {
            $location | Should -BeLike ([IO.Path]::Combine((Resolve-Path $modulePath).Path, 'lib', $build, 'Dependencies', '*'))
        }
        if ($build -eq 'net8.0') {
            $report.AfterImport | Should -Be @('SshKms.PowerShell')
            $report.DefaultContext -replace ' .*' | Should -Be @('SshKms.PowerShell')
            $report.SshKmsContext -replace ' .*' | Should -Contain 'SshKms.Core'
            $report.SshKmsContext -replace ' .*' | Should -Contain 'AWSSDK.Core'
        }
    }

    It 'no cmdlet parameter or output type comes from AWSSDK or BouncyCastle' {
        $report = Invoke-IsolationCase @'
Import-Module $env:SSHKMS_MODULE_PATH
function Get-Leaves([type] $type) {
    if ($type.HasElementType) { return Get-Leaves $type.GetElementType() }
    $type
    if ($type.IsGenericType) { foreach ($argument in $type.GetGenericArguments()) { Get-Leaves $argument } }
}
$report.Checked = 0
$report.Exposed = @(foreach ($command in Get-Command -Module SshKms -CommandType Cmdlet) {
    $types = @($command.Parameters.Values.ParameterType) + @($command.OutputType.Type | Where-Object { $_ })
    foreach ($type in $types | ForEach-Object { Get-Leaves $_ }) {
        $report.Checked++
        if ($type.Assembly.GetName().Name -match '^(AWSSDK|BouncyCastle)') { "$($command.Name): $($type.FullName)" }
    }
})
'@
        $report.Checked | Should -BeGreaterThan 50
        $report.Exposed | Should -BeNullOrEmpty
    }
}
