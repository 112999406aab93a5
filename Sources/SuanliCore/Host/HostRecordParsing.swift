import SuanliSchema

// Reading the host records (``CPUIdentity``, ``HybridCores``) from /proc and /sys text.

extension CPUIdentity {
    /// From the first processor block of /proc/cpuinfo; nil when it names no vendor.
    public init?(procCpuinfo text: String) {
        var fields: [String: String] = [:]
        for line in text.split(separator: "\n") {
            if line.trimmed().isEmpty, !fields.isEmpty { break }
            let parts = line.split(separator: ":", maxSplits: 1).map { $0.trimmed() }
            if parts.count == 2, fields[parts[0]] == nil { fields[parts[0]] = parts[1] }
        }
        func number(_ text: String?) -> Int? {
            guard let text else { return nil }
            return text.hasPrefix("0x") ? Int(text.dropFirst(2), radix: 16) : Int(text)
        }
        if let vendor = fields["vendor_id"] {
            self.init(vendor: vendor, family: number(fields["cpu family"]), model: number(fields["model"]))
        } else if let implementer = fields["CPU implementer"] {
            self.init(vendor: implementer, part: number(fields["CPU part"]))
        } else {
            return nil
        }
    }
}

extension HybridCores {
    /// Nil unless both lists are present, parse and name at least one CPU each.
    public init?(procCpuinfo: String, performanceCPUs: String?, efficiencyCPUs: String?) {
        guard let pText = performanceCPUs, let eText = efficiencyCPUs,
              let pList = HostInfo.cpuList(pText), let eList = HostInfo.cpuList(eText),
              !pList.isEmpty, !eList.isEmpty else { return nil }
        // processor number → "physical id/core id"
        var coreOf: [Int: String] = [:]
        for block in procCpuinfo.split(separator: "\n\n") {
            var processor: Int?, physical = "0", core: String?
            for line in block.split(separator: "\n") {
                let parts = line.split(separator: ":", maxSplits: 1).map { $0.trimmed() }
                guard parts.count == 2 else { continue }
                if parts[0] == "processor" { processor = Int(parts[1]) }
                if parts[0] == "physical id" { physical = parts[1] }
                if parts[0] == "core id" { core = parts[1] }
            }
            if let processor, let core { coreOf[processor] = physical + "/" + core }
        }
        func cores(_ cpus: [Int]) -> Int {
            Set(cpus.map { coreOf[$0] ?? "cpu\($0)" }).count
        }
        self.init(performanceCores: cores(pList), efficiencyCores: cores(eList))
    }
}
