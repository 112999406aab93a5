import Testing
@testable import SuanliSizing

/// The demand options from `--option value` pairs.
private func demandOptions(_ pairs: [String: String]) -> DemandOptions {
    parsed(pairs)
}

private func merged(_ a: [String: String], _ b: [String: String]) -> [String: String] {
    a.merging(b) { _, new in new }
}

@Suite("Energy and demand: one arithmetic and one parser for every planner")
struct EnergyAndDemandTests {
    /// Figures that are not round, so a planner with arithmetic of its own (a factor left out, a
    /// unit slip) does not match `Energy` to the bit.
    static let power = ["power-watts": "612.3", "pue": "1.37", "carbon-kg-per-kwh": "0.43"]
    static let energy = Energy(watts: 612.3, powerSource: "--power-watts", pue: 1.37, carbonKgPerKWh: 0.43)
    static let stepServe = ["model": "llama2-70b", "device": "h100-sxm", "tp": "4", "input-tokens": "500",
                            "output-tokens": "250"]

    @Test func theArithmetic() {
        let e = Energy(watts: 700, powerSource: "", pue: 1.2, carbonKgPerKWh: 0.5)
        let c = e.consumption(deviceHours: 1000)
        #expect(close(c.kWh, 840))  // 1000 h × 0.7 kW × 1.2
        #expect(close(c.co2Tonnes, 0.42))  // 840 kWh × 0.5 kg
        #expect(e.perDay(devices: 10) == e.consumption(deviceHours: 240))
        // A device at full load spends the hours a million tokens take.
        #expect(close(e.kWhPerMillionTokens(tokensPerSecondPerDevice: 1000), e.consumption(deviceHours: 1e6 / 1000 / 3600).kWh))
        #expect(Energy.kWhPerMillionTokens(kWh: 50, tokens: 2e6) == 25)
        #expect(Energy(watts: 700, powerSource: "", pue: 1).consumption(deviceHours: 1).co2Tonnes == nil)
    }

    @Test func everyPlannerSpendsItsDeviceHoursThroughEnergy() throws {
        let e = Self.energy
        // size train, 6·N·D.
        let t = try TrainPlanner.plan(
            train(merged(["params": "7B", "tokens": "1T", "device": "h100-sxm", "devices": "256"], Self.power)), catalog: catalog)
        let hours = try #require(t.deviceHours)
        #expect(t.energyKWh == e.consumption(deviceHours: hours).kWh)
        #expect(t.co2Tonnes == e.consumption(deviceHours: hours).co2Tonnes)
        // size train with the step model.
        let args = train(
            merged(["tokens": "1B", "device": "a100-80gb", "model": "gpt3-175b", "tp": "8", "pp": "8", "dp": "4",
                    "global-batch": "512", "interleave": "2"], Self.power), recompute: true)
        let s = try TrainPlanner.plan(args, catalog: catalog, models: modelCatalog, readFile: files([:]))
        let stepHours = try #require(s.deviceHours)
        #expect(s.energyKWh == e.consumption(deviceHours: stepHours).kWh)
        #expect(s.co2Tonnes == e.consumption(deviceHours: stepHours).co2Tonnes)
        // size serve, the rough bound: a day of its devices.
        let r = try RoughServePlanner.plan(
            roughServe(merged(["params": "70B", "tokens-per-second": "100k", "device": "h100-sxm"], Self.power)), catalog: catalog)
        #expect(r.energyKWhPerDay == e.perDay(devices: r.devices).kWh)
        #expect(r.co2TonnesPerDay == e.perDay(devices: r.devices).co2Tonnes)
        // size serve, the step model: a day of the fleet, per million tokens, and one device at full load.
        let v = try servePlan(merged(merged(Self.stepServe, ["requests-per-second": "40"]), Self.power))
        let d = try #require(v.demand)
        #expect(d.energyKWhPerDay == e.perDay(devices: d.devices).kWh)
        #expect(d.co2TonnesPerDay == e.perDay(devices: d.devices).co2Tonnes)
        #expect(d.energyKWhPerMillionTokens == Energy.kWhPerMillionTokens(kWh: e.perDay(devices: d.devices).kWh, tokens: d.tokensPerDay))
        #expect(v.energyKWhPerMillionTokensAtFullLoad
            == e.kWhPerMillionTokens(tokensPerSecondPerDevice: v.expected.outputTokensPerSecondPerDevice))
        // The same device-hour costs the same energy in all four, and each names the power's source.
        let perDeviceHour = [t.energyKWh! / hours, s.energyKWh! / stepHours, r.energyKWhPerDay! / (r.devices * 24),
                             d.energyKWhPerDay! / (d.devices * 24)]
        #expect(perDeviceHour.allSatisfy { close($0, 0.6123 * 1.37) })
        let sources = [t.json["sources"], s.json["sources"], r.json["sources"], v.json["sources"]]
        #expect(sources.allSatisfy { $0?["power_watts"]?.stringValue == "--power-watts" })
    }

    @Test func bothServingModelsReadTheDemandThroughOneParser() throws {
        let rough = ["params": "70B", "device": "h100-sxm"]
        for demand in [["dau": "10M", "tokens-per-user": "2k"], ["tokens-per-second": "123456.7"]] {
            let parsed = try #require(try ServeDemand.parse(demandOptions(demand), outputTokensPerRequest: 250))
            let r = try RoughServePlanner.plan(roughServe(merged(rough, demand)), catalog: catalog)
            let s = try servePlan(merged(Self.stepServe, demand))
            #expect(r.tokensPerSecond == parsed.averageTokensPerSecond)
            #expect(s.demand?.averageTokensPerSecond == parsed.averageTokensPerSecond)
            for (key, value) in parsed.inputs {
                #expect(r.json["inputs"]?[key] == value)
                #expect(s.json["inputs"]?[key] == value)
            }
            #expect(s.json["inputs"]?["peak_factor"]?.doubleValue == 1)
        }
        // A wrong demand is refused by the parser's words in both models.
        let wrong: [[String: String]] = [
            ["dau": "10M"], ["tokens-per-user": "2k"], ["dau": "10M", "tokens-per-user": "2k", "tokens-per-second": "5"],
            ["tokens-per-second": "0"], ["dau": "-1", "tokens-per-user": "2k"], ["tokens-per-second": "5", "peak-factor": "2"],
            ["requests-per-second": "3"],
        ]
        for demand in wrong {
            let parser = sizingError { _ = try ServeDemand.parse(demandOptions(demand), outputTokensPerRequest: nil) }
            let r = sizingError { _ = try RoughServePlanner.plan(roughServe(merged(rough, demand)), catalog: catalog) }
            #expect(parser != nil && r == parser, "\(demand)")
        }
        for demand in wrong.dropLast(2) + [["peak-factor": "0.5", "tokens-per-second": "5"], ["peak-factor": "2"],
                                           ["dau": "1", "tokens-per-user": "2", "requests-per-second": "3"]] {
            let parser = sizingError { _ = try ServeDemand.parse(demandOptions(demand), outputTokensPerRequest: 250) }
            let s = sizingError { _ = try servePlan(merged(Self.stepServe, demand)) }
            #expect(parser != nil && s == parser, "\(demand)")
        }
        #expect(sizingError { _ = try ServeDemand.parse(demandOptions(["dau": "1"]), outputTokensPerRequest: 250) }?
            .description.contains("output tokens per user") == true)
        #expect(try ServeDemand.parse(DemandOptions.defaults, outputTokensPerRequest: 250) == nil)
    }
}
