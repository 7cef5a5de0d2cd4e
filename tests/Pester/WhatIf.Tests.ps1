# -WhatIf changes nothing at all, for every state-changing cmdlet of the packaged module: no file, no key, no KMS or
# Secrets Manager call that creates anything, no journal line, no ssh process or agent folder. Each test starts from
# a fresh $SSHKMS_HOME and compares the file system (and moto's state, for the AWS cmdlets) before and after.
# The module comes from SSHKMS_MODULE_PATH (build.ps1 sets it) or out/SshKms.

BeforeAll {
    $modulePath = if ($env:SSHKMS_MODULE_PATH) { $env:SSHKMS_MODULE_PATH } else { Join-Path $PSScriptRoot '../../out/SshKms' }
    Import-Module (Join-Path $modulePath 'SshKms.psd1') -Force

    $work = Join-Path ([IO.Path]::GetTempPath()) ("sshkms-whatif-" + [Guid]::NewGuid().ToString('N').Substring(0, 8))
    New-Item -ItemType Directory -Path $work | Out-Null
    $savedHome = $env:SSHKMS_HOME

    function New-Home {
        $folder = Join-Path $work ([Guid]::NewGuid().ToString('N').Substring(0, 8))
        New-Item -ItemType Directory -Path $folder | Out-Null
        $env:SSHKMS_HOME = $folder
        $folder
    }

    # Every file below a folder, with its length and hash: any new, changed or removed file shows.
    function Get-Snapshot([string] $Path) {
        if (-not (Test-Path $Path)) { return @() }
        @(Get-ChildItem $Path -Recurse -Force | ForEach-Object {
            if ($_.PSIsContainer) { "$($_.FullName)/" } else { "$($_.FullName) $($_.Length) $((Get-FileHash $_.FullName).Hash)" }
        } | Sort-Object)
    }

    function New-PublicKey([string] $Path) {
        ssh-keygen -q -t ed25519 -N '' -f $Path | Out-Null
        "$Path.pub"
    }

    function Get-FreePort {
        $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
        $listener.Start()
        try { $listener.LocalEndpoint.Port } finally { $listener.Stop() }
    }

    # moto_server on a free loopback port, for the AWS cmdlets; any keys do.
    $env:AWS_ACCESS_KEY_ID = 'testing'
    $env:AWS_SECRET_ACCESS_KEY = 'testing'
    $env:AWS_EC2_METADATA_DISABLED = 'true'
    $motoPort = Get-FreePort
    $endpoint = "http://127.0.0.1:$motoPort"
    $moto = Start-Process moto_server -ArgumentList '-H', '127.0.0.1', '-p', $motoPort -PassThru `
        -RedirectStandardOutput (Join-Path $work 'moto.out') -RedirectStandardError (Join-Path $work 'moto.err')
    $deadline = [DateTime]::UtcNow.AddSeconds(60)
    while ($true) {
        try { Invoke-RestMethod "$endpoint/moto-api/data.json" -TimeoutSec 2 | Out-Null; break }
        catch { if ([DateTime]::UtcNow -gt $deadline) { throw "moto_server did not start on $endpoint" }; Start-Sleep -Milliseconds 300 }
    }
    $aws = @{ Region = 'us-east-1'; EndpointUrl = $endpoint }

    # moto's own view, through the AWS JSON protocol: what exists, independent of SshKms.
    # moto routes by the service in the credential scope; it checks no signature.
    function Invoke-Aws([string] $Target, [hashtable] $Body = @{}) {
        $service = if ($Target -like 'TrentService.*') { 'kms' } else { 'secretsmanager' }
        Invoke-RestMethod -Method Post -Uri $endpoint -Body ($Body | ConvertTo-Json -Compress) -Headers @{
            'X-Amz-Target' = $Target
            'Authorization' = "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/$service/aws4_request, SignedHeaders=host, Signature=0"
        } -ContentType 'application/x-amz-json-1.1'
    }
    function Get-AwsState {
        $keys = @((Invoke-Aws 'TrentService.ListKeys').Keys.KeyId | Sort-Object)
        $aliases = @((Invoke-Aws 'TrentService.ListAliases').Aliases.AliasName | Sort-Object)
        $secrets = @((Invoke-Aws 'secretsmanager.ListSecrets').SecretList | ForEach-Object {
            $versions = (Invoke-Aws 'secretsmanager.ListSecretVersionIds' @{ SecretId = $_.Name }).Versions |
                ForEach-Object { "$($_.VersionId)=$($_.VersionStages -join '+')" } | Sort-Object
            "$($_.Name): $($versions -join ' ')"
        } | Sort-Object)
        ($keys + $aliases + $secrets) -join "`n"
    }
}

