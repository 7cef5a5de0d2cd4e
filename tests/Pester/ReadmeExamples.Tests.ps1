# The README's ```powershell blocks, as written. Every line that can run with local: keys runs, in order, in one
# fresh pwsh in a sandbox (ExampleRunner.ps1: HOME is a temp folder with ~/.ssh key pairs, SSHKMS_HOME inside it,
# AWS pointed at a closed port) whose ./out/SshKms is the packaged module (SSHKMS_MODULE_PATH, else out/SshKms), so
# `Import-Module ./out/SshKms` runs as written too. A line is not run only when one of the rules in $notRunHere
# names it, with its reason; such a line must still parse and name only cmdlets and parameters the module has.

BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'ExampleRunner.ps1')
    # What the sandbox cannot give a line, by what the line names. Lines no rule names run.
    $notRunHere = [ordered]@{
        'Invoke-SshKmsSession|Copy-SshKmsItem'                           = 'needs an sshd that trusts the CA'
        'New-SshKmsKeyPairSecret|Get-SshKmsKeyPair|Invoke-SshKeyRotation' = 'needs AWS Secrets Manager'
        'awskms:|alias/'                                                  = 'needs AWS KMS'
        '/etc/ssh'                                                        = "writes this machine's sshd configuration"
        'PSResourceRepository|-PSResource|-Publish |^Import-Module SshKms;' = 'publishes to and installs from a PSResourceGet repository (Install.Tests.ps1 does, in a temp folder)'
    }
    $lines = @(Get-ReadmePowerShellLine -Readme (Join-Path $PSScriptRoot '../../README.md') -NotRunHere $notRunHere)
    $runLines = @($lines | Where-Object { -not $_.Reason })
    $notRunLines = @($lines | Where-Object { $_.Reason })
}

# The lines to run reach the run phase as this block's data (discovery's variables do not).
Describe 'README PowerShell lines' -ForEach @(@{ RunLines = $runLines }) {
    BeforeAll {
        $modulePath = if ($env:SSHKMS_MODULE_PATH) { $env:SSHKMS_MODULE_PATH } else { Join-Path $PSScriptRoot '../../out/SshKms' }
        . (Join-Path $PSScriptRoot 'ExampleRunner.ps1')
        Import-Module (Join-Path $modulePath 'SshKms.psd1') -Force

        # All runnable lines in one script, in README order, so variables ($ca, $b64) carry from line to line. Each
        # line's outcome is recorded; a failed line does not stop the ones after it.
        $sandbox = New-ExampleSandbox
        New-Item -ItemType Directory -Path (Join-Path $sandbox 'out') | Out-Null
        New-Item -ItemType SymbolicLink -Path (Join-Path $sandbox 'out/SshKms') -Target (Resolve-Path $modulePath).Path | Out-Null
        $resultsFile = Join-Path $sandbox 'readme-results.json'
        $script = [System.Text.StringBuilder]::new('$__results = @{}' + "`n")
        foreach ($line in $RunLines) {
            [void]$script.AppendLine("try {`n$($line.Text)`n`$__results['$($line.Index)'] = 'ran' } catch { `$__results['$($line.Index)'] = `"`$_`" }")
        }
        [void]$script.AppendLine("`$__results | ConvertTo-Json | Set-Content '$resultsFile'")
        $run = Invoke-ExampleCode -Code $script.ToString() -Sandbox $sandbox -ModulePath $modulePath -NoImport
        $results = if (Test-Path $resultsFile) { Get-Content -Raw $resultsFile | ConvertFrom-Json -AsHashtable } else { @{} }
    }

    AfterAll {
        Remove-Item $sandbox -Recurse -Force -ErrorAction SilentlyContinue
        Remove-Module SshKms -ErrorAction SilentlyContinue
    }

    It 'runs as written: <Text>' -ForEach $runLines {
        $results["$Index"] | Should -Be 'ran' -Because "the README line failed in the sandbox; all output:`n$($run.Output)"
    }

    It 'not run here, it <Reason>; it parses and names only cmdlets and parameters SshKms has: <Text>' -ForEach $notRunLines {
        $errors = $null
        $ast = [System.Management.Automation.Language.Parser]::ParseInput($Text, [ref]$null, [ref]$errors)
        $errors | Should -BeNullOrEmpty
        $commands = $ast.FindAll({ $args[0] -is [System.Management.Automation.Language.CommandAst] }, $true)
        foreach ($command in $commands) {
            $info = Get-Command $command.GetCommandName() -ErrorAction SilentlyContinue
            if (-not $info -or $info.ModuleName -ne 'SshKms') { continue }
            foreach ($parameter in $command.CommandElements | Where-Object { $_ -is [System.Management.Automation.Language.CommandParameterAst] }) {
                $known = $info.Parameters.Values | Where-Object { $_.Name -eq $parameter.ParameterName -or $_.Aliases -contains $parameter.ParameterName }
                $known | Should -Not -BeNullOrEmpty -Because "$($info.Name) has no parameter -$($parameter.ParameterName)"
            }
        }
    }
}
