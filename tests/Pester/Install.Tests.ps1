# Installing SshKms as users do: from a PSResourceGet repository into a module path, then `Import-Module SshKms` by
# name in a new PowerShell; and the zip Azure Automation imports. HOME points at a temp folder in every child, so
# the repository registration and the CurrentUser module path are the test's own, never this machine's.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    $modulePath = (Resolve-Path (Get-TestModulePath)).Path
    $build = Get-TestModuleBuild
    $work = New-TestFolder 'sshkms-install'
    $userHome = Join-Path $work 'home'
    New-Item -ItemType Directory -Path $userHome | Out-Null
    # CurrentUser scope under that HOME, where Install-PSResource puts modules on Linux and macOS.
    $installedModules = Join-Path $userHome '.local/share/powershell/Modules'
    $isolatedUser = @{ HOME = $userHome; XDG_DATA_HOME = $null; XDG_CONFIG_HOME = $null; XDG_CACHE_HOME = $null }

    # In a new pwsh whose HOME is empty (so no user module path adds anything), imports SshKms by name from
    # $ModulePathList, creates a local CA, issues a certificate, and reports.
    function Invoke-ImportByName([string] $ModulePathList) {
        $freshHome = New-TestFolder 'sshkms-install-home'
        try {
            Invoke-FreshPowerShell -Json -Environment @{
                HOME = $freshHome; XDG_DATA_HOME = $null; XDG_CONFIG_HOME = $null; XDG_CACHE_HOME = $null
                PSModulePath = $ModulePathList
                SSHKMS_HOME = Join-Path $freshHome 'sshkms'
            } -Script @'
$ErrorActionPreference = 'Stop'
Import-Module SshKms
New-Item -ItemType Directory -Path $env:SSHKMS_HOME -Force | Out-Null
$key = Join-Path $env:SSHKMS_HOME 'id_ed25519'
ssh-keygen -q -t ed25519 -N '' -f $key
New-SshKmsCaKey -CaKey local:x | Out-Null
$cert = New-SshKmsCertificate -CaKey local:x -PublicKeyPath "$key.pub" -Principal ops
[ordered]@{
    ModuleBase = (Get-Module SshKms).ModuleBase
    Commands = @(Get-Command -Module SshKms).Count
    Certificate = $cert.ToString()
    CertificateText = (ssh-keygen -L -f "$key-cert.pub") -join "`n"
    CaPublicKey = Get-SshKmsCaPublicKey -CaKey local:x
} | ConvertTo-Json -Compress
'@
        } finally {
            Remove-Item $freshHome -Recurse -Force -ErrorAction SilentlyContinue
        }
    }
}

AfterAll {
    if ($work) { Remove-Item $work -Recurse -Force -ErrorAction SilentlyContinue }
}

Describe 'Install from a PSResourceGet repository' {
    It 'Publish-PSResource to a local repository, Install-PSResource, then a new pwsh imports SshKms by name and issues a local: certificate' {
        $repository = Join-Path $work 'repository'
        New-Item -ItemType Directory -Path $repository | Out-Null
        $installed = Invoke-FreshPowerShell -Json -Environment ($isolatedUser + @{ TEST_REPOSITORY = $repository; TEST_MODULE = $modulePath }) -Script @'
$ErrorActionPreference = 'Stop'
Register-PSResourceRepository -Name SshKmsPester -Uri $env:TEST_REPOSITORY -Trusted
Publish-PSResource -Path $env:TEST_MODULE -Repository SshKmsPester
Install-PSResource -Name SshKms -Repository SshKmsPester -Scope CurrentUser -TrustRepository
$resource = Get-InstalledPSResource -Name SshKms
[ordered]@{
    Packages = @(Get-ChildItem $env:TEST_REPOSITORY -Filter *.nupkg | ForEach-Object Name)
    Version = "$($resource.Version)"
    InstalledLocation = $resource.InstalledLocation
} | ConvertTo-Json -Compress
'@
        $manifest = Import-PowerShellDataFile (Join-Path $modulePath 'SshKms.psd1')
        $installed.Packages | Should -Be @("SshKms.$($manifest.ModuleVersion).nupkg")
        $installed.Version | Should -Be $manifest.ModuleVersion
        $installedFolder = Join-Path $installedModules "SshKms/$($manifest.ModuleVersion)"
        Test-Path (Join-Path $installedFolder "lib/$build/SshKms.PowerShell.dll") | Should -BeTrue
        Test-Path (Join-Path $installedFolder "lib/$build/Dependencies/SshKms.Core.dll") | Should -BeTrue

        $report = Invoke-ImportByName $installedModules
        $report.ModuleBase | Should -Be $installedFolder
        $report.Commands | Should -Be $manifest.CmdletsToExport.Count
        $report.Certificate | Should -Match '^ssh-ed25519-cert-v01@openssh\.com '
        $report.CertificateText | Should -Match 'Principals: \s+ops'
        $report.CertificateText | Should -Match ([regex]::Escape(($report.CaPublicKey -split ' ')[0]))
    }
}

Describe 'Azure Automation zip' {
    It 'SshKms.zip holds one SshKms folder with SshKms.psd1, and imports by name once extracted' {
        $zip = & (Join-Path $PSScriptRoot '../../scripts/automation-zip.ps1') -ModulePath $modulePath -Destination $work
        Split-Path $zip -Leaf | Should -Be 'SshKms.zip'
        Add-Type -AssemblyName System.IO.Compression.FileSystem
        $archive = [IO.Compression.ZipFile]::OpenRead($zip)
        try {
            $entries = @($archive.Entries | ForEach-Object FullName)
        } finally {
            $archive.Dispose()
        }
        $entries | Where-Object { $_ -notlike 'SshKms/*' } | Should -BeNullOrEmpty
        $entries | Should -Contain 'SshKms/SshKms.psd1'
        $entries | Should -Contain 'SshKms/SshKms.psm1'
        $entries | Should -Contain "SshKms/lib/$build/SshKms.PowerShell.dll"
        $entries | Should -Contain "SshKms/lib/$build/Dependencies/SshKms.Core.dll"

        $extracted = Join-Path $work 'automation'
        [IO.Compression.ZipFile]::ExtractToDirectory($zip, $extracted)
        $report = Invoke-ImportByName $extracted
        $report.ModuleBase | Should -Be (Join-Path $extracted 'SshKms')
        $report.Certificate | Should -Match '^ssh-ed25519-cert-v01@openssh\.com '
    }
}
