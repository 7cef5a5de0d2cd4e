using System;
using System.Collections.Generic;
using System.IO;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;

namespace SshKms.Core.Aws
{
    /// <summary>The Secrets Manager operations SshKms uses, over <see cref="AwsJsonClient"/>.</summary>
    public sealed class SecretsManagerClient : IDisposable
    {
        public const string Current = "AWSCURRENT";
        public const string Pending = "AWSPENDING";
        public const string Previous = "AWSPREVIOUS";

        private readonly AwsJsonClient _client;

        public SecretsManagerClient(AwsSettings settings, System.Net.Http.HttpMessageHandler? transport = null)
        {
            _client = new AwsJsonClient(settings, AwsJsonService.SecretsManager, transport);
        }

        /// <summary>Creates the secret with a first version whose value is the UTF-8 JSON in <paramref name="secretUtf8"/>.</summary>
        public async Task<SecretVersionRef> CreateSecretAsync(string name, byte[] secretUtf8, string? kmsKeyId, string clientRequestToken,
            string? description, CancellationToken cancellationToken)
        {
            byte[] body = WriteBody(w =>
            {
                w.WriteString("Name", name);
                w.WriteString("ClientRequestToken", clientRequestToken);
                if (kmsKeyId != null)
                {
                    w.WriteString("KmsKeyId", kmsKeyId);
                }

                if (description != null)
                {
                    w.WriteString("Description", description);
                }

                w.WriteString("SecretString", secretUtf8);
            });
            return await SendSecretAsync<SecretVersionRef>("CreateSecret", body, cancellationToken).ConfigureAwait(false);
        }

        /// <summary>Adds a version with the given stages (AWSPENDING during rotation). Idempotent for the same token and value.</summary>
        public async Task<SecretVersionRef> PutSecretValueAsync(string secretId, string clientRequestToken, byte[] secretUtf8,
            IEnumerable<string> versionStages, CancellationToken cancellationToken)
        {
            byte[] body = WriteBody(w =>
            {
                w.WriteString("SecretId", secretId);
                w.WriteString("ClientRequestToken", clientRequestToken);
                w.WriteString("SecretString", secretUtf8);
                w.WriteStartArray("VersionStages");
                foreach (string stage in versionStages)
                {
                    w.WriteStringValue(stage);
                }

                w.WriteEndArray();
            });
            return await SendSecretAsync<SecretVersionRef>("PutSecretValue", body, cancellationToken).ConfigureAwait(false);
        }

        /// <summary>
        /// Reads one version by id or stage. Moto (and eventual consistency) can return a stale value without
        /// either, so one is always sent: the stage defaults to AWSCURRENT.
        /// </summary>
        public async Task<SecretValue> GetSecretValueAsync(string secretId, string? versionId, string? versionStage, CancellationToken cancellationToken)
        {
            var request = new GetSecretValueRequest
            {
                SecretId = secretId,
                VersionId = versionId,
                VersionStage = versionId == null ? versionStage ?? Current : versionStage,
            };
            byte[] response = await _client.SendAsync("GetSecretValue", JsonSerializer.SerializeToUtf8Bytes(request, AwsJson.Options), cancellationToken)
                .ConfigureAwait(false);
            try
            {
                return SecretValue.Read(response);
            }
            finally
            {
                Zero.Bytes(response);
            }
        }

        public Task<DescribeSecretResponse> DescribeSecretAsync(string secretId, CancellationToken cancellationToken) =>
            _client.CallAsync<SecretIdRequest, DescribeSecretResponse>("DescribeSecret", new SecretIdRequest { SecretId = secretId }, cancellationToken);

        /// <summary>Moves <paramref name="versionStage"/> to a version (and off another); AWSCURRENT's move makes AWSPREVIOUS follow.</summary>
        public Task<SecretVersionRef> UpdateSecretVersionStageAsync(string secretId, string versionStage, string? moveToVersionId,
            string? removeFromVersionId, CancellationToken cancellationToken) =>
            _client.CallAsync<UpdateSecretVersionStageRequest, SecretVersionRef>("UpdateSecretVersionStage", new UpdateSecretVersionStageRequest
            {
                SecretId = secretId,
                VersionStage = versionStage,
                MoveToVersionId = moveToVersionId,
                RemoveFromVersionId = removeFromVersionId,
            }, cancellationToken);

        private async Task<T> SendSecretAsync<T>(string operation, byte[] body, CancellationToken cancellationToken)
        {
            try
            {
                byte[] response = await _client.SendAsync(operation, body, cancellationToken).ConfigureAwait(false);
                return _client.Deserialize<T>(operation, response);
            }
            finally
            {
                Zero.Bytes(body);
            }
        }

