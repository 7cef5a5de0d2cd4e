# Set-, Get-, Test- and Remove-SshCaTrust against the packaged module, on sshd configurations laid out as Debian's in
# temp folders (never /etc/ssh), judged by the real sshd binary (sshd -t, sshd -T). The xunit tests in tests/Unit/Trust
# start sshd on what trust wrote and log in with certificates.

BeforeAll {
    $modulePath = if ($env:SSHKMS_MODULE_PATH) { $env:SSHKMS_MODULE_PATH } else { Join-Path $PSScriptRoot '../../out/SshKms' }
    Import-Module (Join-Path $modulePath 'SshKms.psd1') -Force
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    $PSStyle.OutputRendering = 'PlainText'
    $savedHome = $env:SSHKMS_HOME
    $env:SSHKMS_HOME = New-TestFolder 'sshkms-trust-home'
    $ca = 'local:trust-' + [Guid]::NewGuid().ToString('N').Substring(0, 8)
    New-SshKmsCaKey -CaKey $ca | Out-Null

    # A Debian-like /etc/ssh in a temp folder: the main file includes sshd_config.d/*.conf first.
    function New-SshdLayout([string[]] $Extra = @()) {
        $dir = New-TestFolder 'sshkms-trust-etc'
        New-Item -ItemType Directory (Join-Path $dir 'sshd_config.d') | Out-Null
        ssh-keygen -q -t ed25519 -N '' -f (Join-Path $dir 'ssh_host_ed25519_key')
        $config = Join-Path $dir 'sshd_config'
        Set-Content $config (@("Include $dir/sshd_config.d/*.conf", "HostKey $dir/ssh_host_ed25519_key", "PidFile $dir/sshd.pid") + $Extra)
        $config
    }

    # Every file below a folder with its hash and modification time.
    function Get-Snapshot([string] $Path) {
        @(Get-ChildItem $Path -Recurse -Force -File | ForEach-Object { "$($_.FullName) $((Get-FileHash $_.FullName).Hash) $($_.LastWriteTimeUtc.Ticks)" } | Sort-Object)
    }
}

AfterAll {
    $env:SSHKMS_HOME = $savedHome
    Remove-Module SshKms -ErrorAction SilentlyContinue
}

Describe 'Set-SshCaTrust' {
    It 'installs the CA in a drop-in that sshd -T shows in effect, and a second run is Unchanged with no file touched' {
        $config = New-SshdLayout
        $dir = Split-Path $config
        $result = Set-SshCaTrust -CaKey $ca -SshdConfigPath $config -Principal 'deploy=alice,bob' -NoReload
        $result.Status | Should -Be 'Changed'
        $result.Placement | Should -Be 'DropIn'
        Get-Content (Join-Path $dir 'sshkms/principals/deploy') | Should -Be @('alice', 'bob')
        $effective = & /usr/sbin/sshd -T -f $config -C 'user=deploy,host=h,addr=127.0.0.1'
        $effective | Should -Contain "trustedusercakeys $dir/sshkms/trusted_user_ca_keys"
        $effective | Should -Contain "authorizedprincipalsfile $dir/sshkms/principals/%u"

        $before = Get-Snapshot $dir
        Start-Sleep -Milliseconds 20
        (Set-SshCaTrust -CaKey $ca -SshdConfigPath $config -Principal 'deploy=alice,bob' -NoReload).Status | Should -Be 'Unchanged'
        Get-Snapshot $dir | Should -Be $before
    }

    It '-WhatIf prints the diff and writes nothing' {
        $config = New-SshdLayout
        $dir = Split-Path $config
        $before = Get-Snapshot $dir
        $output = Invoke-FreshPowerShell -Script @"
Import-Module '$((Resolve-Path $modulePath).Path)/SshKms.psd1'
Set-SshCaTrust -CaKey $ca -SshdConfigPath '$config' -WhatIf
"@ -Environment @{ SSHKMS_HOME = $env:SSHKMS_HOME }
        $text = $output -join "`n"
        $text | Should -Match 'What if: Install CA trust in'
        $text | Should -Match ([regex]::Escape("+TrustedUserCAKeys $dir/sshkms/trusted_user_ca_keys"))
        Get-Snapshot $dir | Should -Be $before
        Join-Path $dir 'sshkms' | Should -Not -Exist
    }

    It 'refuses a configuration sshd -t rejects, with TrustConfigInvalid, and changes no byte' {
        $config = New-SshdLayout -Extra 'NoSuchKeyword yes'
        $dir = Split-Path $config
        $before = Get-Snapshot $dir
        { Set-SshCaTrust -CaKey $ca -SshdConfigPath $config -NoReload -ErrorAction Stop } | Should -Throw -ErrorId 'TrustConfigInvalid,SshKms.PowerShell.Trust.SetSshCaTrust'
        Get-Snapshot $dir | Should -Be $before
    }

    It 'names the file and line of a keyword someone else set first' {
        $config = New-SshdLayout
        $theirs = Join-Path (Split-Path $config) 'sshd_config.d/00-aaa.conf'
        Set-Content $theirs 'TrustedUserCAKeys /etc/ssh/their_ca'
        $err = $null
        Set-SshCaTrust -CaKey $ca -SshdConfigPath $config -NoReload -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'TrustKeywordConflict,*'
        $err[0].Exception.Message | Should -Match ([regex]::Escape("$theirs line 1"))
    }

    It 'adds the @cert-authority line to known_hosts once (-HostPattern)' {
        $knownHosts = Join-Path (New-TestFolder 'sshkms-trust-kh') 'known_hosts'
        (Set-SshCaTrust -CaKey $ca -HostPattern '*.example.com' -KnownHostsPath $knownHosts).Status | Should -Be 'Changed'
        (Set-SshCaTrust -CaKey $ca -HostPattern '*.example.com' -KnownHostsPath $knownHosts).Status | Should -Be 'Unchanged'
        @(Get-Content $knownHosts).Count | Should -Be 1
        Get-Content $knownHosts | Should -BeLike '@cert-authority `*.example.com ecdsa-sha2-nistp256 * local:trust-*'
    }
}

