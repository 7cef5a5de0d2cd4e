@{
    RootModule           = 'SshKms.psm1'
    ModuleVersion        = '0.1.0'
    GUID                 = '6f3c2a8e-5d1b-4c7e-9a40-2b8d7e1f0c53'
    Author               = 'SshKms'
    CompanyName          = 'SshKms'
    Copyright            = '(c) SshKms contributors. MIT License.'
    Description          = 'SSH certificates, sessions, key rotation and envelope encryption anchored in AWS KMS.'
    PowerShellVersion    = '5.1'
    CompatiblePSEditions = @('Desktop', 'Core')
    CmdletsToExport      = @(
        'New-SshKmsCaKey'
        'Get-SshKmsCaPublicKey'
        'New-SshKmsCertificate'
        'Get-SshCertificate'
        'Invoke-SshKmsSession'
        'Copy-SshKmsItem'
        'Protect-SshKmsData'
        'Unprotect-SshKmsData'
        'New-SshKmsKeyPairSecret'
        'Get-SshKmsKeyPair'
        'Invoke-SshKeyRotation'
        'Get-SshKmsAudit'
        'Add-SshKmsAuditSeal'
        'Revoke-SshKmsCertificate'
        'Get-SshKmsRevocation'
        'Test-SshKmsRevocation'
        'Set-SshCaTrust'
        'Get-SshCaTrust'
        'Test-SshCaTrust'
        'Remove-SshCaTrust'
    )
    FormatsToProcess     = @('SshKms.format.ps1xml')
    TypesToProcess       = @('SshKms.types.ps1xml')
    FunctionsToExport    = @()
    VariablesToExport    = @()
    AliasesToExport      = @()
    PrivateData          = @{
        PSData = @{
            Tags         = @('SSH', 'KMS', 'AWS', 'Certificate', 'OpenSSH', 'SecretsManager', 'Encryption',
                             'PSEdition_Core', 'PSEdition_Desktop', 'Windows', 'Linux', 'MacOS')
            ProjectUri   = 'https://github.com/sshkms/SshKms'
            LicenseUri   = 'https://opensource.org/licenses/MIT'
            ReleaseNotes = @'
0.1.0
- SSH user and host certificates signed by an AWS KMS key (one KMS Sign per certificate), or a local key.
- SSH sessions and copies with per-session keys held only in memory.
- SSH key pairs in AWS Secrets Manager, rotated in four steps and distributed over SSH or SSM.
- KMS envelope encryption of secrets; an audit journal of every signature and session.
- The engine, AWSSDK and BouncyCastle load apart from other modules' copies (AWS.Tools can share the session).
'@
        }
    }
}
