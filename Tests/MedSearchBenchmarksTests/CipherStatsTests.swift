import Foundation
import MedSearchImaging
import Testing
import _MedSearchTestSupport
@testable import MedSearchBenchmarks

@Suite struct CipherStatsTests {
    @Test func binomialTailKnownValues() {
        #expect(CipherStatsAnalysis.binomialTail(failures: 0, trials: 10, alpha: 0.05) == 1)
        #expect(abs(CipherStatsAnalysis.binomialTail(failures: 1, trials: 1, alpha: 0.05) - 0.05) < 1e-15)
        // P(X >= 1) for Binomial(10, 0.05) = 1 - 0.95^10.
        #expect(abs(CipherStatsAnalysis.binomialTail(failures: 1, trials: 10, alpha: 0.05) - (1 - pow(0.95, 10))) < 1e-12)
        #expect(CipherStatsAnalysis.binomialTail(failures: 11, trials: 10, alpha: 0.05) == 0)
    }

    /// A 256x256 gradient: QMedShield diffuses a one-pixel change over the whole image, AES-GCM (a stream cipher
    /// under one nonce) changes one byte, and a fresh nonce changes almost every byte of either.
    @Test(arguments: CipherStatsAnalysis.Cipher.allCases)
    func statisticsOfBothCiphers(cipher: CipherStatsAnalysis.Cipher) throws {
        let pixels = (0..<(256 * 256)).map { UInt8(truncatingIfNeeded: ($0 % 256 + $0 / 256) / 2) }
        let image = Gray8Image(width: 256, height: 256, pixels: pixels)
        var configuration = CipherStatsAnalysis.Configuration()
        configuration.cipher = cipher
        configuration.trials = 3
        configuration.rounds = 1
        let report = try CipherStatsAnalysis(configuration: configuration).analyse(image, source: "gradient").body
        #expect(report.onePixelChange.count == 3)
        #expect(report.onePixelChange[0].x == 128 && report.onePixelChange[0].y == 128)
        #expect(report.plain.correlation["horizontal"]! > 0.9, "a gradient is strongly correlated")
        #expect(report.encrypted.entropy > 7.99)
        #expect(abs(report.encrypted.correlation["horizontal"]!) < 0.05)
        #expect(report.freshNonce.npcrPercent > 99)
        #expect(report.thresholds != nil && report.thresholdsNote == nil)
        let centre = report.onePixelChange[0].npcrPercent
        switch cipher {
        case .qmedshield: #expect(centre > 99)
        case .aesGCM: #expect(abs(centre - 100.0 / 65536) < 1e-9)
        }
        let data = try BenchmarkJSON.encode(report)
        #expect(try JSONDecoder().decode(CipherStatsReport.self, from: data) == report)
    }

    @Test func sizesWithoutThresholdsSaySo() throws {
        let image = Gray8Image(width: 16, height: 8, pixels: (0..<128).map { UInt8($0) })
        var configuration = CipherStatsAnalysis.Configuration()
        configuration.trials = 1
        configuration.rounds = 1
        let report = try CipherStatsAnalysis(configuration: configuration).analyse(image, source: "tiny").body
        #expect(report.thresholds == nil && report.pass == nil)
        #expect(report.thresholdsNote?.contains("16x8") == true)
        #expect(report.table.contains("cipher qmedshield on 16x8 8-bit"))
    }
}
