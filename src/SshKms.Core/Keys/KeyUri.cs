using System;
using System.Text.RegularExpressions;

namespace SshKms.Core.Keys
{
    public enum KeyProviderKind
    {
        AwsKms,
        Local,
    }

    /// <summary>
    /// A key named the step-ca way: "awskms:&lt;key id | alias/name | key ARN | alias ARN&gt;" or "local:&lt;name&gt;".
    /// A bare key id or alias means awskms.
    /// </summary>
    public sealed class KeyUri : IEquatable<KeyUri>
    {
        public const string AwsKmsScheme = "awskms";
        public const string LocalScheme = "local";
        public const string DefaultCa = "local:default";

        private static readonly Regex LocalName = new Regex("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$", RegexOptions.CultureInvariant);
        private static readonly Regex KmsKeyId = new Regex(
            "^(?:(?:mrk-)?[0-9a-fA-F-]{32,36}|alias/[A-Za-z0-9/_-]{1,250}|arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:(?:key/(?:mrk-)?[0-9a-fA-F-]{32,36}|alias/[A-Za-z0-9/_-]{1,250}))$",
            RegexOptions.CultureInvariant);

        private KeyUri(KeyProviderKind provider, string keyId)
        {
            Provider = provider;
            KeyId = keyId;
        }

        public KeyProviderKind Provider { get; }

        /// <summary>For awskms the KMS KeyId parameter; for local the key's name.</summary>
        public string KeyId { get; }

        public bool IsAlias => Provider == KeyProviderKind.AwsKms && (KeyId.StartsWith("alias/", StringComparison.Ordinal) || KeyId.Contains(":alias/"));

        public static KeyUri Parse(string text)
        {
            if (string.IsNullOrWhiteSpace(text))
            {
                throw Invalid(text ?? string.Empty, "the key URI is empty");
            }

            string value = text.Trim();
            if (value.StartsWith(LocalScheme + ":", StringComparison.Ordinal))
            {
                string name = value.Substring(LocalScheme.Length + 1);
                if (!LocalName.IsMatch(name))
                {
                    throw Invalid(value, "a local key name is 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit");
                }

                return new KeyUri(KeyProviderKind.Local, name);
            }

            string id = value.StartsWith(AwsKmsScheme + ":", StringComparison.Ordinal) ? value.Substring(AwsKmsScheme.Length + 1) : value;
            if (!KmsKeyId.IsMatch(id))
            {
                throw Invalid(value, "expected awskms:<key id | alias/name | key ARN | alias ARN> or local:<name>");
            }

            return new KeyUri(KeyProviderKind.AwsKms, id);
        }

        /// <summary>An explicit value, else $SSHKMS_CA, else local:default.</summary>
        public static KeyUri ParseOrDefaultCa(string? text)
        {
            if (!string.IsNullOrWhiteSpace(text))
            {
                return Parse(text!);
            }

            string? env = Environment.GetEnvironmentVariable("SSHKMS_CA");
            return Parse(string.IsNullOrWhiteSpace(env) ? DefaultCa : env!);
        }

        public override string ToString() => (Provider == KeyProviderKind.Local ? LocalScheme : AwsKmsScheme) + ":" + KeyId;

        public bool Equals(KeyUri? other) => other != null && other.Provider == Provider && other.KeyId == KeyId;

        public override bool Equals(object? obj) => Equals(obj as KeyUri);

        public override int GetHashCode() => ToString().GetHashCode();

        private static SshKmsException Invalid(string text, string why) =>
            new SshKmsException("KeyUriInvalid", SshKmsErrorCategory.InvalidArgument, $"Invalid key URI '{text}': {why}.");
    }
}
