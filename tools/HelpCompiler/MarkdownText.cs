using System;
using System.Collections.Generic;
using System.Linq;
using Markdig.Helpers;
using Markdig.Syntax;

namespace SshKms.HelpCompiler
{
    /// <summary>
    /// Markdown blocks of one page as help text. Paragraph text is kept as written (backticks included), taken from
    /// the source span: platyPS keeps it so too, and Markdig's inline parse would read "&lt;key&gt;-cert.pub" as a tag.
    /// </summary>
    internal sealed class MarkdownText
    {
        private readonly string _source;

        public MarkdownText(string source) => _source = source;

        public string Heading(HeadingBlock heading) => Source(heading).Trim().TrimStart('#').Trim();

        /// <summary>The code between the fences, as written. Code blocks are not inline-parsed, so their lines stay.</summary>
        public static string Code(FencedCodeBlock block) =>
            string.Join("\n", block.Lines.Lines.Take(block.Lines.Count).Select(l => l.Slice.ToString())).TrimEnd();

        /// <summary>Each paragraph as one line; each list item as one "- item" paragraph. Code blocks are not text.</summary>
        public IEnumerable<string> Paragraphs(IEnumerable<Block> blocks)
        {
            foreach (Block block in blocks)
            {
                switch (block)
                {
                    case ParagraphBlock paragraph:
                        yield return string.Join(" ", Source(paragraph).Split('\n').Select(l => l.Trim())).Trim();
                        break;
                    case ListBlock list:
                        foreach (ListItemBlock item in list.OfType<ListItemBlock>())
                        {
                            yield return "- " + string.Join(" ", Paragraphs(item));
                        }

                        break;
                    case QuoteBlock quote:
                        foreach (string line in Paragraphs(quote))
                        {
                            yield return line;
                        }

                        break;
                }
            }
        }

        private string Source(Block block) => _source.Substring(block.Span.Start, block.Span.Length);
    }
}
