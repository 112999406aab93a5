import SuanliText
/// The answer of `suanli size train`, as numbers and as rendered output.
public struct TrainReport: Sendable {
    public var totalFLOPs: Double
    public var pfDays: Double
    /// Whole devices: given, or the ceiling of `devicesExact` when solved for; nil when unknown.
    public var devices: Double?
    public var devicesExact: Double?
    public var days: Double
    /// Days when the whole number of devices is used (solving for devices only).
    public var daysWithWholeDevices: Double?
    public var deviceHours: Double?
    public var sustainedTFLOPSPerDevice: Double?
    /// Sustained rate after communication losses.
    public var effectiveTFLOPSPerDevice: Double?
    public var efficiency: Double
    public var solvedFor: String
    public var costCapital: Double?
    public var costRental: Double?
    public var cost: Double?
    public var currency: String?
    public var energyKWh: Double?
    public var co2Tonnes: Double?
    public var modelStateBytes: Double?
    public var minDevicesForMemory: Double?
    public var step: TrainingModel.StepTimes?
    /// The step model's iteration, when parallelism options were given.
    public var stepReport: StepReport?
    public var warnings: [String]
    public var inputs: [(String, JSONValue)]
    public var sources: [(String, String)]
    /// With `--calibrate`: how the per-device rate was found, `measured` or `extrapolated`.
    public var rateBasis: String? = nil
    /// Lines explaining each number in the table.
    var text: TextReport

    public var json: JSONValue {
        var pairs: [(String, JSONValue)] = [
            ("total_flops", .number(totalFLOPs)),
            ("pf_days", .number(pfDays)),
            ("solved_for", .string(solvedFor)),
            ("devices", .optional(devices)),
            ("devices_exact", .optional(devicesExact)),
            ("days", .number(days)),
        ]
        if solvedFor == "devices" { pairs.append(("days_with_whole_devices", .optional(daysWithWholeDevices))) }
        pairs += [
            ("device_hours", .optional(deviceHours)),
            ("sustained_tflops_per_device", .optional(sustainedTFLOPSPerDevice)),
            ("rate_basis", .optional(rateBasis)),
            ("effective_tflops_per_device", .optional(effectiveTFLOPSPerDevice)),
            ("efficiency", .number(efficiency)),
            ("cost", .optional(cost)),
            ("cost_capital", .optional(costCapital)),
            ("cost_rental", .optional(costRental)),
            ("currency", .optional(currency)),
            ("energy_kwh", .optional(energyKWh)),
            ("co2_tonnes", .optional(co2Tonnes)),
            ("model_state_bytes", .optional(modelStateBytes)),
            ("min_devices_for_memory", .optional(minDevicesForMemory)),
        ]
        if let s = step {
            pairs.append((
                "data_parallel_step",
                .object([
                    ("compute_seconds", .number(s.computeSeconds)),
                    ("allreduce_seconds", .number(s.allReduceSeconds)),
                    ("exposed_seconds", .number(s.exposedSeconds)),
                    ("step_seconds", .number(s.stepSeconds)),
                ])
            ))
        }
        if let r = stepReport { pairs.append(("step", r.json)) }
        pairs += [
            ("warnings", .array(warnings.map(JSONValue.string))),
            ("inputs", .object(inputs)),
            ("sources", .object(sources.map { ($0.0, .string($0.1)) })),
        ]
        return .object(pairs)
    }

    /// The report for people: aligned rows, each with where its number came from.
    public var table: String { text.rendered() }
}

