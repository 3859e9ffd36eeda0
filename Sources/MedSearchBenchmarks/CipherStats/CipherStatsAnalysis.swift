import Crypto
import Foundation
import MedSearchCore
import MedSearchImaging
import MedSearchSealing

/// `medsearch cipher-stats IMAGE`: randomness statistics of an image cipher on one 8-bit image.
@MemberwiseInit(.public)
public struct CipherStatsAnalysis: Sendable {
    /// The ciphers compared.
    public enum Cipher: String, Codable, Sendable, CaseIterable {
        /// AES-256-GCM, the default sealing (statistics of the ciphertext bytes laid out as the image).
        case aesGCM = "aes-gcm"
        /// The TrustMedSearch paper's quantum-chaos cipher (research mode).
        case qmedshield
    }

    /// What to analyse.
    public struct Configuration: Sendable {
        /// The cipher.
        public var cipher = Cipher.qmedshield
        /// One-pixel-change positions for NPCR/UACI (the centre first, then seeded random ones).
        public var trials = 10
        /// Timed encryption rounds.
        public var rounds = 5
        /// Seed of the random positions.
        public var seed: UInt64 = 2024

        /// The defaults of `medsearch cipher-stats`.
        public init() {}
    }

    /// The command's one-line help.
    public static let abstract = "Entropy, NPCR, UACI, correlation and chi-square of an image cipher on one image."
    /// The description shown by `medsearch cipher-stats --help`.
    public static let discussion = """
        Reads IMAGE (PNG, JPEG, DICOM through the imaging layer, or a binary PGM), reduces it to 8-bit gray \
        (optionally resized with --resize N to N x N), encrypts it and reports: Shannon entropy, adjacent-pixel \
        correlation (horizontal, vertical, diagonal) before and after, histogram chi-square, NPCR and UACI \
        between the ciphertexts of the image and of the image with one pixel changed by +1 (same key and same \
        nonce, --trials positions: the centre, then seeded random ones), and the encryption time (median of \
        --rounds after one warm-up). For 256x256 and 512x512 images the figures are checked against Wu et al.'s \
        thresholds (alpha = 0.05).

        --cipher qmedshield is the TrustMedSearch paper's quantum-chaos cipher (research mode: no security \
        proof, no integrity). --cipher aes-gcm is the default sealing (AES-256-GCM); its statistics are computed \
        on the ciphertext bytes laid out as an image of the same size. AES-GCM never reuses a nonce, so its \
        same-nonce NPCR is tiny by design (a stream cipher changes one byte) and says nothing about its \
        security; the fresh-nonce NPCR is what an attacker sees.
        """

    let configuration: Configuration

