# -Verbose and Write-Progress against the packaged module: which key, which KMS call with its request id, and which
# journal line a cmdlet made, checked against the key itself and the journal; progress over piped keys and hosts.

BeforeAll {
    $modulePath = if ($env:SSHKMS_MODULE_PATH) { $env:SSHKMS_MODULE_PATH } else { Join-Path $PSScriptRoot '../../out/SshKms' }
    $manifest = Join-Path $modulePath 'SshKms.psd1'
    Import-Module $manifest -Force
    . (Join-Path $PSScriptRoot 'Peers.ps1')
    $savedHome = $env:SSHKMS_HOME
    $env:SSHKMS_HOME = Join-Path ([IO.Path]::GetTempPath()) ('sshkms-verbose-' + [Guid]::NewGuid().ToString('N').Substring(0, 8))
    $work = Join-Path $env:SSHKMS_HOME 'work'
    New-Item -ItemType Directory -Path $work -Force | Out-Null
    $journal = Join-Path $env:SSHKMS_HOME 'audit.jsonl'

    function New-TestKey([string] $Name) {
        $path = Join-Path $work $Name
        ssh-keygen -q -t ed25519 -N '' -f $path
        "$path.pub"
    }

    # The verbose messages of a command, and its output.
    function Split-Verbose([object[]] $Records) {
        [pscustomobject]@{
            Verbose = @($Records | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object Message)
            Output  = @($Records | Where-Object { $_ -isnot [System.Management.Automation.VerboseRecord] })
        }
    }

    function Get-Fingerprint([string] $PublicKeyLine) { ((($PublicKeyLine | ssh-keygen -l -f -) -split ' ')[1]) }
}

AfterAll {
    Remove-Module SshKms -ErrorAction SilentlyContinue
    if (Test-Path $env:SSHKMS_HOME) { Remove-Item $env:SSHKMS_HOME -Recurse -Force }
    $env:SSHKMS_HOME = $savedHome
}

Describe 'New-SshKmsCertificate -Verbose with a local CA' {
    It 'names the key (URI and fingerprint) and the journal line it wrote' {
        New-SshKmsCaKey -CaKey local:verbose-ca | Out-Null
        # Two certificates first, so the line number is not trivially 1.
        New-SshKmsCertificate -CaKey local:verbose-ca -PublicKeyPath (New-TestKey 'first') -Principal p | Out-Null
        New-SshKmsCertificate -CaKey local:verbose-ca -PublicKeyPath (New-TestKey 'second') -Principal p | Out-Null

        $run = Split-Verbose (New-SshKmsCertificate -CaKey local:verbose-ca -PublicKeyPath (New-TestKey 'third') -Principal p -Verbose 4>&1)
        $run.Output | Should -HaveCount 1
        $cert = $run.Output[0]
        $fingerprint = Get-Fingerprint (Get-SshKmsCaPublicKey -CaKey local:verbose-ca)
        $run.Verbose | Where-Object { $_ -match 'local:verbose-ca' -and $_ -match [regex]::Escape($fingerprint) } | Should -Not -BeNullOrEmpty

        $record = Get-SshKmsAudit -Serial $cert.Serial
        $record.LineNumber | Should -Be 3
        $line = $run.Verbose | Where-Object { $_ -match 'journal' }
        $line | Should -HaveCount 1
        $line | Should -BeExactly "Audit journal $journal line $($record.LineNumber): certificate.issued"
    }

    It 'says nothing about Core without -Verbose' {
        $quiet = New-SshKmsCertificate -CaKey local:verbose-ca -PublicKeyPath (New-TestKey 'quiet') -Principal p 4>&1
        @($quiet | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }) | Should -BeNullOrEmpty
    }
}

