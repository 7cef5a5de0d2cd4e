using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Markdig;
using Markdig.Syntax;

namespace SshKms.HelpCompiler
{
    /// <summary>One docs/cmdlets page in platyPS's schema, read into what MAML needs. Schema faults throw PageException.</summary>
    internal sealed class CommandPage
    {
        private static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder().UseYamlFrontMatter().Build();

        private static readonly string[] KnownSections =
            { "SYNOPSIS", "SYNTAX", "DESCRIPTION", "EXAMPLES", "PARAMETERS", "INPUTS", "OUTPUTS", "NOTES", "RELATED LINKS" };

        public string Name { get; private set; } = string.Empty;
        public string Synopsis { get; private set; } = string.Empty;
        public List<string> Description { get; } = new List<string>();
        /// <summary>The parameter sets named in SYNTAX, the default first; empty for a cmdlet with one set.</summary>
        public List<string> ParameterSets { get; } = new List<string>();
        public List<Example> Examples { get; } = new List<Example>();
        public List<ParameterDoc> Parameters { get; } = new List<ParameterDoc>();
        public List<TypeDoc> Inputs { get; } = new List<TypeDoc>();
        public List<TypeDoc> Outputs { get; } = new List<TypeDoc>();
        public List<string> Notes { get; } = new List<string>();
        public List<Link> RelatedLinks { get; } = new List<Link>();

        public static CommandPage Read(string path)
        {
            string markdown = File.ReadAllText(path);
            MarkdownDocument document = Markdown.Parse(markdown, Pipeline);
            var page = new CommandPage();
            var text = new MarkdownText(markdown);
            Section? section = null;
            Section? subsection = null;
            var sections = new List<Section>();
            foreach (Block block in document)
            {
                if (block is HeadingBlock heading)
                {
                    string title = text.Heading(heading);
                    switch (heading.Level)
                    {
                        case 1:
                            page.Name = title;
                            continue;
                        case 2:
                            section = new Section(title);
                            subsection = null;
                            sections.Add(section);
                            continue;
                        case 3 when section != null:
                            subsection = new Section(title);
                            section.Subsections.Add(subsection);
                            continue;
                    }
                }

                if (block is Markdig.Extensions.Yaml.YamlFrontMatterBlock)
                {
                    continue;
                }

                (subsection ?? section)?.Blocks.Add(block);
            }

            string expected = Path.GetFileNameWithoutExtension(path);
            if (page.Name != expected)
            {
                throw new PageException(path, $"the '# Name' heading is '{page.Name}', not the file's name '{expected}'");
            }

            foreach (Section s in sections)
            {
                if (!KnownSections.Contains(s.Title))
                {
                    throw new PageException(path, $"unknown section '## {s.Title}' (platyPS's schema has {string.Join(", ", KnownSections)})");
                }

                page.Fill(s, text, path);
            }

            page.Check(path);
            return page;
        }

        private void Fill(Section section, MarkdownText text, string path)
        {
            switch (section.Title)
            {
                case "SYNOPSIS":
                    Synopsis = string.Join(" ", text.Paragraphs(section.Blocks));
                    break;
                case "SYNTAX":
                    foreach (Section set in section.Subsections.Where(s => s.Title != "__AllParameterSets"))
                    {
                        bool isDefault = set.Title.EndsWith("(Default)", StringComparison.Ordinal);
                        string name = isDefault ? set.Title.Substring(0, set.Title.Length - "(Default)".Length).Trim() : set.Title;
                        ParameterSets.Insert(isDefault ? 0 : ParameterSets.Count, name);
                    }

                    break;
                case "DESCRIPTION":
                    Description.AddRange(text.Paragraphs(section.Blocks));
                    break;
                case "EXAMPLES":
                    foreach (Section example in section.Subsections)
                    {
                        Examples.Add(new Example(
                            example.Title,
                            string.Join(Environment.NewLine, example.Blocks.OfType<FencedCodeBlock>().Select(MarkdownText.Code)),
                            text.Paragraphs(example.Blocks).ToList()));
                    }

                    break;
                case "PARAMETERS":
                    foreach (Section parameter in section.Subsections.Where(s => s.Title != "CommonParameters"))
                    {
                        Parameters.Add(ParameterDoc.Read(parameter.Title, text.Paragraphs(parameter.Blocks).ToList(), parameter.Blocks, path));
                    }

                    break;
                case "INPUTS":
                    Inputs.AddRange(section.Subsections.Select(s => new TypeDoc(s.Title, text.Paragraphs(s.Blocks).ToList())));
                    break;
                case "OUTPUTS":
                    Outputs.AddRange(section.Subsections.Select(s => new TypeDoc(s.Title, text.Paragraphs(s.Blocks).ToList())));
                    break;
                case "NOTES":
                    Notes.AddRange(text.Paragraphs(section.Blocks));
                    break;
                case "RELATED LINKS":
                    RelatedLinks.AddRange(Link.AllIn(text.Paragraphs(section.Blocks)));
                    break;
            }
        }

