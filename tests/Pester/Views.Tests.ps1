# The module's table views (SshKms.format.ps1xml), against the packaged module: every object a cmdlet writes is made
# for real (local keys; Secrets Manager on moto_server; sessions and rotation against a real sshd) and printed as a
# user sees it.

BeforeAll {
    $modulePath = if ($env:SSHKMS_MODULE_PATH) { $env:SSHKMS_MODULE_PATH } else { Join-Path $PSScriptRoot '../../out/SshKms' }
    Import-Module (Join-Path $modulePath 'SshKms.psd1') -Force
    . (Join-Path $PSScriptRoot 'Peers.ps1')
    $PSStyle.OutputRendering = 'PlainText'
    $savedHome = $env:SSHKMS_HOME
    $env:SSHKMS_HOME = Join-Path ([IO.Path]::GetTempPath()) ('sshkms-views-' + [Guid]::NewGuid().ToString('N').Substring(0, 8))
    $work = Join-Path $env:SSHKMS_HOME 'work'
    New-Item -ItemType Directory -Path $work -Force | Out-Null
    $user = [Environment]::UserName

    # What a user sees at a 120-column console: no line wider, every expected column shown, nothing raw.
    function Assert-Table($Objects, [string[]] $Header) {
        $text = $Objects | Format-Table | Out-String -Width 120
        $lines = $text -split "`r?`n"
        foreach ($line in $lines) { $line.Length | Should -BeLessOrEqual 120 -Because "'$line' is wider than 120 columns" }
        $headerLine = @($lines | Where-Object { $_ -match '\S' })[0]
        $shown = -split $headerLine
        $shown | Should -Be $Header
        Assert-NothingRaw $text
        $text
    }

    # No byte array, no journal line, no key blob or private key.
    function Assert-NothingRaw([string] $Text) {
        $Text | Should -Not -Match 'System\.Byte\[\]|\{\d+, \d+, \d+'
        $Text | Should -Not -Match '"type":'
        $Text | Should -Not -Match 'AAAA[A-Za-z0-9+/]{16}'
        $Text | Should -Not -Match 'PRIVATE KEY|SecureString'
    }

    function New-TestKey([string] $Name) {
        $path = Join-Path $work $Name
        ssh-keygen -q -t ed25519 -N '' -f $path
        "$path.pub"
    }
}

AfterAll {
    Remove-Module SshKms -ErrorAction SilentlyContinue
    if (Test-Path $env:SSHKMS_HOME) { Remove-Item $env:SSHKMS_HOME -Recurse -Force }
    $env:SSHKMS_HOME = $savedHome
}

Describe 'Table views of local objects' {
    BeforeAll {
        New-SshKmsCaKey -CaKey local:views-ca | Out-Null
        $pub = New-TestKey 'id_views'
        $cert = New-SshKmsCertificate -CaKey local:views-ca -PublicKeyPath $pub -Principal ec2-user, deploy -Validity '30m'
        $certPath = $pub -replace '\.pub$', '-cert.pub'
    }

    It 'New-SshKmsCertificate: serial, type, key id, principals, valid until, CA fingerprint' {
        $text = Assert-Table $cert 'Serial', 'Type', 'KeyId', 'Principals', 'ValidTo', 'CaFingerprint'
        $text | Should -Match ([regex]::Escape("$($cert.Serial)"))
        $text | Should -Match 'ec2-user,deploy'
        $text | Should -Match ([regex]::Escape($cert.ValidTo.UtcDateTime.ToString('yyyy-MM-dd HH:mm:ss')))
    }

    It 'Get-SshCertificate: the same columns' {
        $info = Get-SshCertificate -Path $certPath
        $text = Assert-Table $info 'Serial', 'Type', 'KeyId', 'Principals', 'ValidTo', 'CaFingerprint'
        $text | Should -Match ([regex]::Escape("$($info.Serial)"))
        $text | Should -Match ([regex]::Escape($info.SigningCaFingerprint.Substring(0, 20)))
    }

    It 'New-SshKmsCaKey: the key URI, type and fingerprint, not the public key blob' {
        $ca = New-SshKmsCaKey -CaKey local:views-ca2
        $text = Assert-Table $ca 'KeyUri', 'KeyType', 'Fingerprint', 'KeyArn'
        $text | Should -Match ([regex]::Escape($ca.Fingerprint))
    }

    It 'Get-SshKmsAudit: time, type, operator, serial, host, exit code, not the JSON line' {
        $record = Get-SshKmsAudit -Serial $cert.Serial
        $text = Assert-Table $record 'Time', 'Type', 'Operator', 'Serial', 'HostName', 'ExitCode'
        $text | Should -Match 'certificate\.issued'
        $text | Should -Match ([regex]::Escape("$($cert.Serial)"))
    }

    It 'Get-SshKmsAudit -Verify and Add-SshKmsAuditSeal: lines, chain start, seals, head; the seal line, time, key and fingerprint' {
        $seal = Add-SshKmsAuditSeal -CaKey local:views-ca
        $text = Assert-Table $seal 'LineNumber', 'Time', 'CaKey', 'Fingerprint', 'KmsRequestId'
        $text | Should -Match ([regex]::Escape($seal.Fingerprint.Substring(0, 20)))
        $verified = Get-SshKmsAudit -Verify -CaKey local:views-ca -WarningAction SilentlyContinue
        $text = Assert-Table $verified 'Lines', 'ChainStart', 'Seals', 'Head', 'Path'
        $text | Should -Match "\s$($verified.Lines)\s+1\s+1\s+sha256:"
    }

    It 'a mixed pipeline prints both kinds of object, with their own columns and no blank rows' {
        $text = & { Get-SshCertificate -Path $certPath; Get-SshKmsAudit -Serial $cert.Serial } | Out-String -Width 120
        $text | Should -Match 'CaFingerprint'
        $text | Should -Match 'Operator\s+: local:'
        $text | Should -Match 'Type\s+: certificate\.issued'
        Assert-NothingRaw $text
        $text = & { Get-SshKmsAudit -Serial $cert.Serial; Get-SshCertificate -Path $certPath; New-SshKmsCaKey -CaKey local:views-ca3 } | Out-String -Width 120
        $text | Should -Match 'certificate\.issued'
        $text | Should -Match 'SigningCaFingerprint\s+: SHA256:'
        $text | Should -Match 'KeyUri\s+: local:views-ca3'
        Assert-NothingRaw $text
    }
}

