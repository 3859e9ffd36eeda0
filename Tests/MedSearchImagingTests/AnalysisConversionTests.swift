@testable import MedSearchImaging
import Testing
import _MedSearchTestSupport

@Suite("Conversion to the analysis form")
struct AnalysisConversionTests {
    @Test("8-bit gray maps 0...255 to 0...1")
    func eightBit() {
        let buffer = PixelBuffer(rows: 1, columns: 3, samplesPerPixel: 1, bitsAllocated: 8, photometric: .monochrome2,
                                 samples: [0, 51, 255])
        let values = buffer.grayImage().values
        #expect(values[0] == 0 && values[2] == 1 && abs(values[1] - 0.2) < 1e-6)
    }

    @Test("RGB becomes Rec. 601 luma")
    func luma() {
        let buffer = PixelBuffer(rows: 1, columns: 2, samplesPerPixel: 3, bitsAllocated: 8, photometric: .rgb,
                                 samples: [255, 0, 0, 10, 200, 30])
        let values = buffer.grayImage(scaling: .none).values
        #expect(abs(values[0] - 0.299 * 255) < 1e-3)
        #expect(abs(values[1] - (0.299 * 10 + 0.587 * 200 + 0.114 * 30)) < 1e-3)
    }

    @Test("MONOCHROME1 is inverted")
    func monochrome1() {
        let buffer = PixelBuffer(rows: 1, columns: 2, samplesPerPixel: 1, bitsAllocated: 16, bitsStored: 12,
                                 photometric: .monochrome1, samples: [0, 4095])
        #expect(buffer.grayImage(scaling: .fullRange).values == [1, 0])
    }

    @Test("min-max scaling is the default above 8 bits, and a VOI window clips")
    func sixteenBitAndWindow() {
        let buffer = PixelBuffer(rows: 1, columns: 4, samplesPerPixel: 1, bitsAllocated: 16, photometric: .monochrome2,
                                 samples: [1000, 1500, 2000, 3000])
        #expect(buffer.grayImage().values == [0, 0.25, 0.5, 1])
        // Rescale to HU (slope 1, intercept -1024) then window centre 500, width 1000 (range ~0...1000).
        let windowed = buffer.grayImage(rescale: LinearRescale(slope: 1, intercept: -1024),
                                        scaling: .window(center: 500, width: 1000)).values
        #expect(windowed[0] == 0)                      // -24 HU below the window
        #expect(abs(windowed[1] - 0.4765) < 1e-3)      // 476 HU
        #expect(windowed[2] > 0.97 && windowed[2] <= 1) // 976 HU
        #expect(windowed[3] == 1)
    }

    @Test("signed data uses the signed range")
    func signed() {
        let buffer = PixelBuffer(rows: 1, columns: 3, samplesPerPixel: 1, bitsAllocated: 16, bitsStored: 8, isSigned: true,
                                 photometric: .monochrome2, samples: [-128, 0, 127])
        let values = buffer.grayImage(scaling: .fullRange).values
        #expect(values[0] == 0 && values[2] == 1 && abs(values[1] - 128.0 / 255) < 1e-6)
    }
}
