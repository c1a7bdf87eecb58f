# Regenerates the fixtures and expected-errors.tsv (python3 generate-fixtures.py, in this folder).
# Each invalid fixture holds exactly one mistake; SchemaAgreementTests checks the loader reports exactly that one.
import json, copy, os
base = {"ports": {"gen": {"type": "generator"}, "sink": {"type": "null"}},
        "nfs": {"ttl": {"type": "ttl"}},
        "chains": [{"from": "gen", "through": ["ttl"], "to": "sink"}]}
def w(d, name, doc):
    os.makedirs(d, exist_ok=True)
    with open(f"{d}/{name}.json", "w") as f: f.write(json.dumps(doc, indent=2) + "\n")
def mod(fn):
    d = copy.deepcopy(base); fn(d); return d
rows = []
def bad(d, name, fn, path, msg):
    w(d, name, mod(fn)); rows.append((d, name, path, msg))

w("valid", "minimal", base)
w("valid", "nf-faults", mod(lambda d: d["nfs"]["ttl"].update(faults={"limit": 50, "onQuarantine": "bypass"})))
w("valid", "everything", {
  "cores": 4, "batchSize": 64,
  "ports": {
    "gen4": {"type": "generator", "flows": 10, "packetSize": 128, "tcpShare": 1, "rateMpps": 2.5, "sourceNet": "172.16.0.0/12", "destinationNet": "0.0.0.0/0", "seed": -7, "count": 0},
    "gen6": {"type": "generator", "packetSize": [60, 1514], "sourceNet": "fd00::/8", "destinationNet": "2001:db8::/32"},
    "capture": {"type": "pcap-in", "file": "input.pcap", "loop": True},
    "out": {"type": "pcap-out", "file": "out.pcap", "snapLength": 128},
    "drop": {"type": "null"}},
  "nfs": {"ttl-a": {"type": "ttl"}, "ttl.b": {"type": "ttl", "config": {"note": "passed through", "n": [1, 2]}}, "mon": {"type": "monitor"}},
  "chains": [
    {"name": "v4", "from": "gen4", "through": ["ttl-a", "mon"], "to": "drop"},
    {"from": "gen6", "to": "drop"},
    {"name": "replay", "from": "capture", "through": ["ttl.b"], "to": "out"}],
  "invariants": [
    {"name": "iso", "kind": "isolation", "from": "gen4", "to": "out"},
    {"name": "flow", "kind": "flow-isolation", "from": "capture", "to": "drop", "expect": "violated"},
    {"name": "data", "kind": "data-isolation", "from": "mon", "to": "out"},
    {"name": "trav", "kind": "traversal", "from": "gen4", "to": "drop", "through": ["ttl-a", "mon"], "expect": "holds"}]})

# One NF instance in two chains (e.g. both directions through a NAT) is allowed.
w("valid", "nf-in-two-chains", {"ports": {"gen": {"type": "generator"}, "sink": {"type": "null"}, "gen2": {"type": "generator"}},
    "nfs": {"ttl": {"type": "ttl"}},
    "chains": [{"from": "gen", "through": ["ttl"], "to": "sink"}, {"from": "gen2", "through": ["ttl"], "to": "sink"}]})
w("valid", "dpdk", {
  "cores": 2,
  "dpdk": {"eal": ["--no-huge", "-m", "512", "--no-pci"], "mempoolSize": 8191, "cacheSize": 128, "linkWaitSeconds": 2.5},
  "ports": {"ring": {"type": "dpdk", "device": "net_ring0", "rxDescriptors": 512, "txDescriptors": 512},
            "sink": {"type": "dpdk", "device": "net_null0,size=64"}},
  "nfs": {"ttl": {"type": "ttl"}},
  "chains": [{"from": "ring", "through": ["ttl"], "to": "sink"}]})

