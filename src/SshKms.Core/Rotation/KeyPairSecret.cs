using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using System.Text.Json;
using SshKms.Core.Aws;
using SshKms.Core.OpenSsh;

namespace SshKms.Core.Rotation
{
    /// <summary>
    /// The SecretString of a key-pair secret: {"privateKey": OpenSSH PEM, "publicKey": line tagged
    /// sshkms:&lt;secret&gt;:&lt;version&gt;, "userName": ...}. Fields someone else added are carried over unchanged.
    /// The private key stays in a byte array (UTF-8) that Dispose wipes, never in a string.
    /// </summary>
    public sealed class KeyPairSecret : IDisposable
    {
        public const string PrivateKeyField = "privateKey";
        public const string PublicKeyField = "publicKey";
        public const string UserNameField = "userName";

        private readonly List<KeyValuePair<string, JsonElement>> _otherFields = new List<KeyValuePair<string, JsonElement>>();

        public byte[] PrivateKeyUtf8 { get; private set; } = new byte[0];

        public string? PublicKey { get; set; }

        public string? UserName { get; set; }

        public bool HasKeyPair => PrivateKeyUtf8.Length > 0 && !string.IsNullOrEmpty(PublicKey);

        public IReadOnlyList<KeyValuePair<string, JsonElement>> OtherFields => _otherFields;

        /// <summary>The tag every authorized_keys line and public key comment of this version carries.</summary>
        public static string Tag(string secretName, string versionId) => $"sshkms:{secretName}:{versionId}";

        public static KeyPairSecret Parse(byte[] secretUtf8)
        {
            var secret = new KeyPairSecret();
            try
            {
                var reader = new Utf8JsonReader(secretUtf8);
                if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
                {
                    throw new JsonException();
                }

                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    string name = reader.GetString()!;
                    reader.Read();
                    if (name == PrivateKeyField && reader.TokenType == JsonTokenType.String)
                    {
                        secret.PrivateKeyUtf8 = SecretValue.CopyUtf8(ref reader);
                    }
                    else if (name == PublicKeyField && reader.TokenType == JsonTokenType.String)
                    {
                        secret.PublicKey = reader.GetString();
                    }
                    else if (name == UserNameField && reader.TokenType == JsonTokenType.String)
                    {
                        secret.UserName = reader.GetString();
                    }
                    else
                    {
                        using JsonDocument value = JsonDocument.ParseValue(ref reader);
                        secret._otherFields.Add(new KeyValuePair<string, JsonElement>(name, value.RootElement.Clone()));
                    }
                }
            }
            catch (JsonException)
            {
                secret.Dispose();
                throw new SshKmsException("KeyPairSecretInvalid", SshKmsErrorCategory.InvalidData,
                    "The secret's value is not a JSON object; a key-pair secret holds {\"privateKey\", \"publicKey\", \"userName\"}.");
            }

            return secret;
        }

        /// <summary>A new version's value: this secret's other fields and user, a fresh key pair.</summary>
        public KeyPairSecret WithNewKey(SshPrivateKey key, string tag)
        {
            var next = new KeyPairSecret { UserName = UserName };
            next._otherFields.AddRange(_otherFields);
            next.SetKey(key, tag);
            return next;
        }

        public static KeyPairSecret Create(SshPrivateKey key, string tag, string? userName)
        {
            var secret = new KeyPairSecret { UserName = userName };
            secret.SetKey(key, tag);
            return secret;
        }

        /// <summary>The public key line, parsed; fails clearly when the secret has none.</summary>
        public SshPublicKey ParsePublicKey()
        {
            if (string.IsNullOrEmpty(PublicKey))
            {
                throw new SshKmsException("KeyPairSecretEmpty", SshKmsErrorCategory.InvalidData, "The secret version holds no publicKey.");
            }

            try
            {
                return SshPublicKey.Parse(PublicKey!);
            }
            catch (SshFormatException ex)
            {
                throw new SshKmsException("KeyPairSecretInvalid", SshKmsErrorCategory.InvalidData, "The secret's publicKey is not an OpenSSH public key line: " + ex.Message);
            }
        }

        /// <summary>The private key, parsed straight from the wiped-on-dispose bytes; the caller disposes the key.</summary>
        public SshPrivateKey ParsePrivateKey()
        {
            if (PrivateKeyUtf8.Length == 0)
            {
                throw new SshKmsException("KeyPairSecretEmpty", SshKmsErrorCategory.InvalidData, "The secret version holds no privateKey.");
            }

            try
            {
                return SshPrivateKey.ParseOpenSsh(PrivateKeyUtf8);
            }
            catch (SshFormatException ex)
            {
                throw new SshKmsException("KeyPairSecretInvalid", SshKmsErrorCategory.InvalidData, "The secret's privateKey is not an unencrypted OpenSSH private key: " + ex.Message);
            }
        }

        /// <summary>The value as UTF-8 JSON; the caller wipes the returned array.</summary>
        public byte[] ToUtf8()
        {
            using var buffer = new MemoryStream();
            using (var writer = new Utf8JsonWriter(buffer))
            {
                writer.WriteStartObject();
                writer.WriteString(PrivateKeyField, PrivateKeyUtf8);
                writer.WriteString(PublicKeyField, PublicKey);
                if (UserName != null)
                {
                    writer.WriteString(UserNameField, UserName);
                }

                foreach (KeyValuePair<string, JsonElement> field in _otherFields)
                {
                    writer.WritePropertyName(field.Key);
                    field.Value.WriteTo(writer);
                }

                writer.WriteEndObject();
            }

            byte[] result = buffer.ToArray();
            Zero.Bytes(buffer.GetBuffer());
            return result;
        }

        /// <summary>The private key's characters, for SecureString; the caller wipes the array.</summary>
        public char[] PrivateKeyChars() => Encoding.UTF8.GetChars(PrivateKeyUtf8);

        private void SetKey(SshPrivateKey key, string tag)
        {
            // ToOpenSshFormat returns a string (the OpenSsh API's shape): it lives only until the next GC.
            PrivateKeyUtf8 = Encoding.UTF8.GetBytes(key.ToOpenSshFormat());
            PublicKey = key.PublicKey.WithComment(tag).ToString();
        }

        public void Dispose() => Zero.Bytes(PrivateKeyUtf8);
    }
}