    /// Reads an image file as 8-bit grey, optionally resized to `resize` x `resize`.
    public static func loadImage(path: String, resize: Int? = nil) throws -> Gray8Image {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw BenchmarkError.missingInput("cannot read the image: \(path) does not exist or is unreadable")
        }
        var image: Gray8Image
        do { image = try Gray8Image.decode([UInt8](data)) } catch {
            throw BenchmarkError.missingInput("cannot read the image: \(error)")
        }
        if let resize {
            guard (2...8192).contains(resize) else { throw BenchmarkError.invalidArgument("--resize must be in 2...8192") }
            image = image.resized(width: resize, height: resize)
        }
        return image
    }

    /// Encrypts 8-bit pixels with the chosen cipher; `nonce` fixes the keystream (nil = fresh).
    static func encrypt(_ image: Gray8Image, cipher: Cipher, qmedshieldKey: QMedShieldKey, aesKey: SymmetricKey,
                        nonce: [UInt8]?) throws -> [UInt8] {
        switch cipher {
        case .qmedshield:
            return try QMedShield.encrypt(image.pixels, width: image.width, height: image.height, key: qmedshieldKey,
                                          nonce: nonce.map { Array($0.prefix(16)) }).payload
        case .aesGCM:
            let gcmNonce = try nonce.map { try AES.GCM.Nonce(data: Array($0.prefix(12))) } ?? AES.GCM.Nonce()
            let box = try AES.GCM.seal(image.pixels, using: aesKey, nonce: gcmNonce,
                                       authenticating: Array("cipher-stats".utf8))
            return Array(box.ciphertext)
        }
    }

    /// Encrypts `image` and measures every statistic.
    public func analyse(_ image: Gray8Image, source: String) throws -> BenchmarkReport<CipherStatsReport> {
        guard configuration.trials >= 1, configuration.rounds >= 1 else {
            throw BenchmarkError.invalidArgument("--trials and --rounds must be at least 1")
        }
        let environment = BenchEnvironment.current()
        let cipher = configuration.cipher
        let qKey = QMedShieldKey(), aesKey = SymmetricKey(size: .bits256)
        let nonce = SecureRandom.bytes(16)
        let cipherPixels = try Self.encrypt(image, cipher: cipher, qmedshieldKey: qKey, aesKey: aesKey, nonce: nonce)
        let thresholds = CipherStatistics.Thresholds.wu(width: image.width, height: image.height)

        var rng = SeededRandomNumberGenerator(seed: configuration.seed)
        var positions = [image.height / 2 * image.width + image.width / 2]
        while positions.count < configuration.trials {
            positions.append(Int.random(in: 0..<image.pixels.count, using: &rng))
        }
        var sensitivity = [CipherStatsReport.PixelChange]()
        var npcrFailures = 0, uaciFailures = 0
        for position in positions {
            var changed = image
            changed.pixels[position] &+= 1
            let c2 = try Self.encrypt(changed, cipher: cipher, qmedshieldKey: qKey, aesKey: aesKey, nonce: nonce)
            var entry = CipherStatsReport.PixelChange(x: position % image.width, y: position / image.width,
                                                      npcrPercent: CipherStatistics.npcr(cipherPixels, c2),
                                                      uaciPercent: CipherStatistics.uaci(cipherPixels, c2))
            if let thresholds {
                let npcrPass = entry.npcrPercent >= thresholds.npcrMinimum
                let uaciPass = thresholds.uaciRange.contains(entry.uaciPercent)
                entry.pass = npcrPass && uaciPass
                if !npcrPass { npcrFailures += 1 }
                if !uaciPass { uaciFailures += 1 }
            }
            sensitivity.append(entry)
        }
        // What an observer of two stored images sees: independent nonces.
        let fresh = try Self.encrypt(image, cipher: cipher, qmedshieldKey: qKey, aesKey: aesKey, nonce: nil)
        let harness = BenchHarness(rounds: configuration.rounds)
        let encryption = try harness.measure {
            blackHole(try Self.encrypt(image, cipher: cipher, qmedshieldKey: qKey, aesKey: aesKey, nonce: nil))
        }
        var report = CipherStatsReport(
            image: source, cipher: cipher, width: image.width, height: image.height,
            plain: .init(image.pixels, width: image.width, height: image.height),
            encrypted: .init(cipherPixels, width: image.width, height: image.height),
            onePixelChange: sensitivity,
            freshNonce: .init(npcrPercent: CipherStatistics.npcr(cipherPixels, fresh),
                              uaciPercent: CipherStatistics.uaci(cipherPixels, fresh)),
            encryption: encryption)
        if let thresholds {
            // Each test rejects a truly random cipher with probability alpha = 0.05, so over several positions a few
            // failures are expected; the verdict asks whether the failure count is plausible for a random cipher
            // (binomial tail probability >= 0.01), and the centre position is the single canonical test.
            let canonical = sensitivity.first?.pass ?? false
            let npcrTail = Self.binomialTail(failures: npcrFailures, trials: positions.count, alpha: 0.05)
            let uaciTail = Self.binomialTail(failures: uaciFailures, trials: positions.count, alpha: 0.05)
            let allPass = canonical && npcrTail >= 0.01 && uaciTail >= 0.01
            let chi = report.encrypted.chiSquare
            report.sensitivitySummary = .init(trials: positions.count, npcrFailures: npcrFailures,
                                              uaciFailures: uaciFailures, centrePixelPass: canonical,
                                              npcrFailureTailProbability: npcrTail, uaciFailureTailProbability: uaciTail,
                                              consistentWithRandomCipher: npcrTail >= 0.01 && uaciTail >= 0.01)
            report.thresholds = .init(npcrMinPercent: thresholds.npcrMinimum,
                                      uaciRangePercent: [thresholds.uaciRange.lowerBound, thresholds.uaciRange.upperBound],
                                      chiSquareMax: thresholds.chiSquareMaximum)
            report.pass = .init(npcrUaci: allPass, chiSquare: chi < thresholds.chiSquareMaximum,
                                entropyAbove799: report.encrypted.entropy > 7.99,
                                all: allPass && chi < thresholds.chiSquareMaximum)
        } else {
            report.thresholdsNote = "none for \(image.width)x\(image.height) (Wu et al. give 256x256 and 512x512)"
        }
        return BenchmarkReport(method: "encryption time: " + harness.method, environment: environment.finished(),
                               body: report)
    }

    /// P(X >= failures) for X ~ Binomial(trials, alpha).
    public static func binomialTail(failures: Int, trials: Int, alpha: Double) -> Double {
        guard failures > 0 else { return 1 }
        guard failures <= trials else { return 0 }
        var total = 0.0
        for k in failures...trials {
            var choose = 1.0
            for i in 0..<k { choose = choose * Double(trials - i) / Double(i + 1) }
            total += choose * pow(alpha, Double(k)) * pow(1 - alpha, Double(trials - k))
        }
        return min(1, total)
    }
}

