import Foundation
import MedSearchFeatures

/// The JSON report of `medsearch compare`: every engine on the same images and queries, growth with n, and what
/// each server learns. Everything in docs/RESULTS.md and the plots is generated from this value.
public struct CompareReport: Codable, Sendable, Equatable {
    /// Where and how the run happened (machine, load average at the start and the end, commit, build, date).
    public var environment: BenchEnvironment
    /// Wall time of the whole run, seconds.
    public var wallSeconds: Double
    /// The command line that produced the report.
    public var command: String
    /// The seed of every random choice that is not key material (query choice, synthetic data).
    public var seed: UInt64
    /// The real-data part: images, classes, queries.
    public var dataset: CompareDataset
    /// The cut-offs k of the quality figures.
    public var ks: [Int]
    /// One result per engine, same images and queries.
    public var engines: [CompareEngineResult]
    /// Growth with n on synthetic data, one series per engine.
    public var growth: [CompareGrowthSeries]
    /// What each server role learns, its security assumption and honesty label.
    public var leakage: [CompareLeakageRow]
    /// The papers' own figures (transcribed, table or figure cited) that RESULTS.md sets beside ours.
    public var papers: [PaperFigure]
    /// Statements about the run (subsets, parameter choices) that the tables must carry.
    public var notes: [String]
}

/// The real images every engine searches.
public struct CompareDataset: Codable, Sendable, Equatable {
    /// The folder.
    public var source: String
    /// The findings a database image carries at least one of; relevance is per finding.
    public var classes: [String]
    /// Database images (every engine indexes exactly these).
    public var databaseSize: Int
    /// Query images: database images searched leave-one-out (the query itself is removed from every ranking).
    public var queryIDs: [String]
    /// The base feature every engine starts from, and how each engine turns it into what it searches.
    public var baseFeature: String
}

/// One engine on the real data.
public struct CompareEngineResult: Codable, Sendable, Equatable {
    /// `plaintext`, `fnn`, `sei` or `trustmed`.
    public var engine: String
    /// What the engine searches (feature, dimension, encryption) and its parameters.
    public var searches: String
    /// Database size this engine indexed (all engines index the same images).
    public var databaseSize: Int
    /// Queries run.
    public var queries: Int
    /// P@k, R@k, F1 and mAP per finding (``RetrievalMetrics``, the same code path for every engine).
    public var classes: [ClassRetrievalResult]
    /// The macro mean over findings.
    public var mean: ClassRetrievalResult
    /// What the engine's answer is compared with.
    public var reference: String
    /// Queries whose top-k differed from the reference (0 = identical on every query).
    public var referenceMismatches: Int
    /// Query latency percentiles, milliseconds (client and servers in one process, messages serialised).
    public var latencyP50Milliseconds: Double
    public var latencyP95Milliseconds: Double
    /// Owner-side preparation and server-side storing per image (encryption, indexing, sharing), milliseconds.
    public var uploadMillisecondsPerImage: Double
    /// Bytes the user sends to the servers per query (serialised messages), mean.
    public var bytesUpPerQuery: Double
    /// Bytes the servers send to the user per query (search answer, without images), mean.
    public var bytesDownPerQuery: Double
    /// Bytes exchanged between servers per query (FNN: C1 and C2), mean.
    public var bytesBetweenServersPerQuery: Double
    /// Bytes the owner ships per query ahead of time (FNN shared back end: C2's correlations), mean.
    public var bytesPreprocessingPerQuery: Double
    /// Server storage per image for search (encrypted vectors, codes, index), bytes.
    public var indexBytesPerImage: Double
    /// Server storage per image for the image itself (sealed or shared; 0 when the engine stores none), bytes.
    public var imageBytesPerImage: Double
    /// Key material and models a querying client keeps, bytes.
    public var clientBytes: Int
    /// Free-form parameters (back end, key size, dimension, tree leaves).
    public var parameters: [String: String]
    /// The same queries with every server role its own process on loopback: CPU time per query of each role
    /// and of the client (nil when the roles were not started: no `medsearch` executable).
    public var roles: CompareRoleRun?
}

/// One engine's queries with each server role a child process (`medsearch serve ...`) on loopback.
public struct CompareRoleRun: Codable, Sendable, Equatable {
    /// Queries run (the same as in process).
    public var queries: Int
    /// The client first, then each server role.
    public var roles: [CompareRoleCost]
    /// Query latency over loopback HTTP, milliseconds.
    public var latencyP50Milliseconds: Double
    public var latencyP95Milliseconds: Double
    /// Queries whose top-k equalled the in-process answer.
    public var sameTopKAsInProcess: Int
}

/// One role's CPU time per query.
public struct CompareRoleCost: Codable, Sendable, Equatable {
    /// The role (`client (the compare process)`, `fnn-c1`, `storage nodes`, ...).
    public var role: String
    /// Processes of the role (storage nodes: n); the CPU time is their sum.
    public var processes: Int
    /// User plus system CPU time over the query phase divided by the queries, milliseconds (/proc/PID/stat for a
    /// role process, getrusage for the client).
    public var cpuMillisecondsPerQuery: Double
    /// The largest peak resident set (VmHWM) among the role's processes after the queries, bytes.
    public var peakResidentBytes: Int?
}

/// Latency, bytes and storage against n for one engine (synthetic data).
public struct CompareGrowthSeries: Codable, Sendable, Equatable {
    /// The engine.
    public var engine: String
    /// What was searched (dimension, code length).
    public var data: String
    /// One point per n.
    public var points: [CompareGrowthPoint]
    /// Fitted exponents b of y = a n^b (least squares on logarithms), nil when fewer than two positive points.
    public var latencyExponent: Double?
    public var bytesExponent: Double?
    public var storageExponent: Double?
}

/// One size of a growth series.
public struct CompareGrowthPoint: Codable, Sendable, Equatable {
    /// Database size.
    public var n: Int
    /// Median query latency, milliseconds.
    public var latencyMilliseconds: Double
    /// Bytes per query, user to servers plus servers to user plus between servers.
    public var bytesPerQuery: Double
    /// Server storage for search, whole database, bytes.
    public var serverBytes: Double
    /// Every query's top-k equalled the engine's plaintext reference.
    public var matchesReference: Bool
}

/// What one server role learns (derived from the protocol; docs/threat_model.md).
public struct CompareLeakageRow: Codable, Sendable, Equatable {
    /// The engine.
    public var engine: String
    /// The role.
    public var role: String
    /// What the role sees or can infer.
    public var learns: String
    /// What the security rests on.
    public var assumption: String
    /// The honesty label: how strong the claim is.
    public var label: String
}
