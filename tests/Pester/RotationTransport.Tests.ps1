# Invoke-SshKeyRotation over SSH on each transport, against the packaged module, moto_server and a
# real sshd. Tagged Sessions and run on both builds: on net8.0 every transport works; on the netstandard2.0 build
# (Windows PowerShell 5.1's) Auto is Managed, and OpenSsh is refused up front because ssh cannot be given the key.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    . (Join-Path $PSScriptRoot 'Peers.ps1')
    Import-Module (Join-Path (Get-TestModulePath) 'SshKms.psd1') -Force
    $savedHome = $env:SSHKMS_HOME
    $env:SSHKMS_HOME = New-TestFolder 'sshkms-rotation-transport'
    $build = Get-TestModuleBuild
    $user = [Environment]::UserName
    $moto = Start-MotoServer
    $aws = @{ Region = $moto.Region; EndpointUrl = $moto.Endpoint }
}

AfterAll {
    Stop-Peer $moto
    Remove-Module SshKms -ErrorAction SilentlyContinue
    if (Test-Path $env:SSHKMS_HOME) { Remove-Item $env:SSHKMS_HOME -Recurse -Force }
    $env:SSHKMS_HOME = $savedHome
}

Describe 'Invoke-SshKeyRotation -Transport' -Tag Sessions {
    It '<Transport>: the node gets the new key, or OpenSsh on netstandard2.0 is refused before a version is made' -ForEach @(
        @{ Transport = 'Auto' }, @{ Transport = 'OpenSsh' }, @{ Transport = 'Managed' }
    ) {
        $secret = "transport/$Transport-" + [Guid]::NewGuid().ToString('N').Substring(0, 8)
        $first = New-SshKmsKeyPairSecret -SecretId $secret -UserName $user @aws
        $node = Start-TestSshd -AuthorizedKey $first.PublicKey
        try {
            $steps = Invoke-SshKeyRotation -SecretId $secret -Node "127.0.0.1:$($node.Port)" -Transport $Transport -ConfigFile /dev/null `
                -SshOption $node.SshOption @aws -ErrorVariable failed -ErrorAction SilentlyContinue
            $current = Get-SshKmsKeyPair -SecretId $secret -PublicOnly @aws
            $keys = Get-Content (Join-Path $node.Dir 'authorized_keys')
            if ($build -eq 'netstandard2.0' -and $Transport -eq 'OpenSsh') {
                $failed[0].FullyQualifiedErrorId | Should -Match '^SessionTransportUnsupported,'
                $steps | Should -BeNullOrEmpty
                $current.Fingerprint | Should -Be $first.Fingerprint
                $keys | Should -Be @($first.PublicKey)
            } else {
                $failed | Should -BeNullOrEmpty
                $steps | Where-Object { -not $_.Succeeded -and -not $_.Skipped } | Should -BeNullOrEmpty
                $current.Fingerprint | Should -Not -Be $first.Fingerprint
                @($keys).Count | Should -Be 1
                $keys | Should -Match ([regex]::Escape($current.PublicKey.Split(' ')[1]))
                # Auto is Managed where ssh cannot be given the key: sshd logs SSH.NET's goodbye, not ssh's.
                $managed = $Transport -eq 'Managed' -or ($Transport -eq 'Auto' -and $build -eq 'netstandard2.0')
                $goodbye = if ($managed) { 'Connection terminated by the client.' } else { 'disconnected by user' }
                Get-Content (Join-Path $node.Dir 'sshd.log') -Raw | Should -Match ([regex]::Escape($goodbye))
            }
        } finally {
            Stop-Peer $node
        }
    }

    It 'a name that is not a transport is SshTransportInvalid, before any AWS call' {
        Invoke-SshKeyRotation -SecretId never/made -Node 127.0.0.1 -Transport Telnet -Region us-east-1 -EndpointUrl 'http://127.0.0.1:9' `
            -ErrorVariable failed -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $failed[0].FullyQualifiedErrorId | Should -Match '^SshTransportInvalid,'
    }
}
