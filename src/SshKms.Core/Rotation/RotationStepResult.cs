namespace SshKms.Core.Rotation
{
    /// <summary>One step on one node (Node is null for steps that only touch Secrets Manager).</summary>
    public sealed class RotationStepResult
    {
        public string SecretId { get; set; } = string.Empty;

        public RotationStep Step { get; set; }

        public string? Node { get; set; }

        public bool Succeeded { get; set; }

        public bool Skipped { get; set; }

        public string VersionId { get; set; } = string.Empty;

        public string Detail { get; set; } = string.Empty;
    }
}
