using System.Reflection;
using System.Runtime.InteropServices;
using Grpc.Core;
using Switchboard.Control.V1;
using Switchboard.Host.Ports.Dpdk;

namespace Switchboard.Host.Control.Services;

/// <summary>SwitchService: version, uptime, cores, ports.</summary>
internal sealed class SwitchApi(SwitchState state) : SwitchService.SwitchServiceBase
{
    public static string Version { get; } =
        typeof(SwitchApi).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(SwitchApi).Assembly.GetName().Version?.ToString() ?? "?";

    public override Task<SwitchInfo> GetInfo(GetInfoRequest request, ServerCallContext context)
    {
        var dp = state.Dataplane;
        var info = new SwitchInfo
        {
            Version = Version,
            Runtime = RuntimeInformation.FrameworkDescription,
            ProcessId = Environment.ProcessId,
            StartedUnixMs = state.StartedAt.ToUnixTimeMilliseconds(),
            UptimeSeconds = state.UptimeSeconds,
            Cores = dp.Workers.Count,
            MachineProcessors = Environment.ProcessorCount,
            BatchSize = dp.Deployment.BatchSize,
            DeploymentPath = dp.Deployment.SourcePath,
            ChainCount = state.Chains.Count,
            NfInstanceCount = state.NfSpecs.Count,
            PortCount = dp.Ports.Count,
        };
        info.UnavailableOperations.AddRange(state.Operations.Unavailable);
        return Task.FromResult(info);
    }

    public override Task<ListPortsResponse> ListPorts(ListPortsRequest request, ServerCallContext context)
    {
        var response = new ListPortsResponse();
        foreach (var (name, port) in state.Dataplane.Ports)
            response.Ports.Add(new PortInfo { Name = name, Kind = port.Kind, Status = port is IPortStatus s ? s.Status() : "" });
        return Task.FromResult(response);
    }
}
