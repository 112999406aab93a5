/// A serving demand after parsing and validation: generated (output) tokens per second averaged
/// over the day, and the peak hour's multiple of it. The one parser of the demand options.
public struct ServeDemand: Sendable {
    /// Average generated tokens per second over the day.
    public var averageTokensPerSecond: Double
    public var peakFactor: Double
    public var peakFactorGiven: Bool
    /// How the demand was given, for the table.
    public var description: String
    /// The demand options as the JSON answer echoes them (the peak factor apart: `peakFactorInput`).
    public var inputs: [(String, JSONValue)]

    public var peakTokensPerSecond: Double {
        ServingDemand.peakTokensPerSecond(averageTokensPerSecond: averageTokensPerSecond, peakFactor: peakFactor)
    }

    public var peakFactorInput: (String, JSONValue) { ("peak_factor", .number(peakFactor)) }

    /// Parses the demand; nil when none is given. `outputTokensPerRequest` is the request's reply
    /// length that turns `--requests-per-second` into tokens: the step model's `--output-tokens`,
    /// nil for the rough bound (which then refuses requests and a peak factor).
    public static func parse(_ o: DemandOptions, outputTokensPerRequest: Double?) throws -> ServeDemand? {
        let perRequest = outputTokensPerRequest != nil
        if !perRequest, let refused = [("--requests-per-second", o.requestsPerSecond), ("--peak-factor", o.peakFactor)]
            .first(where: { $0.1 != nil }) {
            throw SizingError.usage(
                "\(refused.0) needs the step model: give the model with --model NAME or --layers/--hidden/--heads/--vocab")
        }
        let perUser = o.dau != nil || o.tokensPerUser != nil
        let kinds = [perUser, o.requestsPerSecond != nil, o.tokensPerSecond != nil].filter { $0 }.count
        if kinds == 0 {
            if o.peakFactor != nil {
                throw SizingError.usage("--peak-factor scales a demand; give --dau with --tokens-per-user, --requests-per-second or --tokens-per-second")
            }
            return nil
        }
        if kinds > 1 {
            throw SizingError.usage(perRequest
                ? "choose one demand: --dau with --tokens-per-user, --requests-per-second, or --tokens-per-second"
                : "choose one demand: --dau with --tokens-per-user, or --tokens-per-second")
        }
        let peakFactor = try o.peakFactor.map { raw -> Double in
            let v = try Quantity.positive(raw, option: "--peak-factor")
            guard v >= 1 else {
                throw SizingError.usage("--peak-factor is the peak hour over the daily average and must be at least 1, got '\(raw)'")
            }
            return v
        } ?? ServingDefaults.peakFactor
        let tokens = perRequest ? "output tokens" : "tokens"
        var demand = ServeDemand(
            averageTokensPerSecond: 0, peakFactor: peakFactor, peakFactorGiven: o.peakFactor != nil,
            description: "--tokens-per-second", inputs: [])
        if perUser {
            let users = try DailyUsers.parse(dau: o.dau, tokensPerUser: o.tokensPerUser, tokens: tokens)
            demand.averageTokensPerSecond = users.tokensPerSecond
            demand.description = "\(Format.short(users.dau)) daily users × \(Format.short(users.tokensPerUser)) \(tokens) a day"
            demand.inputs = users.inputs
        } else if let raw = o.requestsPerSecond, let outputTokens = outputTokensPerRequest {
            let rps = try Quantity.positive(raw, option: "--requests-per-second")
            demand.averageTokensPerSecond = rps * outputTokens
            demand.description = "\(Format.number(rps)) requests/s × \(Format.number(outputTokens, decimals: 0)) output tokens"
            demand.inputs = [("requests_per_second", .number(rps))]
        } else {
            demand.averageTokensPerSecond = try Quantity.positive(o.tokensPerSecond!, option: "--tokens-per-second")
            demand.inputs = [("tokens_per_second", .number(demand.averageTokensPerSecond))]
        }
        return demand
    }
}

/// Daily active users and the tokens each asks for a day (`--dau`, `--tokens-per-user`), spread
/// evenly over the day.
struct DailyUsers {
    var dau: Double
    var tokensPerUser: Double
    var tokensPerSecond: Double { dau * tokensPerUser / TrainingModel.secondsPerDay }
    var inputs: [(String, JSONValue)] { [("dau", .number(dau)), ("tokens_per_user", .number(tokensPerUser))] }

    /// `tokens` names what a user's tokens are in the error ("tokens", "output tokens").
    static func parse(dau rawDAU: String?, tokensPerUser rawPerUser: String?, tokens: String) throws -> DailyUsers {
        guard let rawDAU, let rawPerUser else {
            throw SizingError.usage("--dau and --tokens-per-user go together (\(tokens) per user per day)")
        }
        return DailyUsers(
            dau: try Quantity.positive(rawDAU, option: "--dau"),
            tokensPerUser: try Quantity.positive(rawPerUser, option: "--tokens-per-user"))
    }
}
