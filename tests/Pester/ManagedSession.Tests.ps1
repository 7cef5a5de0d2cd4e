# Invoke-SshKmsSession and Copy-SshKmsItem -Transport Managed against the packaged module (build.ps1 sets SSHKMS_MODULE_PATH; otherwise
# out/SshKms) and a real sshd: SSH.NET in the process, no ssh started. Not tagged Sessions, so the netstandard2.0
# build runs it too.

BeforeAll {
    . (Join-Path $PSScriptRoot 'Peers.ps1')
    $modulePath = if ($env:SSHKMS_MODULE_PATH) { $env:SSHKMS_MODULE_PATH } else { Join-Path $PSScriptRoot '../../out/SshKms' }
    Import-Module (Join-Path $modulePath 'SshKms.psd1') -Force
    $script:previousHome = $env:SSHKMS_HOME
    $env:SSHKMS_HOME = Join-Path ([IO.Path]::GetTempPath()) ("sshkms-pester-managed-" + [Guid]::NewGuid().ToString('N').Substring(0, 8))
    New-Item -ItemType Directory -Path $env:SSHKMS_HOME | Out-Null
    New-SshKmsCaKey -CaKey local:pester-managed | Out-Null
    # The SFTP server starts in a folder of the test's own, so relative remote paths land there.
    $script:sftpStart = Join-Path $env:SSHKMS_HOME 'sftp-start'
    New-Item -ItemType Directory -Path $script:sftpStart | Out-Null
    $script:node = Start-TestSshd -TrustedUserCaKey (Get-SshKmsCaPublicKey -CaKey local:pester-managed) -ExtraConfig "Subsystem sftp internal-sftp -d $script:sftpStart"
}

AfterAll {
    Stop-Peer $script:node
    Remove-Module SshKms -ErrorAction SilentlyContinue
    if ($env:SSHKMS_HOME -and (Test-Path $env:SSHKMS_HOME)) { Remove-Item $env:SSHKMS_HOME -Recurse -Force }
    $env:SSHKMS_HOME = $script:previousHome
}

Describe 'Invoke-SshKmsSession -Transport Managed' {
    It 'runs the command with a certificate and returns its exit code and output' {
        $user = [Environment]::UserName
        $r = Invoke-SshKmsSession -HostName 127.0.0.1 -Port $node.Port -UserName $user -CaKey local:pester-managed -Transport Managed `
            -Command 'echo managed-$(id -un); exit 3' -SshOption @{ UserKnownHostsFile = $node.KnownHosts }
        $r.ErrorId | Should -BeNullOrEmpty
        $r.ExitCode | Should -Be 3
        $r.Output | Should -Be "managed-$user`n"
        Get-Content (Join-Path $node.Dir 'sshd.log') -Raw | Should -Match "serial $($r.CertificateSerial)\) CA "
    }

    It 'refuses a host whose key differs from known_hosts with HostKeyMismatch' {
        $other = Join-Path $env:SSHKMS_HOME 'other_host_key'
        ssh-keygen -q -t ed25519 -N '' -f $other
        $knownHosts = Join-Path $env:SSHKMS_HOME 'known_hosts_wrong'
        Set-Content $knownHosts "[127.0.0.1]:$($node.Port) $((Get-Content "$other.pub" -Raw).Trim())"
        $r = Invoke-SshKmsSession -HostName 127.0.0.1 -Port $node.Port -UserName ([Environment]::UserName) -CaKey local:pester-managed -Transport Managed `
            -Command 'true' -SshOption @{ UserKnownHostsFile = $knownHosts } -ErrorVariable failures -ErrorAction SilentlyContinue
        $r.ErrorId | Should -Be 'HostKeyMismatch'
        $failures[0].FullyQualifiedErrorId | Should -Match '^HostKeyMismatch,'
    }
}

Describe 'Copy-SshKmsItem -Transport Managed' {
    BeforeAll {
        $script:login = @{
            Port = $node.Port; UserName = [Environment]::UserName; CaKey = 'local:pester-managed'; Transport = 'Managed'
            SshOption = @{ UserKnownHostsFile = $node.KnownHosts }
        }
    }

    It 'copies a folder up under a relative remote path and back, recursively' {
        $tree = Join-Path $env:SSHKMS_HOME 'tree'
        New-Item -ItemType Directory -Path (Join-Path $tree 'sub') -Force | Out-Null
        Set-Content (Join-Path $tree 'sub/leaf.txt') 'leaf' -NoNewline
        $up = Copy-SshKmsItem -Path $tree -Destination 127.0.0.1:uploaded @login
        $up.ErrorId | Should -BeNullOrEmpty
        $up.ExitCode | Should -Be 0
        Get-Content (Join-Path $sftpStart 'uploaded/sub/leaf.txt') -Raw | Should -Be 'leaf'

        $back = Join-Path $env:SSHKMS_HOME 'back'
        $down = Copy-SshKmsItem -Path 127.0.0.1:uploaded -Destination $back @login
        $down.ExitCode | Should -Be 0
        Get-Content (Join-Path $back 'sub/leaf.txt') -Raw | Should -Be 'leaf'
        Get-Content (Join-Path $node.Dir 'sshd.log') -Raw | Should -Match "serial $($down.CertificateSerial)\) CA "
    }

    It 'reports a missing remote source with exit code 1 and scp''s words, and no error record' {
        $r = Copy-SshKmsItem -Path 127.0.0.1:no-such-file -Destination (Join-Path $env:SSHKMS_HOME 'never') @login -ErrorVariable failures
        $r.ExitCode | Should -Be 1
        $r.ErrorId | Should -BeNullOrEmpty
        $r.Error | Should -Match 'scp: no-such-file: No such file or directory'
        $failures | Should -BeNullOrEmpty
        Join-Path $env:SSHKMS_HOME 'never' | Should -Not -Exist
    }

    It 'refuses a copy from host to host with CopyOperandsUnsupported' {
        $r = Copy-SshKmsItem -Path 127.0.0.1:a -Destination 127.0.0.1:b @login -ErrorVariable failures -ErrorAction SilentlyContinue
        $failures[0].FullyQualifiedErrorId | Should -Match '^CopyOperandsUnsupported,'
    }
}
