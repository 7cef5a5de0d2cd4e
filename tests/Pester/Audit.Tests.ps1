# The audit trail from PowerShell, against the packaged module (build.ps1 sets SSHKMS_MODULE_PATH; otherwise
# out/SshKms): the hash chain through Get-SshKmsAudit -Verify, seals through Add-SshKmsAuditSeal, and a session stopped
# mid-run (PowerShell.Stop() on a real sshd) that still gets its session.ended line.

BeforeAll {
    $modulePath = if ($env:SSHKMS_MODULE_PATH) { $env:SSHKMS_MODULE_PATH } else { Join-Path $PSScriptRoot '../../out/SshKms' }
    $script:manifestPath = Join-Path $modulePath 'SshKms.psd1'
    Import-Module $script:manifestPath -Force
    $script:previousHome = $env:SSHKMS_HOME
    $env:SSHKMS_HOME = Join-Path ([IO.Path]::GetTempPath()) ("sshkms-pester-audit-" + [Guid]::NewGuid().ToString('N').Substring(0, 8))
    New-Item -ItemType Directory -Path $env:SSHKMS_HOME | Out-Null
    $script:journal = Join-Path $env:SSHKMS_HOME 'audit.jsonl'

    function New-TestCertificate([string] $CaKey, [string] $Principal) {
        $key = Join-Path $env:SSHKMS_HOME ("id_" + [Guid]::NewGuid().ToString('N').Substring(0, 8))
        ssh-keygen -q -t ed25519 -N '' -f $key
        Get-Item "$key.pub" | New-SshKmsCertificate -CaKey $CaKey -Principal $Principal -Validity '5m' | Out-Null
    }
}

AfterAll {
    Remove-Module SshKms -ErrorAction SilentlyContinue
    if ($env:SSHKMS_HOME -and (Test-Path $env:SSHKMS_HOME)) { Remove-Item $env:SSHKMS_HOME -Recurse -Force }
    $env:SSHKMS_HOME = $script:previousHome
}

Describe 'The audit journal''s hash chain' {
    BeforeAll {
        New-SshKmsCaKey -CaKey local:pester-audit | Out-Null
        New-SshKmsCaKey -CaKey local:pester-other | Out-Null
    }

    It 'Get-SshKmsAudit -Verify passes on an intact chain and names the first bad line of an edited one' {
        New-TestCertificate -CaKey local:pester-audit -Principal alice
        New-TestCertificate -CaKey local:pester-audit -Principal bob
        $ok = Get-SshKmsAudit -Verify -WarningAction SilentlyContinue
        $ok.Lines | Should -Be 2
        $ok.ChainStart | Should -Be 1

        $copy = Join-Path $env:SSHKMS_HOME 'edited.jsonl'
        $lines = Get-Content $script:journal
        $lines[0] = $lines[0].Replace('"alice"', '"mallory"')
        Set-Content -Path $copy -Value $lines
        { Get-SshKmsAudit -Verify -Path $copy } | Should -Throw -ErrorId 'AuditChainBroken,SshKms.PowerShell.Audit.GetSshKmsAudit'
        $err = $null
        try { Get-SshKmsAudit -Verify -Path $copy } catch { $err = $_ }
        $err.Exception.Message | Should -Match 'broken at line 1'
    }

    It 'Add-SshKmsAuditSeal -WhatIf signs and writes nothing; a seal is checked against the pinned CA key' {
        $before = (Get-Content $script:journal).Count
        Add-SshKmsAuditSeal -CaKey local:pester-audit -WhatIf
        (Get-Content $script:journal).Count | Should -Be $before

        $seal = Add-SshKmsAuditSeal -CaKey local:pester-audit
        $seal.LineNumber | Should -Be ($before + 1)
        $seal.Fingerprint | Should -Be ((Get-SshKmsCaPublicKey -CaKey local:pester-audit | ssh-keygen -l -f -) -split ' ')[1]
        $verified = Get-SshKmsAudit -Verify -CaKey local:pester-audit
        $verified.Seals.LineNumber | Should -Be @($seal.LineNumber)
        { Get-SshKmsAudit -Verify -CaKey local:pester-other } | Should -Throw -ErrorId 'AuditChainBroken,SshKms.PowerShell.Audit.GetSshKmsAudit'
        (Get-SshKmsAudit -Type audit.sealed).Fields['head'] | Should -Be $seal.Head
    }
}

