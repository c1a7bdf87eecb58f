using System.CommandLine;
using System.IO.Compression;
using System.Security.Cryptography;
using Switchboard.Host.Plugins;
using Switchboard.Host.Plugins.Signing;
using Switchboard.Host.Verification;

namespace Switchboard.Host.Cli;

/// <summary><c>switchboard plugin keygen|sign|inspect</c>: vendor signing keys, signing a package, and the host's verdict on one.</summary>
internal static class PluginCommand
{
    public static Command Create()
    {
        var outOption = new Option<string>("--out") { Description = "Directory for the key pair.", Required = true };
        var nameOption = new Option<string>("--name") { Description = "File name stem (default plugin-signing).", DefaultValueFactory = _ => "plugin-signing" };
        var keygen = new Command("keygen", "Create an ECDSA P-256 signing key pair (NAME.private.pem, NAME.public.pem).") { outOption, nameOption };
        keygen.SetAction(p => Keygen(p.GetValue(outOption)!, p.GetValue(nameOption)!, Console.Out, Console.Error));

        var packageArgument = new Argument<string>("package") { Description = "A plugin package: a folder or a .zip." };
        var keyOption = new Option<string>("--key") { Description = "The vendor's private key (PEM).", Required = true };
        var sign = new Command("sign", "Sign a package: writes signature.json into the folder or zip.") { packageArgument, keyOption };
        sign.SetAction(p => Sign(p.GetValue(packageArgument)!, p.GetValue(keyOption)!, Console.Out, Console.Error));

        var trustOption = new Option<string?>("--trust") { Description = "Trust store: a directory of vendor public keys (*.pem)." };
        var requireOption = new Option<bool>("--require-signatures") { Description = "Refuse packages not signed by a trusted key." };
        var inspect = new Command("inspect", "Show a package's manifest, the verifier's verdict and the signature status; exit 2 when the host would refuse it.")
        {
            packageArgument, trustOption, requireOption,
        };
        inspect.SetAction(p => Inspect(p.GetValue(packageArgument)!, p.GetValue(trustOption), p.GetValue(requireOption), Console.Out, Console.Error));

        return new Command("plugin", "Plugin packages: signing keys, signing, inspection.") { keygen, sign, inspect };
    }

    public static int Keygen(string directory, string name, TextWriter output, TextWriter errors)
    {
        try
        {
            var (priv, pub, keyId) = SigningKeys.Generate(directory, name);
            output.WriteLine($"key id     {keyId}");
            output.WriteLine($"private    {priv}   (keep secret: signs packages)");
            output.WriteLine($"public     {pub}   (copy into the hosts' trust store)");
            return 0;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            errors.WriteLine($"keygen: {e.Message}");
            return 1;
        }
    }

    public static int Sign(string packagePath, string keyPath, TextWriter output, TextWriter errors)
    {
        PluginPackage package;
        ECDsa key;
        try
        {
            package = PluginPackage.Open(packagePath);
            key = SigningKeys.Read(keyPath);
        }
        catch (PluginRefusedException e) { return Refused(e, errors); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException)
        {
            errors.WriteLine(e.Message);
            return 1;
        }
        using (key)
        {
            var bytes = PackageSignature.Create(package, key);
            if (Directory.Exists(packagePath)) File.WriteAllBytes(Path.Combine(packagePath, PluginManifest.SignatureFileName), bytes);
            else
            {
                using var zip = ZipFile.Open(packagePath, ZipArchiveMode.Update);
                zip.GetEntry(PluginManifest.SignatureFileName)?.Delete();
                using var s = zip.CreateEntry(PluginManifest.SignatureFileName).Open();
                s.Write(bytes);
            }
            output.WriteLine($"{packagePath}: signed {package.Manifest.Id} {package.Manifest.Version} with {SigningKeys.KeyId(key)}");
        }
        return 0;
    }

    public static int Inspect(string packagePath, string? trustDir, bool requireSignatures, TextWriter output, TextWriter errors)
    {
        PluginPackage package;
        TrustStore? trust = null;
        try
        {
            if (trustDir is not null) trust = TrustStore.Load(trustDir);
            package = PluginPackage.Open(packagePath);
        }
        catch (PluginRefusedException e) { return Refused(e, errors); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException)
        {
            errors.WriteLine(e.Message);
            return 1;
        }
        using var _ = trust;
        var m = package.Manifest;
        output.WriteLine(packagePath);
        output.WriteLine($"  id           {m.Id}");
        output.WriteLine($"  version      {m.Version}");
        output.WriteLine($"  vendor       {m.Vendor}");
        if (m.Description.Length > 0) output.WriteLine($"  description  {m.Description}");
        output.WriteLine($"  model        {m.Model}");
        output.WriteLine($"  files        {string.Join(", ", package.FileNames)} ({package.TotalBytes:N0} bytes)");
        foreach (var nf in m.Nfs)
            output.WriteLine($"  nf           {nf.Type,-12} {nf.EntryType}{(nf.ConfigSchema is null ? "" : " (config schema)")}  {nf.Description}");

        var problems = new List<string>();
        var signature = PackageSignature.Check(package, trust);
        output.WriteLine($"  signature    {signature.Detail}");
        if (signature.State == SignatureState.Invalid) problems.Add(signature.Detail);
        else if (requireSignatures && signature.State != SignatureState.Trusted)
            problems.Add($"{signature.Detail}: this host requires plugins signed by a trusted key");

        foreach (var file in m.Assemblies)
        {
            var result = PluginVerifier.Verify(package.File(file));
            string timing = $"{result.MethodsChecked} methods in {result.Elapsed.TotalMilliseconds:F1} ms";
            output.WriteLine($"  verify       {file}: {(result.Ok ? "OK" : $"{result.Violations.Count} violation(s)")} ({timing})");
            foreach (var v in result.Violations)
            {
                output.WriteLine($"                 {v}");
                problems.Add($"{file}: {v}");
            }
        }
        if (problems.Count == 0)
        {
            output.WriteLine("verdict: accepted");
            return 0;
        }
        errors.WriteLine($"verdict: refused ({problems.Count} problem(s))");
        return 2;
    }

    private static int Refused(PluginRefusedException e, TextWriter errors)
    {
        foreach (var p in e.Problems) errors.WriteLine(p);
        errors.WriteLine($"verdict: refused ({e.Stage.ToString().ToLowerInvariant()}, {e.Problems.Count} problem(s))");
        return 2;
    }
}
