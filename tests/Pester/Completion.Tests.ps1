# Tab completion through TabExpansion2, as the console asks for it, against the packaged module: local keys from a
# temp SSHKMS_HOME, KMS aliases from a moto_server, AWS profiles from temp config and credentials files.

BeforeAll {
    $modulePath = if ($env:SSHKMS_MODULE_PATH) { $env:SSHKMS_MODULE_PATH } else { Join-Path $PSScriptRoot '../../out/SshKms' }
    Import-Module (Join-Path $modulePath 'SshKms.psd1') -Force
    . (Join-Path $PSScriptRoot 'Peers.ps1')
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    $saved = @{}
    foreach ($name in 'SSHKMS_HOME', 'AWS_CONFIG_FILE', 'AWS_SHARED_CREDENTIALS_FILE', 'AWS_ENDPOINT_URL', 'AWS_REGION') { $saved[$name] = [Environment]::GetEnvironmentVariable($name) }
    $root = Join-Path ([IO.Path]::GetTempPath()) ('sshkms-completion-' + [Guid]::NewGuid().ToString('N').Substring(0, 8))
    $env:SSHKMS_HOME = Join-Path $root 'home'

    function Complete([string] $Line) {
        @((TabExpansion2 -inputScript $Line -cursorColumn $Line.Length).CompletionMatches.CompletionText)
    }
}

AfterAll {
    Remove-Module SshKms -ErrorAction SilentlyContinue
    foreach ($name in $saved.Keys) { Set-TestEnvironmentVariable $name $saved[$name] }
    if (Test-Path $root) { Remove-Item $root -Recurse -Force }
}

Describe 'local: key names' {
    It 'completes nothing, and creates nothing, while SSHKMS_HOME does not exist' {
        Complete 'New-SshKmsCertificate -CaKey local:' | Should -BeNullOrEmpty
        Test-Path $env:SSHKMS_HOME | Should -BeFalse
    }

    It '-CaKey offers the local CA keys, -KeyId the local data keys' {
        New-SshKmsCaKey -CaKey local:alpha | Out-Null
        New-SshKmsCaKey -CaKey local:beta | Out-Null
        # A local data key is made by the first encryption under it (with -Create where the cmdlet asks for it).
        $create = if ((Get-Command Protect-SshKmsData).Parameters.ContainsKey('Create')) { @{ Create = $true } } else { @{} }
        'x' | Protect-SshKmsData -KeyId local:payroll @create | Out-Null
        $before = @(Get-ChildItem (Join-Path $env:SSHKMS_HOME 'keys')).Name

        Complete 'New-SshKmsCertificate -CaKey local:' | Should -Be @('local:alpha', 'local:beta')
        Complete 'New-SshKmsCertificate -CaKey local:b' | Should -Be @('local:beta')
        Complete "Get-SshKmsCaPublicKey -CaKey 'local:a" | Should -Be @('local:alpha')
        Complete 'Invoke-SshKmsSession -HostName h -CaKey local:' | Should -Be @('local:alpha', 'local:beta')
        Complete 'Protect-SshKmsData -String x -KeyId local:' | Should -Be @('local:payroll')
        Complete 'Unprotect-SshKmsData -Base64 x -KeyId local:p' | Should -Be @('local:payroll')

        # A name that is not there is not made by asking for it.
        Complete 'New-SshKmsCertificate -CaKey local:typo' | Should -BeNullOrEmpty
        @(Get-ChildItem (Join-Path $env:SSHKMS_HOME 'keys')).Name | Should -Be $before
    }
}