S = "schema-invalid"
bad(S, "unknown-top-key", lambda d: d.update(chain=[]), "$.chain", "unknown key 'chain' (did you mean 'chains'?)")
bad(S, "root-array", lambda d: None, "$", "expected an object, got an array")
bad(S, "cores-zero", lambda d: d.update(cores=0), "$.cores", "must be 1..64, got 0")
bad(S, "batch-size-too-big", lambda d: d.update(batchSize=2048), "$.batchSize", "must be 1..1024, got 2048")
bad(S, "flows-out-of-range", lambda d: d["ports"]["gen"].update(flows=0), "$.ports.gen.flows", "must be 1..1000000, got 0")
bad(S, "flows-not-integer", lambda d: d["ports"]["gen"].update(flows="10"), "$.ports.gen.flows", "expected an integer, got the string \"10\"")
bad(S, "flows-fraction", lambda d: d["ports"]["gen"].update(flows=1.5), "$.ports.gen.flows", "expected an integer, got 1.5")
bad(S, "packet-size-too-small", lambda d: d["ports"]["gen"].update(packetSize=59), "$.ports.gen.packetSize", "must be 60..1514, got 59")
bad(S, "packet-size-three", lambda d: d["ports"]["gen"].update(packetSize=[60, 100, 200]), "$.ports.gen.packetSize", "expected a frame size 60..1514 or a range [min, max]")
bad(S, "packet-size-range-item", lambda d: d["ports"]["gen"].update(packetSize=[60, 1515]), "$.ports.gen.packetSize[1]", "must be 60..1514, got 1515")
bad(S, "tcp-share", lambda d: d["ports"]["gen"].update(tcpShare=1.5), "$.ports.gen.tcpShare", "must be 0..1, got 1.5")
bad(S, "rate-negative", lambda d: d["ports"]["gen"].update(rateMpps=-1), "$.ports.gen.rateMpps", "must be >= 0, got -1")
bad(S, "count-negative", lambda d: d["ports"]["gen"].update(count=-1), "$.ports.gen.count", "must be >= 0, got -1")
bad(S, "cidr-malformed", lambda d: d["ports"]["gen"].update(sourceNet="10.0.0/16"), "$.ports.gen.sourceNet", "'10.0.0' is not an IPv4 address")
bad(S, "cidr-prefix", lambda d: d["ports"]["gen"].update(destinationNet="10.0.0.0/33"), "$.ports.gen.destinationNet", "prefix length '33' must be 0..32")
bad(S, "generator-typo-key", lambda d: d["ports"]["gen"].update(flow=10), "$.ports.gen.flow", "unknown key 'flow' (did you mean 'flows'?)")
bad(S, "null-port-extra-key", lambda d: d["ports"]["sink"].update(file="x"), "$.ports.sink.file", "unknown key 'file'; known keys: type")
w("valid", "port-prefixes", mod(lambda d: (d["ports"]["gen"].update(prefixes=["10.0.0.0/8", "172.16.0.0/12"]), d["ports"]["sink"].update(prefixes=["192.168.0.0/16"]))))
bad(S, "port-prefixes-ipv6", lambda d: d["ports"]["gen"].update(prefixes=["fd00::/8"]), "$.ports.gen.prefixes[0]", "expected an IPv4 prefix")
bad(S, "unknown-port-type", lambda d: d["ports"]["sink"].update(type="nul"), "$.ports.sink.type", "unknown port type 'nul' (did you mean 'null'?)")
bad(S, "port-type-missing", lambda d: d["ports"]["sink"].pop("type"), "$.ports.sink.type", "required key is missing")
bad(S, "dpdk-port-no-device", lambda d: d["ports"]["sink"].update(type="dpdk"), "$.ports.sink.device", "required key is missing")
bad(S, "dpdk-bad-device", lambda d: d["ports"].update(sink={"type": "dpdk", "device": "eth0"}), "$.ports.sink.device", "'eth0' is neither a virtual device")
bad(S, "dpdk-device-arg-not-pair", lambda d: d["ports"].update(sink={"type": "dpdk", "device": "net_null0,copy"}), "$.ports.sink.device", "device argument 'copy' is not key=value")
bad(S, "dpdk-descriptors-range", lambda d: d["ports"].update(sink={"type": "dpdk", "device": "net_null0", "rxDescriptors": 8}), "$.ports.sink.rxDescriptors", "must be 16..32768, got 8")
bad(S, "dpdk-eal-not-strings", lambda d: d.update(dpdk={"eal": ["--no-huge", 512]}), "$.dpdk.eal[1]", "expected a string, got the number 512")
bad(S, "dpdk-cache-too-big", lambda d: d.update(dpdk={"cacheSize": 1024}), "$.dpdk.cacheSize", "must be 0..512, got 1024")
bad(S, "dpdk-link-wait-range", lambda d: d.update(dpdk={"linkWaitSeconds": -1}), "$.dpdk.linkWaitSeconds", "must be 0..120, got -1")
bad(S, "dpdk-unknown-key", lambda d: d.update(dpdk={"eall": []}), "$.dpdk.eall", "unknown key 'eall' (did you mean 'eal'?)")
bad(S, "pcap-in-no-file", lambda d: d["ports"].update(gen={"type": "pcap-in"}), "$.ports.gen.file", "required key is missing")
bad(S, "pcap-in-loop-not-bool", lambda d: d["ports"].update(gen={"type": "pcap-in", "file": "input.pcap", "loop": "yes"}), "$.ports.gen.loop", "expected true or false")
bad(S, "snap-length-zero", lambda d: d["ports"].update(sink={"type": "pcap-out", "file": "out.pcap", "snapLength": 0}), "$.ports.sink.snapLength", "must be 1..262144, got 0")
bad(S, "port-bad-name", lambda d: d["ports"].update({"1gen": d["ports"].pop("gen")}) or d["chains"][0].update({"from": "1gen"}), "$.ports['1gen']", "'1gen' is not a valid port name")
bad(S, "nf-config-not-object", lambda d: d["nfs"]["ttl"].update(config=[]), "$.nfs.ttl.config", "expected an object, got an array")
bad(S, "nf-type-missing", lambda d: d["nfs"]["ttl"].pop("type"), "$.nfs.ttl.type", "required key is missing")
bad(S, "nf-extra-key", lambda d: d["nfs"]["ttl"].update(confg={}), "$.nfs.ttl.confg", "unknown key 'confg' (did you mean 'config'?)")
bad(S, "nf-faults-bad-action", lambda d: d["nfs"]["ttl"].update(faults={"limit": 5, "onQuarantine": "pass"}), "$.nfs.ttl.faults.onQuarantine", "'pass' must be \"drop\" or \"bypass\"")
bad(S, "no-chains", lambda d: d.update(ports={}, nfs={}, chains=[]), "$.chains", "at least one chain is required")
bad(S, "chains-missing", lambda d: d.update(ports={}, nfs={}) or d.pop("chains"), "$.chains", "required key is missing")
bad(S, "chain-missing-to", lambda d: d["chains"][0].pop("to") and d["ports"].pop("sink"), "$.chains[0].to", "required key is missing")
bad(S, "chain-through-not-strings", lambda d: d["chains"][0].update(through=["ttl", 3]), "$.chains[0].through[1]", "expected a string, got the number 3")
bad(S, "chain-bad-name", lambda d: d["chains"][0].update(name="my chain"), "$.chains[0].name", "'my chain' is not a valid chain name")
inv = lambda **kw: (lambda d: d.update(invariants=[dict({"name": "i", "kind": "isolation", "from": "gen", "to": "sink"}, **kw)]))
bad(S, "invariant-bad-kind", inv(kind="isolaton"), "$.invariants[0].kind", "unknown invariant kind 'isolaton' (did you mean 'isolation'?)")
bad(S, "invariant-through-not-traversal", inv(through=["ttl"]), "$.invariants[0].through", "\"through\" is only allowed for kind 'traversal'")
bad(S, "invariant-traversal-without-through", inv(kind="traversal"), "$.invariants[0].through", "required key is missing")
bad(S, "invariant-bad-expect", inv(expect="yes"), "$.invariants[0].expect", "expected 'holds' or 'violated', got 'yes'")
bad(S, "invariant-missing-name", lambda d: d.update(invariants=[{"kind": "isolation", "from": "gen", "to": "sink"}]), "$.invariants[0].name", "required key is missing")