/// Every statistic of one `cipher-stats` run.
public struct CipherStatsReport: BenchmarkBody, Equatable {
    public static let suite = "cipher-stats"

    /// Entropy, chi-square and adjacent-pixel correlations of one 8-bit image.
    public struct Statistics: Codable, Equatable, Sendable {
        public var entropy: Double
        public var chiSquare: Double
        /// By direction: horizontal, vertical, diagonal.
        public var correlation: [String: Double]

        init(_ pixels: [UInt8], width: Int, height: Int) {
            entropy = CipherStatistics.entropy(pixels)
            chiSquare = CipherStatistics.chiSquare(pixels)
            correlation = Dictionary(uniqueKeysWithValues: CipherStatistics.Direction.allCases.map {
                ($0.rawValue, CipherStatistics.correlation(pixels, width: width, height: height, direction: $0))
            })
        }

        enum CodingKeys: String, CodingKey {
            case entropy, chiSquare = "chi_square", correlation
        }
    }

    /// NPCR and UACI between the ciphertexts of the image and of the image with pixel (x, y) changed by +1.
    public struct PixelChange: Codable, Equatable, Sendable {
        public var x: Int
        public var y: Int
        public var npcrPercent: Double
        public var uaciPercent: Double
        /// Whether both met Wu et al.'s thresholds (nil without thresholds for this size).
        public var pass: Bool?

        enum CodingKeys: String, CodingKey {
            case x, y, npcrPercent = "npcr_percent", uaciPercent = "uaci_percent", pass
        }
    }

    public struct FreshNonce: Codable, Equatable, Sendable {
        public var npcrPercent: Double
        public var uaciPercent: Double

        enum CodingKeys: String, CodingKey {
            case npcrPercent = "npcr_percent", uaciPercent = "uaci_percent"
        }
    }

    public struct SensitivitySummary: Codable, Equatable, Sendable {
        public var trials: Int
        public var npcrFailures: Int
        public var uaciFailures: Int
        public var centrePixelPass: Bool
        public var npcrFailureTailProbability: Double
        public var uaciFailureTailProbability: Double
        public var consistentWithRandomCipher: Bool

        enum CodingKeys: String, CodingKey {
            case trials, npcrFailures = "npcr_failures", uaciFailures = "uaci_failures", centrePixelPass = "centre_pixel_pass"
            case npcrFailureTailProbability = "npcr_failure_tail_probability"
            case uaciFailureTailProbability = "uaci_failure_tail_probability"
            case consistentWithRandomCipher = "consistent_with_random_cipher"
        }
    }