Describe 'KMS aliases' {
    BeforeAll {
        $moto = Start-MotoServer
        Remove-Item Env:AWS_ENDPOINT_URL, Env:AWS_REGION -ErrorAction SilentlyContinue
        New-SshKmsCaKey -CaKey awskms:alias/team-ca -Region us-east-1 -EndpointUrl $moto.Endpoint | Out-Null
        New-SshKmsCaKey -CaKey awskms:alias/team-ca-2 -Region us-east-1 -EndpointUrl $moto.Endpoint | Out-Null
    }

    AfterAll {
        Remove-Item Env:AWS_ENDPOINT_URL, Env:AWS_REGION -ErrorAction SilentlyContinue
        Stop-Peer $moto
    }

    It 'lists the aliases of the region and endpoint typed before -CaKey' {
        Complete "Get-SshKmsCaPublicKey -Region us-east-1 -EndpointUrl $($moto.Endpoint) -CaKey awskms:alias/te" |
            Should -Be @('awskms:alias/team-ca', 'awskms:alias/team-ca-2')
        Complete "New-SshKmsCertificate -Region us-east-1 -EndpointUrl $($moto.Endpoint) -CaKey alias/team-ca-" | Should -Be @('awskms:alias/team-ca-2')
        # An empty word offers local keys and aliases alike.
        $all = Complete "New-SshKmsCertificate -Region us-east-1 -EndpointUrl $($moto.Endpoint) -CaKey "
        $all | Should -Contain 'awskms:alias/team-ca'
        $all | Should -Contain 'local:alpha'
        Complete "New-SshKmsKeyPairSecret -SecretId s -Region us-east-1 -EndpointUrl $($moto.Endpoint) -KmsKeyId awskms:" | Should -Be @('awskms:alias/team-ca', 'awskms:alias/team-ca-2')
    }

    It 'keeps the list for the process: an alias made later shows under another region only once asked there' {
        New-SshKmsCaKey -CaKey awskms:alias/team-late -Region us-east-1 -EndpointUrl $moto.Endpoint | Out-Null
        Complete "Get-SshKmsCaPublicKey -Region us-east-1 -EndpointUrl $($moto.Endpoint) -CaKey awskms:alias/team-l" | Should -BeNullOrEmpty
        New-SshKmsCaKey -CaKey awskms:alias/west-ca -Region us-west-2 -EndpointUrl $moto.Endpoint | Out-Null
        Complete "Get-SshKmsCaPublicKey -Region us-west-2 -EndpointUrl $($moto.Endpoint) -CaKey awskms:" | Should -Be @('awskms:alias/west-ca')
    }

    It 'takes the endpoint from AWS_ENDPOINT_URL and the region from AWS_REGION' {
        $env:AWS_ENDPOINT_URL = $moto.Endpoint
        $env:AWS_REGION = 'eu-west-1'
        New-SshKmsCaKey -CaKey awskms:alias/eu-ca | Out-Null
        Complete 'Protect-SshKmsData -String x -KeyId awskms:alias/' | Should -Be @('awskms:alias/eu-ca')
    }

    It 'completes nothing from AWS, and writes no error, when the endpoint does not answer' {
        $Error.Clear()
        $closed = Get-FreePort
        Complete "Get-SshKmsCaPublicKey -Region us-east-1 -EndpointUrl http://127.0.0.1:$closed -CaKey awskms:" | Should -BeNullOrEmpty
        $Error.Count | Should -Be 0
    }
}

Describe 'AWS profile names' {
    BeforeAll {
        $env:AWS_CONFIG_FILE = Join-Path $root 'aws-config'
        $env:AWS_SHARED_CREDENTIALS_FILE = Join-Path $root 'aws-credentials'
        New-Item -ItemType Directory -Path $root -Force | Out-Null
        Set-Content $env:AWS_CONFIG_FILE "[default]`nregion = us-east-1`n`n[profile dev]`nregion = eu-west-1`n[sso-session corp]`nsso_region = us-east-1`n[profile prod-admin]`nregion = us-east-1"
        Set-Content $env:AWS_SHARED_CREDENTIALS_FILE "[ci]`naws_access_key_id = x`naws_secret_access_key = y`n[dev]`naws_access_key_id = x`naws_secret_access_key = y"
    }

    It 'offers the profiles of both files, each once, and not sso-session sections' {
        Complete 'Get-SshKmsCaPublicKey -ProfileName ' | Should -Be @('ci', 'default', 'dev', 'prod-admin')
        Complete 'Invoke-SshKeyRotation -SecretId s -Node n -ProfileName d' | Should -Be @('default', 'dev')
        Complete 'New-SshKmsCertificate -Profile pr' | Should -Be @('prod-admin')
    }

    It 'offers nothing when the files do not exist' {
        $env:AWS_CONFIG_FILE = Join-Path $root 'none-config'
        $env:AWS_SHARED_CREDENTIALS_FILE = Join-Path $root 'none-credentials'
        Complete 'Get-SshKmsCaPublicKey -ProfileName ' | Should -BeNullOrEmpty
    }
}
