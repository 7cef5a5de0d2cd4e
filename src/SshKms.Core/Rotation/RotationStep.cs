namespace SshKms.Core.Rotation
{
    public enum RotationStep
    {
        CreateSecret,
        SetSecret,
        TestSecret,
        FinishSecret,
    }
}
