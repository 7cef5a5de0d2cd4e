# The module surface from PowerShell. Runs where pwsh and Pester 5 exist (build.ps1 sets SSHKMS_MODULE_PATH to the
# packaged module; otherwise out/SshKms is used).

BeforeAll {
    $modulePath = if ($env:SSHKMS_MODULE_PATH) { $env:SSHKMS_MODULE_PATH } else { Join-Path $PSScriptRoot '../../out/SshKms' }
    $manifestPath = Join-Path $modulePath 'SshKms.psd1'
    Import-Module $manifestPath -Force
    $manifest = Import-PowerShellDataFile $manifestPath
    $env:SSHKMS_HOME = Join-Path ([IO.Path]::GetTempPath()) ("sshkms-pester-" + [Guid]::NewGuid().ToString('N').Substring(0, 8))
    # Keys are created explicitly, as users do: reads never create one, and signing or encrypting only with -Create.
    New-SshKmsCaKey -CaKey local:pester | Out-Null
    New-SshKmsCaKey -CaKey local:pester-session | Out-Null
    'init' | Protect-SshKmsData -KeyId local:pester-data -Create -WarningAction SilentlyContinue | Out-Null
}

AfterAll {
    Remove-Module SshKms -ErrorAction SilentlyContinue
    if ($env:SSHKMS_HOME -and (Test-Path $env:SSHKMS_HOME)) { Remove-Item $env:SSHKMS_HOME -Recurse -Force }
}

Describe 'SshKms module surface' {
    It 'exports exactly the cmdlets the manifest lists' {
        $exported = (Get-Command -Module SshKms -CommandType Cmdlet).Name | Sort-Object
        $exported | Should -Be ($manifest.CmdletsToExport | Sort-Object)
    }

    It 'uses approved verbs only' {
        $approved = (Get-Verb).Verb
        foreach ($c in Get-Command -Module SshKms) { $approved | Should -Contain $c.Verb }
    }

    It 'state-changing cmdlets support -WhatIf' {
        foreach ($c in Get-Command -Module SshKms -Verb New) { $c.Parameters.Keys | Should -Contain 'WhatIf' }
    }
}

Describe 'Certificates with the local CA' {
    It 'New-SshKmsCertificate round-trips through Get-SshCertificate' {
        $dir = Join-Path $env:SSHKMS_HOME 'keys'
        New-Item -ItemType Directory -Path $dir -Force | Out-Null
        ssh-keygen -q -t ed25519 -N '' -f (Join-Path $dir 'id_ed25519')
        $cert = Get-ChildItem (Join-Path $dir '*.pub') | New-SshKmsCertificate -CaKey local:pester -Principal ec2-user -Validity '30m'
        $cert.ToString() | Should -Match '^ssh-ed25519-cert-v01@openssh.com '
        $info = Get-SshCertificate -Path (Join-Path $dir 'id_ed25519-cert.pub')
        $info.Principals | Should -Be @('ec2-user')
        $info.Serial | Should -Be $cert.Serial
        ($info.ValidTo - $info.ValidFrom).TotalMinutes | Should -Be 30
        $caFingerprint = ((Get-SshKmsCaPublicKey -CaKey local:pester | ssh-keygen -l -f -) -split ' ')[1]
        $info.SigningCaFingerprint | Should -Be $caFingerprint
    }

    It 'a bad key file is a non-terminating error with an ErrorId' {
        $bad = Join-Path $env:SSHKMS_HOME 'bad.pub'
        Set-Content $bad 'not a key'
        New-SshKmsCertificate -CaKey local:pester -PublicKeyPath $bad -Principal x -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -Match '^SshKeyTypeUnsupported'
    }

    It 'Get-SshKmsAudit finds the certificate.issued event of a certificate piped to it' {
        $dir = Join-Path $env:SSHKMS_HOME 'audit-keys'
        New-Item -ItemType Directory -Path $dir -Force | Out-Null
        ssh-keygen -q -t ed25519 -N '' -f (Join-Path $dir 'id_ed25519')
        $cert = New-SshKmsCertificate -CaKey local:pester -PublicKeyPath (Join-Path $dir 'id_ed25519.pub') -Principal ops
        $record = Get-SshCertificate -Path (Join-Path $dir 'id_ed25519-cert.pub') | Get-SshKmsAudit
        $record.Type | Should -Be 'certificate.issued'
        $record.Serial | Should -Be $cert.Serial
        $record.Fields.principals | Should -Be @('ops')
    }
}

Describe 'Envelope encryption with a local key' {
    It 'Protect-SshKmsData and Unprotect-SshKmsData round-trip a string through base64' {
        $b64 = 'pester-secret' | Protect-SshKmsData -KeyId local:pester-data -EncryptionContext @{ app = 'pester' } -AsBase64
        $b64 | Should -Match '^A'
        Unprotect-SshKmsData -Base64 $b64 -EncryptionContext @{ app = 'pester' } -AsPlainText | Should -Be 'pester-secret'
    }

    It 'piped bytes make one message, a piped message decrypts as one, and strings stay one message each' {
        $bytes = [byte[]](1..200)
        $message = $bytes | Protect-SshKmsData -KeyId local:pester-data
        $message.GetType().Name | Should -Be 'Byte[]'
        $back = $message | Unprotect-SshKmsData -AsBytes
        [Convert]::ToBase64String($back) | Should -Be ([Convert]::ToBase64String($bytes))
        @('a', 'b' | Protect-SshKmsData -KeyId local:pester-data -AsBase64).Count | Should -Be 2
    }

    It 'a wrong encryption context releases nothing and names its ErrorId' {
        $b64 = 'pester-secret' | Protect-SshKmsData -KeyId local:pester-data -EncryptionContext @{ app = 'pester' } -AsBase64
        $out = Unprotect-SshKmsData -Base64 $b64 -EncryptionContext @{ app = 'other' } -AsPlainText -ErrorVariable err -ErrorAction SilentlyContinue
        $out | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -Match '^EnvelopeContextMismatch'
    }
}

Describe 'Sessions' {
    It 'Invoke-SshKmsSession -WhatIf neither mints nor connects' {
        $before = @(Get-ChildItem (Join-Path $env:SSHKMS_HOME 'keys') -ErrorAction SilentlyContinue).Count
        $result = Invoke-SshKmsSession -HostName 'never.invalid' -CaKey local:pester-session -Command 'true' -WhatIf
        $result | Should -BeNullOrEmpty
        @(Get-ChildItem (Join-Path $env:SSHKMS_HOME 'keys') -ErrorAction SilentlyContinue).Count | Should -Be $before
    }
}