Describe 'New-SshKmsCertificate -Verbose with a KMS CA' {
    BeforeAll {
        $moto = Start-MotoServer
        $aws = @{ Region = $moto.Region; EndpointUrl = $moto.Endpoint }
        New-SshKmsCaKey -CaKey awskms:alias/verbose-ca @aws | Out-Null
    }

    AfterAll { Stop-Peer $moto }

    It 'names the key, the KMS Sign call with the request id the journal recorded, and the journal line' {
        $run = Split-Verbose (New-SshKmsCertificate -CaKey awskms:alias/verbose-ca -PublicKeyPath (New-TestKey 'kms') -Principal p -Verbose @aws 4>&1)
        $run.Output | Should -HaveCount 1
        $cert = $run.Output[0]
        $fingerprint = Get-Fingerprint (Get-SshKmsCaPublicKey -CaKey awskms:alias/verbose-ca @aws)
        $run.Verbose | Where-Object { $_ -match '^CA key awskms:alias/verbose-ca \(arn:aws:kms:' -and $_ -match [regex]::Escape($fingerprint) } | Should -Not -BeNullOrEmpty

        $sign = $run.Verbose | Where-Object { $_ -match '^KMS Sign with awskms:alias/verbose-ca: request id (\S+)$' }
        $sign | Should -HaveCount 1
        $requestId = ($sign -split ' ')[-1]
        $record = Get-SshKmsAudit -Serial $cert.Serial
        $requestId | Should -Be $record.Fields.kmsRequestId
        $requestId | Should -Not -Be '(none)'
        $run.Verbose | Should -Contain "Audit journal $journal line $($record.LineNumber): certificate.issued"
    }
}

Describe 'Write-Progress' {
    # Progress records are not a redirectable stream: a second runspace in this process collects them.
    BeforeAll {
        function Invoke-Collecting([string] $Script) {
            $ps = [powershell]::Create()
            try {
                $ps.AddScript("Import-Module '$manifest'; $Script").Invoke() | Out-Null
                $ps.Streams.Error | ForEach-Object { throw $_ }
                @($ps.Streams.Progress)
            } finally {
                $ps.Dispose()
            }
        }
    }

    It 'New-SshKmsCertificate counts the piped keys it certified, then completes' {
        $dir = Join-Path $work 'many'
        New-Item -ItemType Directory -Path $dir | Out-Null
        foreach ($n in 1..3) { ssh-keygen -q -t ed25519 -N '' -f (Join-Path $dir "id_$n") }
        $progress = Invoke-Collecting "Get-ChildItem '$dir/*.pub' | New-SshKmsCertificate -CaKey local:verbose-ca -Principal p"
        $ours = @($progress | Where-Object Activity -eq 'New-SshKmsCertificate')
        @($ours | Where-Object RecordType -eq 'Processing').StatusDescription | Should -Be @('1 done', '2 done', '3 done')
        $ours[-1].RecordType | Should -Be 'Completed'
        $ours[0].CurrentOperation | Should -Match 'id_1\.pub'
    }

    It 'Invoke-SshKmsSession reports each host done, and -Verbose names its journal lines' -Tag Sessions {
        $node = Start-TestSshd -TrustedUserCaKey (Get-SshKmsCaPublicKey -CaKey local:verbose-ca)
        try {
            $options = "@{ UserKnownHostsFile = '$($node.KnownHosts)'; GlobalKnownHostsFile = '/dev/null'; BatchMode = 'yes' }"
            $user = [Environment]::UserName
            $progress = Invoke-Collecting "Invoke-SshKmsSession -HostName 127.0.0.1, localhost -Port $($node.Port) -UserName $user -CaKey local:verbose-ca -Command true -ConfigFile /dev/null -SshOption $options -ErrorAction SilentlyContinue"
            $ours = @($progress | Where-Object Activity -eq 'Invoke-SshKmsSession')
            @($ours | Where-Object RecordType -eq 'Processing').StatusDescription | Should -Be @('1 of 2 hosts done', '2 of 2 hosts done')
            $ours[-1].RecordType | Should -Be 'Completed'

            $run = Split-Verbose (Invoke-SshKmsSession -HostName 127.0.0.1 -Port $node.Port -UserName $user -CaKey local:verbose-ca -Command true -ConfigFile /dev/null `
                    -SshOption $node.SshOption -Verbose 4>&1)
            $run.Output[0].ExitCode | Should -Be 0
            $run.Verbose | Where-Object { $_ -match '^CA key local:verbose-ca' } | Should -Not -BeNullOrEmpty
            $last = Get-SshKmsAudit -Last 1
            $last.Type | Should -Be 'session.ended'
            $run.Verbose | Should -Contain "Audit journal $journal line $($last.LineNumber): session.ended"
        } finally {
            Stop-Peer $node
        }
    }
}
