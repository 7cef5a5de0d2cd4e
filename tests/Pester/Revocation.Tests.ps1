# Revocation from PowerShell, against the packaged module (build.ps1 sets SSHKMS_MODULE_PATH; otherwise
# out/SshKms): Revoke-SshKmsCertificate writes a KRL that ssh-keygen reads and a signature ssh-keygen -Y verify
# accepts, -WhatIf writes nothing, and Get-/Test-SshKmsRevocation agree with ssh-keygen -Q.

BeforeAll {
    $modulePath = if ($env:SSHKMS_MODULE_PATH) { $env:SSHKMS_MODULE_PATH } else { Join-Path $PSScriptRoot '../../out/SshKms' }
    Import-Module (Join-Path $modulePath 'SshKms.psd1') -Force
    $script:previousHome = $env:SSHKMS_HOME
    $env:SSHKMS_HOME = Join-Path ([IO.Path]::GetTempPath()) ("sshkms-pester-krl-" + [Guid]::NewGuid().ToString('N').Substring(0, 8))
    New-Item -ItemType Directory -Path $env:SSHKMS_HOME | Out-Null
    New-SshKmsCaKey -CaKey local:pester-krl | Out-Null
    $script:krl = Join-Path $env:SSHKMS_HOME 'krl/pester-krl.krl'

    function New-TestCertificate([ulong] $Serial) {
        $key = Join-Path $env:SSHKMS_HOME ("id_$Serial")
        ssh-keygen -q -t ed25519 -N '' -f $key
        New-SshKmsCertificate -CaKey local:pester-krl -PublicKeyPath "$key.pub" -Principal alice -Serial $Serial -Validity '5m'
    }
}

AfterAll {
    Remove-Module SshKms -ErrorAction SilentlyContinue
    if ($env:SSHKMS_HOME -and (Test-Path $env:SSHKMS_HOME)) { Remove-Item $env:SSHKMS_HOME -Recurse -Force }
    $env:SSHKMS_HOME = $script:previousHome
}

Describe 'Revoke-SshKmsCertificate' {
    It '-WhatIf writes no KRL, no signature and no journal line' {
        Revoke-SshKmsCertificate -CaKey local:pester-krl -Serial 5 -WhatIf
        Test-Path $script:krl | Should -BeFalse
        Test-Path "$script:krl.sig" | Should -BeFalse
        $journal = Join-Path $env:SSHKMS_HOME 'audit.jsonl'
        $revokedLines = if (Test-Path $journal) { Get-Content $journal | Where-Object { $_ -match 'certificate\.revoked' } }
        $revokedLines | Should -BeNullOrEmpty
    }

    It 'revokes piped certificates in the default KRL, which ssh-keygen reads and whose signature it verifies' {
        $revoked = New-TestCertificate -Serial 501
        New-TestCertificate -Serial 502 | Out-Null
        $result = $revoked | Revoke-SshKmsCertificate -CaKey local:pester-krl -Confirm:$false
        $result.KrlVersion | Should -Be 1
        $result.KrlPath | Should -Be $script:krl
        ($result.Added | ForEach-Object { "$_" }) | Should -Be 'serial: 501'

        & ssh-keygen -Q -f $script:krl (Join-Path $env:SSHKMS_HOME 'id_501-cert.pub') | Out-Null
        $LASTEXITCODE | Should -Be 1
        & ssh-keygen -Q -f $script:krl (Join-Path $env:SSHKMS_HOME 'id_502-cert.pub') | Out-Null
        $LASTEXITCODE | Should -Be 0

        $signers = Join-Path $env:SSHKMS_HOME 'allowed_signers'
        Set-Content -Path $signers -Value ('ca namespaces="sshkms-krl" ' + (Get-SshKmsCaPublicKey -CaKey local:pester-krl))
        & sh -c "ssh-keygen -Y verify -f '$signers' -I ca -n sshkms-krl -s '$($script:krl).sig' < '$($script:krl)'" | Out-Null
        $LASTEXITCODE | Should -Be 0

        @(Get-SshKmsAudit -Type certificate.revoked).Count | Should -Be 1
    }

    It 'Get-SshKmsRevocation lists what ssh-keygen lists; Test-SshKmsRevocation agrees with ssh-keygen -Q' {
        $list = Get-SshKmsRevocation -CaKey local:pester-krl
        $list.Listing | Should -BeExactly ((@(& ssh-keygen -Q -l -f $script:krl) -join "`n") + "`n")
        $checks = Test-SshKmsRevocation -KrlPath $script:krl -Path (Join-Path $env:SSHKMS_HOME 'id_501-cert.pub'), (Join-Path $env:SSHKMS_HOME 'id_502-cert.pub')
        $checks.Revoked | Should -Be @($true, $false)
        $checks[0].Reason | Should -Be 'serial 501'
    }

    It 'bad input is one ErrorRecord with a stable ErrorId' {
        { Revoke-SshKmsCertificate -CaKey local:pester-krl -Serial 0 -Confirm:$false } |
            Should -Throw -ErrorId 'RevocationSerialInvalid,SshKms.PowerShell.Revocation.RevokeSshKmsCertificate'
        { Get-SshKmsRevocation -Path (Join-Path $env:SSHKMS_HOME 'none.krl') -ErrorAction Stop } |
            Should -Throw -ErrorId 'KrlNotFound,SshKms.PowerShell.Revocation.GetSshKmsRevocation'
    }
}
