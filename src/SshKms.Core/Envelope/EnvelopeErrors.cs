namespace SshKms.Core.Envelope
{
    /// <summary>The envelope's stable ErrorIds, each one clear sentence with no key material in it.</summary>
    internal static class EnvelopeErrors
    {
        public static SshKmsException Truncated() =>
            new SshKmsException("EnvelopeTruncated", SshKmsErrorCategory.InvalidData, "The encrypted message ends early: it is truncated.");

        public static SshKmsException HeaderInvalid(string why) =>
            new SshKmsException("EnvelopeHeaderInvalid", SshKmsErrorCategory.InvalidData, $"The encrypted message header is malformed: {why}.");

        public static SshKmsException HeaderTampered() =>
            new SshKmsException("EnvelopeHeaderTampered", SshKmsErrorCategory.SecurityError, "The encrypted message header failed authentication: it was modified or belongs to another key.");

        public static SshKmsException FrameTampered(uint sequence) =>
            new SshKmsException("EnvelopeFrameTampered", SshKmsErrorCategory.SecurityError, $"Frame {sequence} of the encrypted message failed authentication: it was modified, reordered or replaced.");

        public static SshKmsException CommitmentMismatch() =>
            new SshKmsException("EnvelopeCommitmentMismatch", SshKmsErrorCategory.SecurityError, "The data key does not match the key commitment in the header: the message was modified.");

        public static SshKmsException SignatureInvalid() =>
            new SshKmsException("EnvelopeSignatureInvalid", SshKmsErrorCategory.SecurityError, "The message signature does not verify: the message was modified.");

        public static SshKmsException VersionUnsupported(byte version) =>
            new SshKmsException("EnvelopeVersionUnsupported", SshKmsErrorCategory.InvalidData, $"Message format version {version} is not supported; SshKms reads AWS Encryption SDK message format version 2.");

        public static SshKmsException SuiteUnsupported(ushort suite) =>
            new SshKmsException("EnvelopeSuiteUnsupported", SshKmsErrorCategory.InvalidData, $"Algorithm suite 0x{suite:X4} is not supported; SshKms reads the committing suites 0x0478 and 0x0578.");

        public static SshKmsException NoDecryptableKey(string why) =>
            new SshKmsException("EnvelopeNoDecryptableKey", SshKmsErrorCategory.PermissionDenied, $"No encrypted data key in the message could be decrypted: {why}.");

        public static SshKmsException KeyNotAllowed() =>
            new SshKmsException("EnvelopeKeyNotAllowed", SshKmsErrorCategory.PermissionDenied, "The message was not encrypted under any of the allowed keys.");

        public static SshKmsException ContextMismatch(string key) =>
            new SshKmsException("EnvelopeContextMismatch", SshKmsErrorCategory.SecurityError, $"The message's encryption context does not contain the expected value for '{key}'.");

        public static SshKmsException ContextInvalid(string why) =>
            new SshKmsException("EnvelopeContextInvalid", SshKmsErrorCategory.InvalidArgument, $"Invalid encryption context: {why}.");

        public static SshKmsException Base64Invalid() =>
            new SshKmsException("EnvelopeBase64Invalid", SshKmsErrorCategory.InvalidData, "The encrypted message text is not valid base64.");

        public static SshKmsException TooManyDataKeys(int count, int max) =>
            new SshKmsException("EnvelopeTooManyDataKeys", SshKmsErrorCategory.LimitsExceeded,
                $"The encrypted message carries {count} encrypted data keys, more than the {max} allowed; raise the limit on encrypted data keys only for messages you expect to carry that many.");

        public static SshKmsException OptionInvalid(string message) =>
            new SshKmsException("EnvelopeOptionInvalid", SshKmsErrorCategory.InvalidArgument, message);

        public static SshKmsException TrailingData() =>
            new SshKmsException("EnvelopeTrailingData", SshKmsErrorCategory.InvalidData, "Bytes follow the end of the encrypted message.");
    }
}
