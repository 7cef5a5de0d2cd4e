namespace SshKms.Core.OpenSsh
{
    /// <summary>Malformed OpenSSH wire data: keys, certificates, signatures, agent messages.</summary>
    public sealed class SshFormatException : SshKmsException
    {
        public SshFormatException(string message, string errorId = "SshFormatInvalid")
            : base(errorId, SshKmsErrorCategory.InvalidData, message)
        {
        }
    }
}
