using System.CommandLine;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Switchboard.Control.Tests.Support;
using Switchboard.Host.Cli;
using Switchboard.Host.Control;

namespace Switchboard.Control.Tests;

/// <summary>The control plane over TLS (the requirement for a non-loopback address), and ctl trusting it by CA.</summary>
public class TlsTests
{
    private string _dir = null!, _cert = null!, _key = null!;

    [OneTimeSetUp]
    public void MakeCertificate()
    {
        Directory.CreateDirectory(_dir = Path.Combine(Path.GetTempPath(), "sb-ctl-tls-" + Guid.NewGuid().ToString("N")));
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=switchboard-test", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(System.Net.IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        using var cert = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        File.WriteAllText(_cert = Path.Combine(_dir, "cert.pem"), cert.ExportCertificatePem());
        File.WriteAllText(_key = Path.Combine(_dir, "key.pem"), key.ExportPkcs8PrivateKeyPem());
    }

    [OneTimeTearDown]
    public void Clean() => Directory.Delete(_dir, recursive: true);

    private static async Task<(int Code, string Out, string Err)> Ctl(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = await new RootCommand { CtlCommand.Create(output, error) }.Parse(["ctl", .. args]).InvokeAsync();
        return (code, output.ToString(), error.ToString());
    }

    [Test]
    public async Task CtlTalksTlsWithTheOperatorsCaAndRefusesAnUntrustedServer()
    {
        await using var sut = await SwitchUnderTest.StartAsync(new ControlOptions { TlsCertificate = _cert, TlsKey = _key });
        Assert.That(sut.Server.Address.Scheme, Is.EqualTo("https"));

        var trusted = await Ctl("status", "--token-file", sut.Server.TokenFilePath, "--ca-cert", _cert);
        Assert.That(trusted.Code, Is.Zero, trusted.Err);
        Assert.That(trusted.Out, Does.Contain($"at {sut.Server.Address.ToString().TrimEnd('/')}"));

        var untrusted = await Ctl("status", "--token-file", sut.Server.TokenFilePath);
        Assert.That(untrusted.Code, Is.EqualTo(1), "without --ca-cert the self-signed certificate is not trusted");
        Assert.That(untrusted.Err, Does.Contain("certificate"));
    }

    [Test]
    public async Task ANonLoopbackAddressStartsWhenAskedForWithTls()
    {
        await using var sut = await SwitchUnderTest.StartAsync(new ControlOptions { Listen = "0.0.0.0:0", AllowRemote = true, TlsCertificate = _cert, TlsKey = _key });
        Assert.That(sut.Server.Address.Host, Is.EqualTo("0.0.0.0"));
        var r = await Ctl("chains", "--token-file", sut.Server.TokenFilePath, "--ca-cert", _cert, "--address", $"https://127.0.0.1:{sut.Server.Address.Port}");
        Assert.That(r.Code, Is.Zero, r.Err);
        Assert.That(r.Out, Does.Contain("gen -> ttl -> mon -> sink"));
    }

    [Test]
    public async Task MutualTlsAdmitsOnlyClientsWithACertificateFromTheClientCa()
    {
        // A CA, and a client certificate it issued.
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=operators", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        using var ca = caRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(2));
        using var clientKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var clientRequest = new CertificateRequest("CN=alice", clientKey, HashAlgorithmName.SHA256);
        clientRequest.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.2")], false));
        using var client = clientRequest.Create(ca, DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(1), [1, 2, 3, 4]);
        string caPem = Path.Combine(_dir, "ca.pem"), clientPem = Path.Combine(_dir, "client.pem"), clientKeyPem = Path.Combine(_dir, "client.key");
        File.WriteAllText(caPem, ca.ExportCertificatePem());
        File.WriteAllText(clientPem, client.ExportCertificatePem());
        File.WriteAllText(clientKeyPem, clientKey.ExportPkcs8PrivateKeyPem());

        await using var sut = await SwitchUnderTest.StartAsync(new ControlOptions { TlsCertificate = _cert, TlsKey = _key, ClientCa = caPem });
        var admitted = await Ctl("chains", "--token-file", sut.Server.TokenFilePath, "--ca-cert", _cert, "--client-cert", clientPem, "--client-key", clientKeyPem);
        Assert.That(admitted.Code, Is.Zero, admitted.Err);
        Assert.That(admitted.Out, Does.Contain("gen -> ttl -> mon -> sink"));

        var noCertificate = await Ctl("chains", "--token-file", sut.Server.TokenFilePath, "--ca-cert", _cert);
        Assert.That(noCertificate.Code, Is.EqualTo(1), "the token alone is not enough when mutual TLS is on");
        var selfMade = await Ctl("chains", "--token-file", sut.Server.TokenFilePath, "--ca-cert", _cert, "--client-cert", _cert, "--client-key", _key);
        Assert.That(selfMade.Code, Is.EqualTo(1), "a certificate the client CA did not issue is refused");
    }

    [Test]
    public void HalfATlsConfigurationIsRefused()
    {
        Assert.That(async () => await SwitchUnderTest.StartAsync(new ControlOptions { TlsCertificate = _cert }),
            Throws.InstanceOf<ControlStartException>().With.Message.Contains("both --control-tls-cert and --control-tls-key"));
        Assert.That(async () => await SwitchUnderTest.StartAsync(new ControlOptions { ClientCa = _cert }),
            Throws.InstanceOf<ControlStartException>().With.Message.Contains("mutual TLS"));
    }
}
