using System.Collections.Generic;
using System.Linq;
using System.Xml.Linq;

namespace SshKms.HelpCompiler
{
    /// <summary>
    /// The MAML command help that platyPS's New-ExternalHelp writes, and Get-Help reads: one command:command per page
    /// with details, description, syntax (one item per parameter set), parameters, input and return types, notes
    /// (alertSet), examples and related links.
    /// </summary>
    internal static class MamlWriter
    {
        private static readonly XNamespace Msh = "http://msh";
        private static readonly XNamespace Maml = "http://schemas.microsoft.com/maml/2004/10";
        private static readonly XNamespace Command = "http://schemas.microsoft.com/maml/dev/command/2004/10";
        private static readonly XNamespace Dev = "http://schemas.microsoft.com/maml/dev/2004/10";
        private static readonly XNamespace MSHelp = "http://msdn.microsoft.com/mshelp";

        public static XDocument Write(IEnumerable<CommandPage> pages) =>
            new XDocument(
                new XDeclaration("1.0", "utf-8", null),
                new XElement(Msh + "helpItems", new XAttribute("schema", "maml"), pages.Select(CommandElement)));

        private static XElement CommandElement(CommandPage page)
        {
            int dash = page.Name.IndexOf('-');
            return new XElement(Command + "command",
                new XAttribute(XNamespace.Xmlns + "maml", Maml),
                new XAttribute(XNamespace.Xmlns + "command", Command),
                new XAttribute(XNamespace.Xmlns + "dev", Dev),
                new XAttribute(XNamespace.Xmlns + "MSHelp", MSHelp),
                new XElement(Command + "details",
                    new XElement(Command + "name", page.Name),
                    new XElement(Command + "verb", dash > 0 ? page.Name.Substring(0, dash) : page.Name),
                    new XElement(Command + "noun", dash > 0 ? page.Name.Substring(dash + 1) : string.Empty),
                    Description(new[] { page.Synopsis })),
                Description(page.Description),
                new XElement(Command + "syntax", SyntaxItems(page)),
                new XElement(Command + "parameters", page.Parameters.Select(p => Parameter(p, inSyntax: false))),
                new XElement(Command + "inputTypes", page.Inputs.Select(t => TypeElement("inputType", t))),
                new XElement(Command + "returnValues", page.Outputs.Select(t => TypeElement("returnValue", t))),
                page.Notes.Count == 0 ? null : new XElement(Maml + "alertSet", new XElement(Maml + "alert", Paras(page.Notes))),
                new XElement(Command + "examples", page.Examples.Select(Example)),
                new XElement(Command + "relatedLinks", page.RelatedLinks.Select(l =>
                    new XElement(Maml + "navigationLink", new XElement(Maml + "linkText", l.Text), new XElement(Maml + "uri", l.Uri)))));
        }

        /// <summary>One syntax item per parameter set, its parameters in the order PowerShell prints them: positional by position, then mandatory, then the rest.</summary>
        private static IEnumerable<XElement> SyntaxItems(CommandPage page)
        {
            IEnumerable<string> sets = page.ParameterSets.Count > 0 ? page.ParameterSets : new List<string> { ParameterDoc.AllSets };
            foreach (string set in sets)
            {
                IEnumerable<ParameterDoc> members = page.Parameters
                    .Where(p => p.InSet(set))
                    .OrderBy(p => p.IsPositional ? int.Parse(p.Position) : int.MaxValue)
                    .ThenBy(p => p.Required ? 0 : 1);
                yield return new XElement(Command + "syntaxItem",
                    new XElement(Maml + "name", page.Name),
                    members.Select(p => Parameter(p, inSyntax: true)));
            }
        }

        private static XElement Parameter(ParameterDoc p, bool inSyntax)
        {
            var element = new XElement(Command + "parameter",
                new XAttribute("required", p.Required ? "true" : "false"),
                new XAttribute("variableLength", "true"),
                new XAttribute("globbing", p.Globbing ? "true" : "false"),
                new XAttribute("pipelineInput", p.PipelineInput),
                new XAttribute("position", p.IsPositional ? p.Position : "named"),
                new XAttribute("aliases", p.Aliases.Count == 0 ? "none" : string.Join(", ", p.Aliases)),
                new XElement(Maml + "name", p.Name),
                Description(p.Description));

            // A switch shows no value in the syntax ([-Force], not [-Force <SwitchParameter>]).
            if (!(inSyntax && p.IsSwitch))
            {
                element.Add(new XElement(Command + "parameterValue",
                    new XAttribute("required", p.IsSwitch ? "false" : "true"),
                    new XAttribute("variableLength", "false"),
                    p.Type));
            }

            element.Add(
                new XElement(Dev + "type", new XElement(Maml + "name", p.Type), new XElement(Maml + "uri")),
                new XElement(Dev + "defaultValue", p.DefaultValue));
            return element;
        }

        private static XElement TypeElement(string kind, TypeDoc type) =>
            new XElement(Command + kind,
                new XElement(Dev + "type", new XElement(Maml + "name", type.Name)),
                Description(type.Description));

        private static XElement Example(Example example) =>
            new XElement(Command + "example",
                new XElement(Maml + "title", $"-------------------------- {example.Title} --------------------------"),
                new XElement(Dev + "code", example.Code),
                // The empty paragraph separates one example from the next in Get-Help's output, as platyPS's help does.
                new XElement(Dev + "remarks", Paras(example.Remarks.Concat(new[] { string.Empty }))));

        private static XElement Description(IEnumerable<string> paragraphs) => new XElement(Maml + "description", Paras(paragraphs));

        private static IEnumerable<XElement> Paras(IEnumerable<string> paragraphs) =>
            paragraphs.Select(p => new XElement(Maml + "para", p));
    }
}
