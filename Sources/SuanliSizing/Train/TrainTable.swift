import SuanliText
/// Renders `size train` as a table for people: each number with where it came from.
enum TrainTable {
    static func render(_ r: TrainReport, notes n: TrainNotes) -> TextReport {
        var text = TextReport(title: "suanli size train")
        text.section("Work")
        text.add("total compute", Format.number(r.totalFLOPs) + " FLOPs", n.work)
        text.add("", Format.number(r.pfDays) + " PF-days", "1 PF-day = 8.64e19 FLOPs")

        let solution = n.solution!
        text.section("Rate per device")
        if n.devicesKnown {
            text.add("sustained", Format.number(r.sustainedTFLOPSPerDevice!) + " TFLOPS", n.device?.rateExplanation ?? "")
            if let c = n.device?.calibration {
                text.add("measured on", c.deviceName ?? c.deviceID, "\(c.file), device \(c.deviceID), precision \(c.precision)")
                if let basis = c.rateBasis {
                    text.add("rate basis", basis.rawValue, c.gemmDetail)
                }
            } else if let src = n.peakSource {
                text.add("peak from", "", src)
            }
        } else {
            text.add("cluster sustained", Format.number(n.clusterEFLOPS! * n.device!.mfu!) + " EFLOPS",
                     "--cluster-eflops \(Format.number(n.clusterEFLOPS!)) × MFU \(Format.number(n.device!.mfu!, decimals: 3))")
        }
        text.add("losses", "", n.losses)
        if solution.efficiency < 1 {
            text.add("efficiency", Format.number(solution.efficiency * 100, decimals: 1) + " %", "share of device time computing")
            if n.devicesKnown {
                text.add("effective", Format.number(r.sustainedTFLOPSPerDevice! * solution.efficiency) + " TFLOPS", "sustained × efficiency")
            }
        }
        if let s = solution.step {
            text.add("step: compute", Format.number(s.computeSeconds, decimals: 3) + " s")
            text.add("step: all-reduce", Format.number(s.allReduceSeconds, decimals: 3) + " s",
                     "exposed \(Format.number(s.exposedSeconds, decimals: 3)) s")
        }

        text.section("Scale")
        if let d = n.givenDays {
            text.add("days", Format.number(d), "--days")
            text.add("devices (exact)", Format.number(solution.devices), "solved for --days")
            text.add("devices to buy", Format.number(solution.wholeDevices, decimals: 0),
                     "rounded up; they finish in \(Format.number(r.daysWithWholeDevices!, decimals: 4)) days")
        } else if let devices = n.givenDevices {
            text.add("devices", Format.number(devices, decimals: 0), "--devices")
            text.add("days", Format.number(solution.days), "solved")
        } else {
            if n.devicesKnown {
                text.add("devices", Format.number(solution.devices),
                         "--cluster-eflops \(Format.number(n.clusterEFLOPS!)) ÷ peak \(Format.number(n.device!.peakTFLOPS!)) TFLOPS")
            } else {
                text.add("devices", "unknown", "give --device or --peak-tflops to count them")
            }
            text.add("days", Format.number(solution.days), "solved")
        }
        if let h = r.deviceHours { text.add("device-hours", Format.number(h, decimals: 0), "devices × days × 24, waits included") }

        let costs = n.costs
        if costs?.pricePerDevice != nil || costs?.pricePerDeviceHour != nil || r.energyKWh != nil {
            moneyAndEnergy(
                &text, currencyLabel: costs?.currencyLabel ?? "", devices: r.devices, pricePerDevice: costs?.pricePerDevice,
                pricePerDeviceHour: costs?.pricePerDeviceHour, capital: r.costCapital, rental: r.costRental,
                energy: r.energyKWh.map { Energy.Consumption(kWh: $0, co2Tonnes: r.co2Tonnes) }, power: costs?.energy)
        }

        if let params = n.params, let state = r.modelStateBytes {
            text.section("Memory")
            text.add("model state", Format.number(state / 1e9) + " GB",
                     "\(Format.number(n.bytesPerParam)) bytes × \(Format.short(params)) parameters; activations not counted")
            if let (gb, src) = n.memory, let minDevices = r.minDevicesForMemory {
                text.add("fewest devices", Format.number(minDevices, decimals: 0),
                         "to hold it fully sharded, \(Format.number(gb)) GB each (\(src))")
            } else {
                text.add("fewest devices", "unknown", "give --memory-gb or a catalog --device")
            }
        }
        text.footer = r.warnings.map { "warning: " + $0 }
        return text
    }

    /// The money and energy rows of `size train`, with and without the step model.
    static func moneyAndEnergy(
        _ text: inout TextReport, currencyLabel: String, devices: Double?, pricePerDevice: Double?,
        pricePerDeviceHour: Double?, capital: Double?, rental: Double?, energy: Energy.Consumption?, power: Energy?
    ) {
        text.section("Money and energy")
        if let capital, let devices, let pricePerDevice {
            text.add("capital", Format.number(capital, decimals: 0) + " " + currencyLabel,
                     "\(Format.number(devices, decimals: 0)) devices × \(Format.number(pricePerDevice))")
        }
        if let rental, let pricePerDeviceHour {
            text.add("rental", Format.number(rental, decimals: 0) + " " + currencyLabel,
                     "device-hours × \(Format.number(pricePerDeviceHour)) per device-hour")
        }
        if let energy, let power {
            text.add("energy", Format.number(energy.kWh, decimals: 0) + " kWh", power.formula)
            if let co2 = energy.co2Tonnes, let intensity = power.intensity { text.add("CO2", Format.number(co2) + " t", intensity) }
        }
    }
}
