using System;
using System.Collections.Generic;
using System.Linq;
using Markdig.Syntax;

namespace SshKms.HelpCompiler
{
    /// <summary>
    /// A '### -Name' entry: its text, and the fields of its yaml block (Type, Parameter Sets, Aliases, Required,
    /// Position, Default value, Accept pipeline input, Accept wildcard characters). The block is flat "Key: value"
    /// lines, so it is read as such rather than with a YAML library.
    /// </summary>
    internal sealed class ParameterDoc
    {
        public const string AllSets = "(All)";

        private ParameterDoc(string name, List<string> description, Dictionary<string, string> fields)
        {
            Name = name;
            Description = description;
            Type = fields["Type"];
            Sets = Split(Field(fields, "Parameter Sets", AllSets));
            Aliases = Split(Field(fields, "Aliases", string.Empty));
            Required = string.Equals(Field(fields, "Required", "False"), "True", StringComparison.OrdinalIgnoreCase);
            Position = Field(fields, "Position", "Named");
            DefaultValue = Field(fields, "Default value", "None");
            PipelineInput = Field(fields, "Accept pipeline input", "False");
            Globbing = string.Equals(Field(fields, "Accept wildcard characters", "False"), "True", StringComparison.OrdinalIgnoreCase);
        }

        public string Name { get; }
        public List<string> Description { get; }
        public string Type { get; }
        public List<string> Sets { get; }
        public List<string> Aliases { get; }
        public bool Required { get; }
        public string Position { get; }
        public string DefaultValue { get; }
        public string PipelineInput { get; }
        public bool Globbing { get; }

        public bool IsSwitch => Type == "SwitchParameter";

        public bool IsPositional => int.TryParse(Position, out _);

        public bool InSet(string set) => Sets.Contains(AllSets) || Sets.Contains(set);

        public static ParameterDoc Read(string title, List<string> description, List<Block> blocks, string path)
        {
            if (!title.StartsWith("-", StringComparison.Ordinal))
            {
                throw new PageException(path, $"'### {title}' under ## PARAMETERS is not '### -Name'");
            }

            string name = title.Substring(1);
            if (description.Count == 0)
            {
                throw new PageException(path, $"-{name} has no description");
            }

            FencedCodeBlock? yaml = blocks.OfType<FencedCodeBlock>().FirstOrDefault(b => b.Info == "yaml");
            if (yaml == null)
            {
                throw new PageException(path, $"-{name} has no ```yaml block");
            }

            var fields = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (string line in MarkdownText.Code(yaml).Split('\n'))
            {
                int colon = line.IndexOf(':');
                if (colon > 0)
                {
                    fields[line.Substring(0, colon).Trim()] = line.Substring(colon + 1).Trim();
                }
            }

            if (!fields.TryGetValue("Type", out string? type) || type.Length == 0)
            {
                throw new PageException(path, $"-{name}'s yaml block has no Type");
            }

            return new ParameterDoc(name, description, fields);
        }

        private static string Field(Dictionary<string, string> fields, string key, string fallback) =>
            fields.TryGetValue(key, out string? value) && value.Length > 0 ? value : fallback;

        private static List<string> Split(string list) =>
            list.Split(',').Select(s => s.Trim()).Where(s => s.Length > 0).ToList();
    }
}
