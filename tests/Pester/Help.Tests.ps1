# Get-Help for every cmdlet the manifest exports, read from the packaged module (SSHKMS_MODULE_PATH, else
# out/SshKms) the way a user reads it, and the docs/cmdlets pages it is compiled from: every cmdlet has a page, a
# synopsis, a description, a description for each of its parameters (common parameters aside), the parameter
# facts the cmdlet really has, and an example; no page documents a parameter the cmdlet does not have. Each page's
# first example runs, as written, in a sandbox with local: keys (ExampleRunner.ps1: the user's ~/.ssh key pairs, a
# local CA local:dev-ca and a certificate ~/.ssh/id_ed25519-cert.pub from it), except the pages listed in
# $needsPeer, whose cmdlets cannot run without AWS or an sshd.

BeforeDiscovery {
    $modulePath = if ($env:SSHKMS_MODULE_PATH) { $env:SSHKMS_MODULE_PATH } else { Join-Path $PSScriptRoot '../../out/SshKms' }
    $docs = Join-Path $PSScriptRoot '../../docs/cmdlets'
    $cmdletNames = @((Import-PowerShellDataFile (Join-Path $modulePath 'SshKms.psd1')).CmdletsToExport)
    $pageNames = @(Get-ChildItem $docs -Filter *.md | ForEach-Object BaseName)

    # Pages whose first example is not run here, and why. Everything else runs with local: keys.
    $needsPeer = @{
        'Invoke-SshKmsSession'    = 'logs in to an sshd that trusts the CA (the xunit session tests start one)'
        'Copy-SshKmsItem'         = 'copies to an sshd that trusts the CA (the xunit session tests start one)'
        'New-SshKmsKeyPairSecret' = 'stores the key pair in AWS Secrets Manager'
        'Get-SshKmsKeyPair'       = 'reads a key pair from AWS Secrets Manager'
        'Invoke-SshKeyRotation'   = 'rotates a Secrets Manager secret onto sshd or SSM nodes'
    }
    $runnablePages = @($pageNames | Where-Object { -not $needsPeer.ContainsKey($_) })
    $peerPages = @($pageNames | Where-Object { $needsPeer.ContainsKey($_) } | ForEach-Object { @{ Name = $_; Reason = $needsPeer[$_] } })
}

BeforeAll {
    $modulePath = if ($env:SSHKMS_MODULE_PATH) { $env:SSHKMS_MODULE_PATH } else { Join-Path $PSScriptRoot '../../out/SshKms' }
    $docs = Join-Path $PSScriptRoot '../../docs/cmdlets'
    Import-Module (Join-Path $modulePath 'SshKms.psd1') -Force
    . (Join-Path $PSScriptRoot 'ExampleRunner.ps1')
    $common = [Management.Automation.Cmdlet]::CommonParameters

    # The code of a page's first '### Example': its first fenced block, as written.
    function Get-FirstExampleCode([string] $Page) {
        $text = Get-Content -Raw (Join-Path $docs "$Page.md")
        $examples = $text.Substring($text.IndexOf("`n## EXAMPLES"))
        if ($examples -notmatch '(?s)### Example[^\n]*\n+```[a-z]*\n(.*?)\n```') { throw "$Page.md has no example code" }
        $Matches[1]
    }
}

AfterAll {
    Remove-Module SshKms -ErrorAction SilentlyContinue
}