AfterAll {
    if ($moto) { Stop-Process -Id $moto.Id -ErrorAction SilentlyContinue }
    $env:SSHKMS_HOME = $savedHome
    Remove-Item $work -Recurse -Force -ErrorAction SilentlyContinue
}

Describe '-WhatIf changes nothing' {
    Context 'local: keys, certificates and envelopes' {
        It 'New-SshKmsCaKey -WhatIf creates no key' {
            $h = New-Home
            New-SshKmsCaKey -CaKey local:new-ca -WhatIf | Should -BeNullOrEmpty
            Get-Snapshot $h | Should -BeNullOrEmpty
        }

        It 'New-SshKmsCertificate -WhatIf creates no CA (not even local:default), no certificate file and no journal line' {
            $h = New-Home
            $pub = New-PublicKey (Join-Path $work "k-$([Guid]::NewGuid().ToString('N'))")
            $before = Get-Snapshot $work
            New-SshKmsCertificate -PublicKeyPath $pub -Principal ec2-user -WhatIf | Should -BeNullOrEmpty
            New-SshKmsCertificate -CaKey local:made -Create -PublicKeyPath $pub -Principal ec2-user -WhatIf | Should -BeNullOrEmpty
            New-SshKmsCertificate -CaKey local:made -Create -PublicKey (Get-Content $pub) -OutFile (Join-Path $work 'x-cert.pub') -WhatIf | Should -BeNullOrEmpty
            Get-Snapshot $work | Should -Be $before
            Test-Path (Join-Path $h 'audit.jsonl') | Should -BeFalse
        }

        It 'Protect-SshKmsData -WhatIf encrypts nothing, outputs nothing and creates no key' {
            $h = New-Home
            $out = Join-Path $work 'secret.enc'
            'x' | Protect-SshKmsData -KeyId local:new -Create -WhatIf | Should -BeNullOrEmpty
            'x' | Protect-SshKmsData -KeyId local:default -WhatIf | Should -BeNullOrEmpty
            'x' | Protect-SshKmsData -KeyId local:new -Create -OutFile $out -WhatIf | Should -BeNullOrEmpty
            Get-Snapshot $h | Should -BeNullOrEmpty
            Test-Path $out | Should -BeFalse
        }

        It 'Unprotect-SshKmsData -OutFile -WhatIf writes no plaintext' {
            $h = New-Home
            $message = 'x' | Protect-SshKmsData -KeyId local:data -Create -WarningAction SilentlyContinue
            $before = Get-Snapshot $work
            Unprotect-SshKmsData -Message $message -OutFile (Join-Path $work 'plain.txt') -WhatIf | Should -BeNullOrEmpty
            Get-Snapshot $work | Should -Be $before
        }
    }

    Context 'sessions' {
        BeforeAll {
            # Something that listens, so an attempt to connect would show: -WhatIf must not even try.
            $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
            $listener.Start()
            $port = $listener.LocalEndpoint.Port
            function Get-AgentFolders { @(Get-ChildItem ([IO.Path]::GetTempPath()) -Directory -Filter "sshkms-agent-$PID-*" -ErrorAction SilentlyContinue).FullName }
            function Get-OurSsh { @(Get-Process -Name ssh, scp -ErrorAction SilentlyContinue | Where-Object { $_.Parent.Id -eq $PID }) }
        }

        AfterAll { $listener.Stop() }

        It 'Invoke-SshKmsSession -WhatIf connects nowhere, signs nothing, starts no ssh or agent' {
            $h = New-Home
            $agents = Get-AgentFolders
            Invoke-SshKmsSession -HostName 127.0.0.1, localhost -Port $port -Command 'id' -ConfigFile /dev/null -WhatIf | Should -BeNullOrEmpty
            Invoke-SshKmsSession -HostName 127.0.0.1 -Port $port -CaKey local:session-ca -WhatIf | Should -BeNullOrEmpty
            $listener.Pending() | Should -BeFalse
            Get-OurSsh | Should -BeNullOrEmpty
            Get-AgentFolders | Should -Be $agents
            Get-Snapshot $h | Should -BeNullOrEmpty
        }

        It 'Copy-SshKmsItem -WhatIf copies nothing, signs nothing, starts no scp or agent' {
            $h = New-Home
            $agents = Get-AgentFolders
            $destination = Join-Path $work 'copied.txt'
            Copy-SshKmsItem -Path "127.0.0.1:/etc/hostname" -Destination $destination -Port $port -ConfigFile /dev/null -WhatIf | Should -BeNullOrEmpty
            $listener.Pending() | Should -BeFalse
            Test-Path $destination | Should -BeFalse
            Get-OurSsh | Should -BeNullOrEmpty
            Get-AgentFolders | Should -Be $agents
            Get-Snapshot $h | Should -BeNullOrEmpty
        }
    }

    Context 'AWS (moto_server)' {
        It 'New-SshKmsCaKey -WhatIf creates no KMS key and no alias' {
            $h = New-Home
            $before = Get-AwsState
            New-SshKmsCaKey -CaKey awskms:alias/whatif-ca @aws -WhatIf | Should -BeNullOrEmpty
            Get-AwsState | Should -Be $before
            Get-Snapshot $h | Should -BeNullOrEmpty
        }

        It 'New-SshKmsCertificate -WhatIf with a KMS CA signs nothing and journals nothing' {
            $h = New-Home
            New-SshKmsCaKey -CaKey awskms:alias/whatif-signer @aws | Out-Null
            $pub = New-PublicKey (Join-Path $work "kms-$([Guid]::NewGuid().ToString('N'))")
            $before = Get-Snapshot $work
            New-SshKmsCertificate -CaKey awskms:alias/whatif-signer -PublicKeyPath $pub -Principal a @aws -WhatIf | Should -BeNullOrEmpty
            Get-Snapshot $work | Should -Be $before
        }

        It 'New-SshKmsKeyPairSecret -WhatIf creates no secret' {
            $h = New-Home
            $before = Get-AwsState
            New-SshKmsKeyPairSecret -SecretId whatif/pair @aws -WhatIf | Should -BeNullOrEmpty
            Get-AwsState | Should -Be $before
            Get-Snapshot $h | Should -BeNullOrEmpty
        }

        It 'Invoke-SshKeyRotation -WhatIf adds no secret version, moves no stage, writes no journal line' {
            $h = New-Home
            New-SshKmsKeyPairSecret -SecretId whatif/rotated @aws | Out-Null
            $before = Get-AwsState
            $before | Should -Match 'whatif/rotated: \S+=AWSCURRENT'
            $files = Get-Snapshot $h
            Invoke-SshKeyRotation -SecretId whatif/rotated -InstanceId i-0123456789abcdef0 @aws -WhatIf | Should -BeNullOrEmpty
            Invoke-SshKeyRotation -SecretId whatif/rotated -Node 127.0.0.1 @aws -WhatIf | Should -BeNullOrEmpty
            Get-AwsState | Should -Be $before
            Get-Snapshot $h | Should -Be $files
        }
    }
}