    public struct Thresholds: Codable, Equatable, Sendable {
        public var npcrMinPercent: Double
        public var uaciRangePercent: [Double]
        public var chiSquareMax: Double
        public var source = "Wu, Noonan, Agaian 2011, alpha = 0.05"

        enum CodingKeys: String, CodingKey {
            case npcrMinPercent = "npcr_min_percent", uaciRangePercent = "uaci_range_percent"
            case chiSquareMax = "chi_square_max", source
        }
    }

    public struct Verdict: Codable, Equatable, Sendable {
        public var npcrUaci: Bool
        public var chiSquare: Bool
        public var entropyAbove799: Bool
        public var all: Bool

        enum CodingKeys: String, CodingKey {
            case npcrUaci = "npcr_uaci", chiSquare = "chi_square", entropyAbove799 = "entropy_above_7.99", all
        }
    }

    public var image: String
    public var cipher: CipherStatsAnalysis.Cipher
    public var width: Int
    public var height: Int
    public var bits = 8
    public var plain: Statistics
    public var encrypted: Statistics
    public var onePixelChange: [PixelChange]
    public var freshNonce: FreshNonce
    /// Encryption time of the whole image.
    public var encryption: Timing
    public var sensitivitySummary: SensitivitySummary?
    public var thresholds: Thresholds?
    /// Why there are no thresholds (sizes other than 256x256 and 512x512).
    public var thresholdsNote: String?
    public var pass: Verdict?

    enum CodingKeys: String, CodingKey {
        case image, cipher, width, height, bits, plain, encrypted
        case onePixelChange = "one_pixel_change_same_key_and_nonce", freshNonce = "fresh_nonce"
        case encryption, sensitivitySummary = "sensitivity_summary", thresholds, thresholdsNote = "thresholds_note", pass
    }

    /// The report as the table `cipher-stats` prints.
    public var table: String {
        func d(_ value: Double?) -> String { value.map { BenchFormat.fixed($0, 4) } ?? "-" }
        var lines = ["cipher \(cipher.rawValue) on \(width)x\(height) 8-bit",
                     "                      plain        encrypted",
                     "entropy (bits)        \(d(plain.entropy))       \(d(encrypted.entropy))",
                     "chi-square            \(d(plain.chiSquare))  \(d(encrypted.chiSquare))"]
        for direction in ["horizontal", "vertical", "diagonal"] {
            lines.append("correlation \(direction.padding(toLength: 10, withPad: " ", startingAt: 0))"
                         + "\(d(plain.correlation[direction]))       \(d(encrypted.correlation[direction]))")
        }
        for entry in onePixelChange {
            lines.append("one-pixel change at (\(entry.x), \(entry.y)): NPCR \(d(entry.npcrPercent))%"
                         + "  UACI \(d(entry.uaciPercent))%" + (entry.pass.map { $0 ? "  pass" : "  FAIL" } ?? ""))
        }
        lines.append("fresh nonce:                 NPCR \(d(freshNonce.npcrPercent))%  UACI \(d(freshNonce.uaciPercent))%")
        lines.append("encryption time: \(d(encryption.wall.median)) ms (median)")
        if let summary = sensitivitySummary {
            lines.append("NPCR/UACI over \(summary.trials) positions: \(summary.npcrFailures) NPCR and "
                         + "\(summary.uaciFailures) UACI failures (a random cipher fails each test with p = 0.05): "
                         + (summary.consistentWithRandomCipher ? "consistent with random" : "NOT consistent with random"))
        }
        if let pass {
            lines.append("Wu et al. thresholds: NPCR/UACI \(pass.npcrUaci ? "pass" : "FAIL"), "
                         + "chi-square \(pass.chiSquare ? "pass" : "FAIL")")
        }
        return lines.joined(separator: "\n")
    }
}

extension CipherStatsAnalysis: CommandDocumentation {}