Describe 'Table views of AWS and SSH objects' {
    BeforeAll {
        $moto = Start-MotoServer
        $aws = @{ Region = $moto.Region; EndpointUrl = $moto.Endpoint }
        New-SshKmsCaKey -CaKey local:views-session | Out-Null
        $sessionNode = Start-TestSshd -TrustedUserCaKey (Get-SshKmsCaPublicKey -CaKey local:views-session)
    }

    AfterAll {
        Stop-Peer $sessionNode
        Stop-Peer $moto
    }

    It 'Invoke-SshKmsSession: host, exit code, duration, principal, serial, error id and the first output line' -Tag Sessions {
        $result = Invoke-SshKmsSession -HostName 127.0.0.1 -Port $sessionNode.Port -UserName $user -CaKey local:views-session -Command 'echo first; echo second' `
            -ConfigFile /dev/null -SshOption $sessionNode.SshOption
        $result.ExitCode | Should -Be 0 -Because $result.Error
        $text = Assert-Table $result 'HostName', 'ExitCode', 'Duration', 'Principal', 'CertificateSerial', 'ErrorId', 'Output'
        $text | Should -Match '127\.0\.0\.1\s+0\s+[\d.]+s\s+'
        $text | Should -Match 'first'
        $text | Should -Not -Match 'second'
    }

    It 'New-SshKmsKeyPairSecret and Get-SshKmsKeyPair: the secret, stages, key type and fingerprint, never the private key' {
        $created = New-SshKmsKeyPairSecret -SecretId views/keypair -UserName $user @aws
        Assert-Table $created 'SecretId', 'Stages', 'KeyType', 'Fingerprint', 'UserName' | Should -Match 'AWSCURRENT'
        $read = Get-SshKmsKeyPair -SecretId views/keypair @aws
        $read.PrivateKey | Should -BeOfType [securestring]
        $text = Assert-Table $read 'SecretId', 'Stages', 'KeyType', 'Fingerprint', 'UserName'
        $text | Should -Match ([regex]::Escape($read.Fingerprint))
        $plain = Get-SshKmsKeyPair -SecretId views/keypair -AsPlainText @aws
        Assert-Table $plain 'SecretId', 'Stages', 'KeyType', 'Fingerprint', 'UserName' | Out-Null
    }

    It 'Invoke-SshKeyRotation: secret, step, node, result, version, detail' -Tag Sessions {
        $first = New-SshKmsKeyPairSecret -SecretId views/rotate -UserName $user @aws
        $node = Start-TestSshd -AuthorizedKey $first.PublicKey
        try {
            $steps = Invoke-SshKeyRotation -SecretId views/rotate -Node "127.0.0.1:$($node.Port)" -UserName $user -ConfigFile /dev/null -SshOption $node.SshOption @aws
            @($steps).Count | Should -BeGreaterThan 3
            $steps | Where-Object { -not $_.Succeeded -and -not $_.Skipped } | Should -BeNullOrEmpty
            $text = Assert-Table $steps 'SecretId', 'Step', 'Node', 'Result', 'VersionId', 'Detail'
            $text | Should -Match 'FinishSecret'
            $text | Should -Match "127\.0\.0\.1:$($node.Port)"
        } finally {
            Stop-Peer $node
        }
    }
}