Describe 'Get-, Test- and Remove-SshCaTrust' {
    It 'shows the trust, tests it True, and removing the last CA puts the configuration back as it was' {
        $config = New-SshdLayout
        $original = Get-Content -Raw $config
        Set-SshCaTrust -CaKey $ca -SshdConfigPath $config -NoReload | Out-Null

        $info = Get-SshCaTrust -SshdConfigPath $config
        $info.Placement | Should -Be 'DropIn'
        $info.CaKeys.KeyUri | Should -Be $ca
        Test-SshCaTrust -CaKey $ca -SshdConfigPath $config | Should -BeTrue

        $removed = Remove-SshCaTrust -CaKey $ca -SshdConfigPath $config -NoReload -Confirm:$false
        $removed.Status | Should -Be 'Changed'
        Get-Content -Raw $config | Should -Be $original
        (Get-SshCaTrust -SshdConfigPath $config).Placement | Should -Be 'None'
        Test-SshCaTrust -SshdConfigPath $config | Should -BeFalse
        (Test-SshCaTrust -SshdConfigPath $config -Detailed).Problems | Should -Match 'No CA trust is installed'
    }

    It 'Remove-SshCaTrust -WhatIf changes nothing, and an unknown CA is TrustCaNotTrusted' {
        $config = New-SshdLayout
        Set-SshCaTrust -CaKey $ca -SshdConfigPath $config -NoReload | Out-Null
        $dir = Split-Path $config
        $before = Get-Snapshot $dir
        Remove-SshCaTrust -CaKey $ca -SshdConfigPath $config -WhatIf
        Get-Snapshot $dir | Should -Be $before

        $other = 'local:trust-other-' + [Guid]::NewGuid().ToString('N').Substring(0, 6)
        New-SshKmsCaKey -CaKey $other | Out-Null
        { Remove-SshCaTrust -CaKey $other -SshdConfigPath $config -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId 'TrustCaNotTrusted,SshKms.PowerShell.Trust.RemoveSshCaTrust'
    }

    It 'prints each result as a table row' {
        $config = New-SshdLayout
        $set = Set-SshCaTrust -CaKey $ca -SshdConfigPath $config -NoReload
        ($set | Format-Table | Out-String -Width 120) | Should -Match 'Node\s+Status\s+Placement\s+Changes\s+SshdConfig\s+Reload'
        (Get-SshCaTrust -SshdConfigPath $config | Format-Table | Out-String -Width 120) | Should -Match 'Placement\s+CaKeys\s+Principals\s+RevokedKeys\s+SshdConfig'
        (Test-SshCaTrust -SshdConfigPath $config -Detailed | Format-Table | Out-String -Width 120) | Should -Match 'IsTrusted\s+SshdConfig\s+Problems'
    }
}