        private static byte[] WriteBody(Action<Utf8JsonWriter> write)
        {
            using var buffer = new MemoryStream();
            using (var writer = new Utf8JsonWriter(buffer))
            {
                writer.WriteStartObject();
                write(writer);
                writer.WriteEndObject();
            }

            // The stream's own array held the secret too: wipe it, the caller wipes the copy.
            byte[] body = buffer.ToArray();
            Zero.Bytes(buffer.GetBuffer());
            return body;
        }

        public void Dispose() => _client.Dispose();
    }

    /// <summary>The identity of a version, as CreateSecret / PutSecretValue / UpdateSecretVersionStage return it.</summary>
    public sealed class SecretVersionRef
    {
        public string? ARN { get; set; }

        public string? Name { get; set; }

        public string? VersionId { get; set; }

        public List<string>? VersionStages { get; set; }
    }

    public sealed class DescribeSecretResponse
    {
        public string? ARN { get; set; }

        public string? Name { get; set; }

        public string? KmsKeyId { get; set; }

        /// <summary>Every version id and its stages; the ground truth for where a rotation stands.</summary>
        public Dictionary<string, List<string>>? VersionIdsToStages { get; set; }

        public string? VersionWithStage(string stage)
        {
            foreach (KeyValuePair<string, List<string>> pair in VersionIdsToStages ?? new Dictionary<string, List<string>>())
            {
                if (pair.Value.Contains(stage))
                {
                    return pair.Key;
                }
            }

            return null;
        }
    }

    /// <summary>A secret version's value, held as UTF-8 bytes (zeroed on Dispose) rather than a string that cannot be wiped.</summary>
    public sealed class SecretValue : IDisposable
    {
        public string ARN { get; private set; } = string.Empty;

        public string Name { get; private set; } = string.Empty;

        public string VersionId { get; private set; } = string.Empty;

        public List<string> VersionStages { get; } = new List<string>();

        public byte[] SecretUtf8 { get; private set; } = new byte[0];

        internal static SecretValue Read(byte[] response)
        {
            var value = new SecretValue();
            var reader = new Utf8JsonReader(response);
            try
            {
                reader.Read();
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    string name = reader.GetString()!;
                    reader.Read();
                    switch (name)
                    {
                        case "ARN": value.ARN = reader.GetString() ?? string.Empty; break;
                        case "Name": value.Name = reader.GetString() ?? string.Empty; break;
                        case "VersionId": value.VersionId = reader.GetString() ?? string.Empty; break;
                        case "SecretString" when reader.TokenType == JsonTokenType.String:
                            value.SecretUtf8 = CopyUtf8(ref reader);
                            break;
                        case "VersionStages" when reader.TokenType == JsonTokenType.StartArray:
                            while (reader.Read() && reader.TokenType == JsonTokenType.String)
                            {
                                value.VersionStages.Add(reader.GetString()!);
                            }

                            break;
                        default:
                            reader.Skip();
                            break;
                    }
                }
            }
            catch (JsonException)
            {
                value.Dispose();
                throw new SshKmsException("AwsResponseInvalid", SshKmsErrorCategory.InvalidData, "secretsmanager GetSecretValue returned a response that is not the expected JSON.");
            }

            return value;
        }

        /// <summary>A JSON string token, unescaped into a fresh array (no intermediate string).</summary>
        internal static byte[] CopyUtf8(ref Utf8JsonReader reader)
        {
            int max = reader.HasValueSequence ? (int)reader.ValueSequence.Length : reader.ValueSpan.Length;
            byte[] buffer = new byte[max];
            int written = reader.CopyString(buffer);
            if (written == max)
            {
                return buffer;
            }

            byte[] exact = new byte[written];
            Array.Copy(buffer, exact, written);
            Zero.Bytes(buffer);
            return exact;
        }

        public void Dispose() => Zero.Bytes(SecretUtf8);
    }

    internal sealed class SecretIdRequest
    {
        public string? SecretId { get; set; }
    }

    internal sealed class GetSecretValueRequest
    {
        public string? SecretId { get; set; }

        public string? VersionId { get; set; }

        public string? VersionStage { get; set; }
    }

    internal sealed class UpdateSecretVersionStageRequest
    {
        public string? SecretId { get; set; }

        public string? VersionStage { get; set; }

        public string? MoveToVersionId { get; set; }

        public string? RemoveFromVersionId { get; set; }
    }

    /// <summary>Wipes buffers that held secrets.</summary>
    internal static class Zero
    {
        public static void Bytes(byte[]? buffer)
        {
            if (buffer == null)
            {
                return;
            }
#if NET8_0_OR_GREATER
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(buffer);
#else
            Array.Clear(buffer, 0, buffer.Length);
#endif
        }

        public static void Chars(char[]? buffer)
        {
            if (buffer != null)
            {
                Array.Clear(buffer, 0, buffer.Length);
            }
        }
    }
}