        /// <summary>What Get-Help -Full must be able to show: a page missing it fails the build, not the reader.</summary>
        private void Check(string path)
        {
            if (Synopsis.Length == 0)
            {
                throw new PageException(path, "## SYNOPSIS is empty");
            }

            if (Description.Count == 0)
            {
                throw new PageException(path, "## DESCRIPTION is empty");
            }

            if (Examples.Count == 0 || Examples.Any(e => e.Code.Trim().Length == 0))
            {
                throw new PageException(path, "## EXAMPLES needs at least one '### Example' and each one a code block");
            }

            foreach (ParameterDoc p in Parameters)
            {
                foreach (string set in p.Sets.Where(s => s != ParameterDoc.AllSets && !ParameterSets.Contains(s)))
                {
                    throw new PageException(path, $"-{p.Name} names the parameter set '{set}', which ## SYNTAX does not have");
                }
            }

            string? duplicate = Parameters.GroupBy(p => p.Name, StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1)?.Key;
            if (duplicate != null)
            {
                throw new PageException(path, $"-{duplicate} is documented twice");
            }
        }

        private sealed class Section
        {
            public Section(string title) => Title = title;

            public string Title { get; }
            public List<Block> Blocks { get; } = new List<Block>();
            public List<Section> Subsections { get; } = new List<Section>();
        }
    }

    internal sealed class Example
    {
        public Example(string title, string code, List<string> remarks)
        {
            Title = title;
            Code = code;
            Remarks = remarks;
        }

        public string Title { get; }
        public string Code { get; }
        public List<string> Remarks { get; }
    }

    internal sealed class TypeDoc
    {
        public TypeDoc(string name, List<string> description)
        {
            Name = name;
            Description = description;
        }

        public string Name { get; }
        public List<string> Description { get; }
    }

    internal sealed class Link
    {
        public Link(string text, string uri)
        {
            Text = text;
            Uri = uri;
        }

        public string Text { get; }
        public string Uri { get; }

        /// <summary>"[text](uri)" list items or paragraphs; a plain line is a link with text only (about_SshKms).</summary>
        public static IEnumerable<Link> AllIn(IEnumerable<string> paragraphs)
        {
            foreach (string line in paragraphs)
            {
                string item = line.TrimStart('-', '*', ' ');
                int close = item.IndexOf("](", StringComparison.Ordinal);
                if (item.StartsWith("[", StringComparison.Ordinal) && close > 0 && item.EndsWith(")", StringComparison.Ordinal))
                {
                    // A link to another page (New-SshKmsCaKey.md) means nothing to Get-Help -Online: its text stays.
                    string uri = item.Substring(close + 2, item.Length - close - 3);
                    yield return new Link(item.Substring(1, close - 1), uri.StartsWith("http", StringComparison.OrdinalIgnoreCase) ? uri : string.Empty);
                }
                else
                {
                    yield return new Link(item, string.Empty);
                }
            }
        }
    }

    internal sealed class PageException : Exception
    {
        public PageException(string path, string message) : base($"{Path.GetFileName(path)}: {message}")
        {
        }
    }
}
