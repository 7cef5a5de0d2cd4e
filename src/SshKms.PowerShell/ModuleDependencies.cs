using System;
using System.IO;
using System.Management.Automation;
using System.Reflection;
#if NET
using System.Runtime.Loader;
#endif

namespace SshKms.PowerShell
{
    /// <summary>
    /// Keeps the engine (SshKms.Core) and what it depends on (AWSSDK, BouncyCastle, backports) apart from other
    /// modules' copies of the same assemblies: AWS.Tools loads AWSSDK.Core 3.7 into the session, we need 4.x.
    /// The module ships them in a Dependencies folder beside this assembly, where no default probing finds them.
    /// PowerShell 7: the pattern PowerShell documents ("Resolving PowerShell module assembly dependency
    /// conflicts"): the default context is asked for SshKms.Core only, and hands it to a context of our own that
    /// serves every assembly of that folder. Windows PowerShell 5.1 has one context: AssemblyResolve serves the
    /// folder there, and strong-named assemblies of different versions sit side by side.
    /// </summary>
    public sealed class ModuleDependencies : IModuleAssemblyInitializer, IModuleAssemblyCleanup
    {
        /// <summary>The only assembly the cmdlets reference directly; everything else is its dependency.</summary>
        internal const string EngineAssemblyName = "SshKms.Core";

        internal static readonly string Folder = Path.Combine(
            Path.GetDirectoryName(typeof(ModuleDependencies).Assembly.Location) ?? string.Empty, "Dependencies");

#if NET
        private static readonly DependencyLoadContext Context = new DependencyLoadContext();

        /// <summary>
        /// Idempotent. SshKms.psm1 calls it before Import-Module: PowerShell lists the cmdlet types, which loads
        /// SshKms.Core for a parameter of an engine type (an enum), before it runs OnImport.
        /// </summary>
        public static void Register()
        {
            AssemblyLoadContext.Default.Resolving -= ResolveEngine;
            AssemblyLoadContext.Default.Resolving += ResolveEngine;
        }

        public void OnImport() => Register();

        public void OnRemove(PSModuleInfo psModuleInfo) => AssemblyLoadContext.Default.Resolving -= ResolveEngine;

        private static Assembly? ResolveEngine(AssemblyLoadContext defaultContext, AssemblyName name) =>
            string.Equals(name.Name, EngineAssemblyName, StringComparison.Ordinal) && File.Exists(PathOf(name))
                ? Context.LoadFromAssemblyName(name)
                : null;
#else
        /// <summary>Idempotent; SshKms.psm1 calls it before Import-Module (see the PowerShell 7 twin).</summary>
        public static void Register()
        {
            AppDomain.CurrentDomain.AssemblyResolve -= ResolveDependency;
            AppDomain.CurrentDomain.AssemblyResolve += ResolveDependency;
        }

        public void OnImport() => Register();

        public void OnRemove(PSModuleInfo psModuleInfo) => AppDomain.CurrentDomain.AssemblyResolve -= ResolveDependency;

        private static Assembly? ResolveDependency(object? sender, ResolveEventArgs args)
        {
            string path = PathOf(new AssemblyName(args.Name));
            return File.Exists(path) ? Assembly.LoadFrom(path) : null;
        }
#endif

        internal static string PathOf(AssemblyName name) => Path.Combine(Folder, name.Name + ".dll");
    }

#if NET
    /// <summary>SshKms's own load context: every assembly in the Dependencies folder, the rest from the default context.</summary>
    internal sealed class DependencyLoadContext : AssemblyLoadContext
    {
        public DependencyLoadContext()
            : base("SshKms")
        {
        }

        protected override Assembly? Load(AssemblyName assemblyName)
        {
            string path = ModuleDependencies.PathOf(assemblyName);
            return File.Exists(path) ? LoadFromAssemblyPath(path) : null;
        }
    }
#endif
}