Describe 'A session stopped mid-run' {
    BeforeAll {
        $script:caLine = Get-SshKmsCaPublicKey -CaKey local:pester-audit
        $script:sshdDir = Join-Path $env:SSHKMS_HOME 'sshd'
        New-Item -ItemType Directory -Path $script:sshdDir, (Join-Path $script:sshdDir 'home') | Out-Null
        New-Item -ItemType Directory -Path /run/sshd -Force | Out-Null
        ssh-keygen -q -t ed25519 -N '' -f (Join-Path $script:sshdDir 'host_key')
        $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
        $listener.Start(); $script:port = $listener.LocalEndpoint.Port; $listener.Stop()
        Set-Content (Join-Path $script:sshdDir 'ca_keys') $script:caLine
        Set-Content (Join-Path $script:sshdDir 'known_hosts') "[127.0.0.1]:$($script:port) $((Get-Content (Join-Path $script:sshdDir 'host_key.pub')).Trim())"
        @(
            "Port $($script:port)", 'ListenAddress 127.0.0.1', "HostKey $(Join-Path $script:sshdDir 'host_key')",
            "PidFile $(Join-Path $script:sshdDir 'sshd.pid')", 'AuthorizedKeysFile none', "TrustedUserCAKeys $(Join-Path $script:sshdDir 'ca_keys')",
            'PasswordAuthentication no', 'KbdInteractiveAuthentication no', 'StrictModes no', 'UsePAM no', "SetEnv HOME=$(Join-Path $script:sshdDir 'home')"
        ) | Set-Content (Join-Path $script:sshdDir 'sshd_config')
        $script:sshd = Start-Process /usr/sbin/sshd -ArgumentList '-D', '-e', '-f', (Join-Path $script:sshdDir 'sshd_config') -PassThru `
            -RedirectStandardError (Join-Path $script:sshdDir 'sshd.log')
        $deadline = (Get-Date).AddSeconds(20)
        while ((Get-Date) -lt $deadline) {
            try { $c = [System.Net.Sockets.TcpClient]::new('127.0.0.1', $script:port); $c.Dispose(); break } catch { Start-Sleep -Milliseconds 100 }
        }
    }

    AfterAll {
        if ($script:sshd -and -not $script:sshd.HasExited) { Stop-Process -Id $script:sshd.Id }
    }

    It 'PowerShell.Stop() during Invoke-SshKmsSession records session.ended with exit 130 and the reason' -Tag Sessions {
        $marker = Join-Path $script:sshdDir 'started'
        $ps = [PowerShell]::Create()
        $null = $ps.AddScript({
            param($manifest, $port, $knownHosts, $marker)
            Import-Module $manifest
            Invoke-SshKmsSession -HostName 127.0.0.1 -Port $port -UserName (whoami) -CaKey local:pester-audit -ConfigFile /dev/null `
                -SshOption @{ UserKnownHostsFile = $knownHosts; GlobalKnownHostsFile = '/dev/null' } -Command "touch '$marker'; sleep 60"
        }).AddArgument($script:manifestPath).AddArgument($script:port).AddArgument((Join-Path $script:sshdDir 'known_hosts')).AddArgument($marker)
        $async = $ps.BeginInvoke()
        $deadline = (Get-Date).AddSeconds(60)
        while (-not (Test-Path $marker) -and -not $async.IsCompleted -and (Get-Date) -lt $deadline) { Start-Sleep -Milliseconds 50 }
        # (Enumerating the Error stream itself would block until the pipeline ends: ReadAll takes what is there.)
        if (-not (Test-Path $marker)) { throw "the remote command never started: $($ps.Streams.Error.ReadAll() | Out-String)" }
        $async.IsCompleted | Should -BeFalse

        $stopped = [Diagnostics.Stopwatch]::StartNew()
        $ps.Stop()
        $stopped.Elapsed.TotalSeconds | Should -BeLessThan 30
        $ps.InvocationStateInfo.State | Should -Be 'Stopped'
        $ps.Dispose()

        $ended = Get-SshKmsAudit -Type session.ended | Where-Object { $_.Fields['command'] -like "*$marker*" }
        @($ended).Count | Should -Be 1
        $ended.ExitCode | Should -Be 130
        $ended.ErrorId | Should -Be 'SessionCancelled'
        $ended.Fields['reason'] | Should -Be 'pipeline stopped'
        $ended.Fields['credential'] | Should -Be 'local:pester-audit'
    }
}
