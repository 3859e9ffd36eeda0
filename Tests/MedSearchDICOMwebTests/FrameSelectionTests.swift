import MedSearchImaging
import Testing
@testable import MedSearchDICOMweb

@Suite struct FrameSelectionTests {
    @Test func representativeIsTheMiddleFrame() {
        #expect(FrameSelection.representative.frames(of: 1) == [0])
        #expect(FrameSelection.representative.frames(of: 2) == [1])
        #expect(FrameSelection.representative.frames(of: 10) == [5])
        #expect(FrameSelection.representative.frames(of: 0) == [0])
        #expect(FrameSelection.everyFrame.frames(of: 3) == [0, 1, 2])
        #expect(FrameSelection(rawValue: "every-frame") == .everyFrame)
    }

    @Test func imagesOfAMultiFrameInstance() throws {
        let file = try Fixtures.file("emri_small_RLE.dcm")  // 10 frames, 64x64
        let one = try FrameSelection.representative.images(of: file)
        #expect(one.map(\.frame) == [5])
        #expect(one[0].image == (try file.grayImage(frame: 5)))
        let all = try FrameSelection.everyFrame.images(of: file)
        #expect(all.count == 10)
        #expect(all[0].image != all[5].image)
    }
}
