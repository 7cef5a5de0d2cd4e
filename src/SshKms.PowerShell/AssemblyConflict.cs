using System;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Reflection;

namespace SshKms.PowerShell
{
    /// <summary>
    /// A dependency the session already holds in another version, which the loader refuses with a FileLoadException
    /// (where no load context of our own exists: the netstandard2.0 build). The user gets which assembly and what to
    /// do, as an ErrorRecord with its own ErrorId, not the loader's exception.
    /// </summary>
    internal static class AssemblyConflict
    {
        internal const string ErrorId = "AssemblyConflict";

        internal static ErrorRecord ToErrorRecord(FileLoadException ex)
        {
            string wanted = ex.FileName ?? "an assembly";
            string name = wanted;
            try
            {
                name = new AssemblyName(wanted).Name ?? wanted;
            }
            catch (Exception parse) when (parse is ArgumentException || parse is FileLoadException)
            {
                // FileName was a path, not an assembly name: name it as given.
            }

            string[] held = AppDomain.CurrentDomain.GetAssemblies()
                .Select(a => a.GetName())
                .Where(n => string.Equals(n.Name, name, StringComparison.OrdinalIgnoreCase))
                .Select(n => n.Version?.ToString() ?? "?")
                .Distinct()
                .ToArray();
            string already = held.Length == 0 ? "another version" : $"version {string.Join(", ", held)}";
            string message = $"SshKms cannot load {wanted}: this session already holds {name} {already}, loaded by another module. " +
                $"Start a new PowerShell session and import SshKms before the module that loads {name}.";
            return new ErrorRecord(new InvalidOperationException(message, ex), ErrorId, ErrorCategory.ResourceUnavailable, name);
        }
    }
}
