import MedSearchImaging

/// Which frames of a multi-frame instance (CT, MR, ultrasound cine) become indexed images.
///
/// MedSearch indexes one **representative frame** per instance by default: the middle frame
/// (`frames / 2`, 0-based), which for a stack of slices is the centre of the volume and for a cine loop a
/// frame away from the start-up frames. One entry per instance keeps every engine's index proportional to the
/// number of instances and maps each search result to exactly one SOP Instance a DICOMweb viewer can open.
/// ``everyFrame`` indexes each frame as its own image (results then name the frame), for collections where
/// frames differ in content, at the cost of one index entry per frame.
public enum FrameSelection: String, Sendable, Equatable, CaseIterable {
    /// The middle frame.
    case representative
    /// Every frame.
    case everyFrame = "every-frame"

    /// The 0-based frame indices to index for an instance with `frames` frames (at least 1).
    public func frames(of frames: Int) -> [Int] {
        let count = max(frames, 1)
        switch self {
        case .representative: return [count / 2]
        case .everyFrame: return Array(0..<count)
        }
    }

    /// The analysis images of the selected frames: modality LUT and the instance's own VOI window (or the
    /// frame's full range), MONOCHROME1 inverted, as ``DICOMFile/grayImage(frame:window:)`` gives them.
    /// - Throws: ``DICOMError``.
    public func images(of file: DICOMFile) throws -> [(frame: Int, image: GrayImage)] {
        let attributes = try file.pixelAttributes()
        return try frames(of: attributes.frames).map { ($0, try file.grayImage(frame: $0)) }
    }
}