Describe 'Get-Help <_>' -ForEach $cmdletNames {
    BeforeAll {
        $command = Get-Command $_ -Module SshKms
        $help = Get-Help $_ -Full
        # The cmdlet's own parameters; -WhatIf and -Confirm are its own too (SupportsShouldProcess) and documented.
        $parameters = @($command.Parameters.Values | Where-Object { $common -notcontains $_.Name })
        $helpParameters = @($help.parameters.parameter)
        function Text($value) { (@($value) | ForEach-Object { $_.Text }) -join "`n" }
    }

    It 'has a docs/cmdlets page' {
        Join-Path $docs "$_.md" | Should -Exist
    }

    It 'shows a synopsis, not the syntax PowerShell makes up without help' {
        $help.Synopsis | Should -Not -BeNullOrEmpty
        $help.Synopsis | Should -Not -Match "^\s*$_\s+\["
    }

    It 'shows a description' {
        Text $help.description | Should -Not -BeNullOrEmpty
    }

    It 'describes every parameter the cmdlet has' {
        $undescribed = foreach ($p in $parameters) {
            $entry = $helpParameters | Where-Object name -EQ $p.Name
            if (-not $entry -or -not (Text $entry.description).Trim()) { $p.Name }
        }
        $undescribed | Should -BeNullOrEmpty -Because 'every parameter needs a description on its docs page'
    }

    It 'documents no parameter the cmdlet does not have' {
        $unknown = $helpParameters.name | Where-Object { $parameters.Name -notcontains $_ }
        $unknown | Should -BeNullOrEmpty
        $pageParameters = [regex]::Matches((Get-Content -Raw (Join-Path $docs "$_.md")), '(?m)^### -(\w+)') | ForEach-Object { $_.Groups[1].Value }
        $pageParameters | Where-Object { $parameters.Name -notcontains $_ } | Should -BeNullOrEmpty
    }

    It 'states each parameter as the cmdlet declares it: type, aliases, required, position, pipeline input, wildcards' {
        $wrong = foreach ($p in $parameters) {
            $entry = $helpParameters | Where-Object name -EQ $p.Name
            if (-not $entry) { continue }
            $sets = @($p.ParameterSets.Values)
            $aliases = if ($entry.aliases -eq 'none') { @() } else { @($entry.aliases -split ',\s*' | Where-Object { $_ }) }
            $declaredAliases = @($p.Aliases)
            if ((($aliases | Sort-Object) -join ', ') -ne (($declaredAliases | Sort-Object) -join ', ')) { "-$($p.Name) aliases: help '$($aliases -join ', ')', cmdlet '$($declaredAliases -join ', ')'" }
            $required = [bool]($sets | Where-Object IsMandatory)
            if (($entry.required -eq 'true') -ne $required) { "-$($p.Name) required: help $($entry.required), cmdlet $required" }
            $position = @($sets | Where-Object Position -GE 0 | ForEach-Object Position | Select-Object -Unique)
            $expected = if ($position.Count) { [string]$position[0] } else { 'named' }
            if ($entry.position -ne $expected) { "-$($p.Name) position: help $($entry.position), cmdlet $expected" }
            $type = if ([Nullable]::GetUnderlyingType($p.ParameterType)) { [Nullable]::GetUnderlyingType($p.ParameterType) } else { $p.ParameterType }
            if ($entry.type.name -ne $type.Name) { "-$($p.Name) type: help $($entry.type.name), cmdlet $($type.Name)" }
            $wildcards = [bool]($p.Attributes | Where-Object { $_ -is [System.Management.Automation.SupportsWildcardsAttribute] })
            if (($entry.globbing -eq 'true') -ne $wildcards) { "-$($p.Name) wildcards: help $($entry.globbing), cmdlet $wildcards" }
            $byValue = [bool]($sets | Where-Object ValueFromPipeline)
            $byName = [bool]($sets | Where-Object ValueFromPipelineByPropertyName)
            $declared = $entry.pipelineInput
            if (($declared -match '^True') -ne ($byValue -or $byName) -or ($declared -match 'ByValue') -ne $byValue -or ($declared -match 'ByPropertyName') -ne $byName) {
                "-$($p.Name) pipeline input: help '$declared', cmdlet ByValue=$byValue ByPropertyName=$byName"
            }
        }
        $wrong | Should -BeNullOrEmpty
    }

    It 'shows one syntax per parameter set, with that set''s parameters' {
        $syntax = @($help.syntax.syntaxItem | ForEach-Object { (@($_.parameter.name) | Sort-Object) -join ' ' })
        foreach ($set in $command.ParameterSets) {
            $names = (@($set.Parameters.Name | Where-Object { $common -notcontains $_ }) | Sort-Object) -join ' '
            $syntax | Should -Contain $names -Because "parameter set '$($set.Name)' is $names"
        }
        $syntax.Count | Should -Be $command.ParameterSets.Count
    }

    It 'lists every type the cmdlet declares as output, and its pipeline input' {
        $outputs = @($help.returnValues.returnValue | ForEach-Object { $_.type.name.Trim() })
        foreach ($type in $command.OutputType) { $outputs | Should -Contain $type.Name }
        if ($parameters | Where-Object { $_.ParameterSets.Values | Where-Object { $_.ValueFromPipeline -or $_.ValueFromPipelineByPropertyName } }) {
            @($help.inputTypes.inputType | Where-Object { $_.type.name.Trim() }).Count | Should -BeGreaterThan 0
        }
    }

    It 'shows at least one example with code' {
        $examples = @($help.examples.example)
        $examples.Count | Should -BeGreaterThan 0
        $examples[0].code | Should -Not -BeNullOrEmpty
    }
}

Describe 'docs/cmdlets' {
    It 'has a page only for a cmdlet the manifest exports: <_>' -ForEach $pageNames {
        (Import-PowerShellDataFile (Join-Path $modulePath 'SshKms.psd1')).CmdletsToExport | Should -Contain $_
    }

    It 'about_SshKms is shown by Get-Help once the module is imported' {
        $about = Get-Help about_SshKms | Out-String
        $about | Should -Match 'about_SshKms'
        $about | Should -Match 'SSHKMS_HOME'
    }
}

Describe 'The first example of each docs page' -Tag 'Examples' {
    It '<_>.md runs as written with local: keys' -ForEach $runnablePages {
        $sandbox = New-ExampleSandbox
        try {
            $result = Invoke-ExampleCode -Code (Get-FirstExampleCode $_) -Sandbox $sandbox -ModulePath $modulePath -WithCertificate
            $result.ExitCode | Should -Be 0 -Because $result.Output
        } finally {
            Remove-Item $sandbox -Recurse -Force -ErrorAction SilentlyContinue
        }
    }

    # Not run here: listed in $needsPeer with the reason. The check keeps the list honest: such an example must
    # name the AWS resource or host it needs.
    It '<Name>.md is not run here: it <Reason>' -ForEach $peerPages {
        Get-FirstExampleCode $Name | Should -Match 'alias/|awskms:|SecretId|HostName|web\d|db\d' -Because "the example needs what the list says: $Reason"
    }
}
