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
    )
    FunctionsToExport    = @()
    VariablesToExport    = @()
    AliasesToExport      = @()
    PrivateData          = @{
        PSData = @{
            Tags       = @('SSH', 'KMS', 'AWS', 'Certificate', 'OpenSSH', 'SecretsManager')
            LicenseUri = 'https://opensource.org/licenses/MIT'
        }
    }
}
