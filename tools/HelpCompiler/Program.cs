using System;
using System.IO;
using System.Linq;
using System.Xml.Linq;

namespace SshKms.HelpCompiler
{
    /// <summary>
    /// HelpCompiler DOCS_DIR OUTPUT_FILE: compiles every DOCS_DIR/*.md (platyPS's schema) into one MAML file.
    /// Exit 1 with one line per faulty page when a page breaks the schema or lacks what Get-Help -Full shows.
    /// </summary>
    internal static class Program
    {
        private static int Main(string[] args)
        {
            if (args.Length != 2)
            {
                Console.Error.WriteLine("usage: HelpCompiler DOCS_DIR OUTPUT_FILE");
                return 2;
            }

            string[] files = Directory.GetFiles(args[0], "*.md").OrderBy(f => f, StringComparer.Ordinal).ToArray();
            if (files.Length == 0)
            {
                Console.Error.WriteLine($"HelpCompiler: no *.md in {args[0]}");
                return 1;
            }

            var pages = new System.Collections.Generic.List<CommandPage>();
            int faults = 0;
            foreach (string file in files)
            {
                try
                {
                    pages.Add(CommandPage.Read(file));
                }
                catch (PageException ex)
                {
                    Console.Error.WriteLine($"HelpCompiler: {ex.Message}");
                    faults++;
                }
            }

            if (faults > 0)
            {
                return 1;
            }

            string? folder = Path.GetDirectoryName(Path.GetFullPath(args[1]));
            Directory.CreateDirectory(folder!);
            XDocument maml = MamlWriter.Write(pages);
            using (var writer = new StreamWriter(args[1], false, new System.Text.UTF8Encoding(false)))
            {
                maml.Save(writer);
            }

            Console.WriteLine($"HelpCompiler: {pages.Count} commands -> {args[1]}");
            return 0;
        }
    }
}