M = "semantic-invalid"
bad(M, "unknown-nf-type", lambda d: d["nfs"]["ttl"].update(type="tll"), "$.nfs.ttl.type", "unknown NF type 'tll' (did you mean 'ttl'?); known NF types: monitor, ttl")
bad(M, "unknown-nf-reference", lambda d: d["chains"][0].update(through=["ttl", "fw"]), "$.chains[0].through[1]", "unknown NF 'fw'; defined NFs: ttl")
bad(M, "port-as-nf", lambda d: d["chains"][0].update(through=["ttl", "sink"]), "$.chains[0].through[1]", "'sink' is a port, not an NF; defined NFs: ttl")
bad(M, "unknown-port-reference", lambda d: d["chains"][0].update(to="snk") or d["ports"].pop("sink"), "$.chains[0].to", "unknown port 'snk'; defined ports: gen")
bad(M, "unused-nf", lambda d: d["nfs"].update(mon={"type": "monitor"}), "$.nfs.mon", "NF 'mon' is not used by any chain")
bad(M, "unused-port", lambda d: d["ports"].update(spare={"type": "null"}), "$.ports.spare", "port 'spare' is not used by any chain")
bad(M, "nf-twice-in-chain", lambda d: d["chains"][0].update(through=["ttl", "ttl"]), "$.chains[0].through[1]", "NF 'ttl' appears twice in this chain")
bad(M, "from-cannot-receive", lambda d: d["ports"].update(gen={"type": "null"}), "$.chains[0].from", "port 'gen' is a null port and cannot receive packets")
bad(M, "to-cannot-send", lambda d: d["ports"].update(sink={"type": "generator"}), "$.chains[0].to", "port 'sink' is a generator port and cannot send packets")
bad(M, "source-feeds-two-chains", lambda d: d["chains"].append({"from": "gen", "to": "sink"}), "$.chains[1].from", "port 'gen' already feeds chain 'chain0'")
bad(M, "duplicate-chain-name", lambda d: d["ports"].update(gen2={"type": "generator"}) or d["chains"][0].update(name="c") or d["chains"].append({"name": "c", "from": "gen2", "to": "sink"}), "$.chains[1].name", "chain name 'c' is already used by $.chains[0]")
bad(M, "default-chain-name-taken", lambda d: d["ports"].update(gen2={"type": "generator"}) or d["chains"][0].update(name="chain1") or d["chains"].append({"from": "gen2", "to": "sink"}), "$.chains[1]", "default name 'chain1' is already taken by $.chains[0]")
bad(M, "port-and-nf-same-name", lambda d: d["nfs"].update(sink={"type": "monitor"}) or d["chains"][0]["through"].append("sink"), "$.nfs.sink", "'sink' is already a port name ($.ports.sink)")
bad(M, "cidr-host-bits", lambda d: d["ports"]["gen"].update(sourceNet="10.0.0.1/16"), "$.ports.gen.sourceNet", "host bits are set; did you mean 10.0.0.0/16?")
bad(M, "cidr-mixed-family", lambda d: d["ports"]["gen"].update(destinationNet="fd00::/8"), "$.ports.gen.destinationNet", "must be the same address family")
bad(M, "cidr-bad-ipv6", lambda d: d["ports"]["gen"].update(sourceNet="fd00:::1/8", destinationNet="fd00::/8"), "$.ports.gen.sourceNet", "'fd00:::1' is not an IPv6 address")
bad(M, "packet-size-range-reversed", lambda d: d["ports"]["gen"].update(packetSize=[512, 64]), "$.ports.gen.packetSize", "range [512, 64] is empty")
bad(M, "pcap-in-missing-file", lambda d: d["ports"].update(gen={"type": "pcap-in", "file": "missing.pcap"}), "$.ports.gen.file", "file not found: ")
bad(M, "pcap-out-missing-directory", lambda d: d["ports"].update(sink={"type": "pcap-out", "file": "missing-dir/out.pcap"}), "$.ports.sink.file", "directory not found: ")
bad(M, "two-outputs-same-file", lambda d: d["ports"].update(gen2={"type": "generator"}, sink={"type": "pcap-out", "file": "out.pcap"}, sink2={"type": "pcap-out", "file": "./out.pcap"}) or d["chains"].append({"from": "gen2", "to": "sink2"}), "$.ports.sink2.file", "port 'sink' already writes ")
bad(M, "dpdk-pcap-missing-file", lambda d: d["ports"].update(gen={"type": "dpdk", "device": "net_pcap0,rx_pcap=missing.pcap"}), "$.ports.gen.device", "rx_pcap: file not found: ")
bad(M, "dpdk-same-device", lambda d: d["ports"].update(gen={"type": "dpdk", "device": "net_ring0"}, sink={"type": "dpdk", "device": "net_ring0"}), "$.ports.sink.device", "port 'gen' already uses device net_ring0")
bad(M, "dpdk-mempool-too-small", lambda d: d.update(cores=2, dpdk={"mempoolSize": 1023, "cacheSize": 0}) or d["ports"].update(sink={"type": "dpdk", "device": "net_null0"}), "$.dpdk.mempoolSize", "1023 mbufs cannot fill the DPDK ports' RX rings and per-core caches on 2 core(s): at least 3072 are needed")
bad(M, "dpdk-cache-exceeds-pool", lambda d: d.update(dpdk={"mempoolSize": 511, "cacheSize": 512}), "$.dpdk.cacheSize", "a cache of 512 needs a mempool of at least 768")
bad(M, "invariant-unknown-endpoint", inv(to="snk"), "$.invariants[0].to", "unknown port or NF 'snk' (did you mean 'sink'?)")
bad(M, "invariant-unknown-through", inv(kind="traversal", through=["fw"]), "$.invariants[0].through[0]", "unknown NF 'fw'; defined NFs: ttl")
bad(M, "invariant-duplicate-name", lambda d: d.update(invariants=[{"name": "i", "kind": "isolation", "from": "gen", "to": "sink"}, {"name": "i", "kind": "isolation", "from": "sink", "to": "gen"}]), "$.invariants[1].name", "invariant name 'i' is already used by $.invariants[0]")
bad(S, "plugins-not-strings", lambda d: d.update(plugins=[1]), "$.plugins[0]", "expected a string, got the number 1")
bad(S, "trust-unknown-key", lambda d: d.update(trust={"key": "trusted"}), "$.trust.key", "unknown key 'key' (did you mean 'keys'?)")
bad(M, "plugins-missing-package", lambda d: d.update(plugins=["missing-plugin"]), "$.plugins[0]", "no plugin package at ")
bad(M, "trust-require-without-keys", lambda d: d.update(trust={"requireSignatures": True}), "$.trust.requireSignatures", "requireSignatures needs a trust store")

# Duplicate keys: JSON text, not a dict, so written raw. Schema validators see one value: loader-only.
dup = json.dumps(base, indent=2).replace('"type": "generator"', '"type": "generator",\n      "flows": 10,\n      "flows": 20', 1)
with open(f"{M}/duplicate-key.json", "w") as f: f.write(dup + "\n")
rows.append((M, "duplicate-key", "$.ports.gen.flows", "duplicate key 'flows' (first defined at line 5)"))
# root-array content
w(S, "root-array", [base])
with open("expected-errors.tsv", "w") as f:
    f.write("# fixture\tJSON path of the one error\ttext the message contains\n")
    for d, n, p, m in rows: f.write(f"{d}/{n}.json\t{p}\t{m}\n")
