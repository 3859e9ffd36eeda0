import MedSearchTrustMed

/// What each server role of each engine learns, derived from the messages it receives (the protocols in
/// docs/fnn.md, docs/sei.md and docs/trustmed.md), with the assumption its security rests on and the honesty
/// label of docs/threat_model.md. One table: `medsearch compare` copies it into the JSON report and RESULTS.md.
enum CompareLeakage {
    static let rows: [CompareLeakageRow] = [
        CompareLeakageRow(
            engine: "plaintext", role: "server",
            learns: "everything: every feature vector, every query, every distance and result",
            assumption: "none (trusted server)",
            label: "no protection (reference only)"),
        CompareLeakageRow(
            engine: "fnn", role: "C1",
            learns: "which records the lower bound pruned, the winners' record ids, message sizes and timings; "
                + "not the vectors, the query, distances or the winners' vectors (masked hand-over)",
            assumption: "C1 and C2 do not collude (collusion reveals everything); semi-honest",
            label: "semi-honest, two non-colluding clouds"),
        CompareLeakageRow(
            engine: "fnn", role: "C2",
            learns: "the order of blinded lower-bound and distance keys (not their values); masked values with "
                + "40-bit statistical security; shared back end: the ids of the candidates it computes on",
            assumption: "C1 and C2 do not collude; semi-honest",
            label: "semi-honest, two non-colluding clouds"),
        CompareLeakageRow(
            engine: "sei", role: "cloud",
            learns: "the tree path of each query, the result ids, scores up to a query-specific scaling (so the "
                + "distance order), candidate pruning and access pattern; about d + 1 known (feature, ciphertext) "
                + "pairs reveal the key and with it every vector and query",
            assumption: "ciphertext-only adversary: no known plaintexts, no collusion with a user; images under AES-256-GCM",
            label: "obfuscation only (known-plaintext break)"),
        CompareLeakageRow(
            engine: "trustmed", role: "edge master",
            learns: "the number of records, upload times and sealed sizes, when queries happen, which records "
                + "each client fetches (top-k ids and rank order) and which response positions it chose; never a "
                + "hashcode or a distance",
            assumption: "BFV (RLWE, lattice hardness) with the \(TrustMedDefaults.defaultParameterSet) parameters; semi-honest for results",
            label: "semi-honest; lattice hardness"),
        CompareLeakageRow(
            engine: "trustmed", role: "storage node",
            learns: "one share per image and its size; fewer than m colluding nodes learn nothing else about an image",
            assumption: "fewer than m of n nodes collude (information dispersal + Shamir-shared AES-GCM key); "
                + "corrupted shares detected by signed manifests",
            label: "threshold m of n"),
        CompareLeakageRow(
            engine: "trustmed", role: "client (key holder), unlinkable mode",
            learns: "the distance of every live record without its id (grouped by response ciphertext of up to 4,096 "
                + "records, positions fixed: repeated queries could link a position by its distances), and the ids of "
                + "its top-k only (plus the ranks of the ties it asked for); nothing about deleted records",
            assumption: "the client holds the BFV secret key; the master re-randomises and floods the response (about "
                + "17 bits of statistical margin, not formal circuit privacy)",
            label: "trusted client; ids of the top-k only"),
        CompareLeakageRow(
            engine: "trustmed-identifier", role: "edge master",
            learns: "as in unlinkable mode, without the chosen positions: which records the client then fetches "
                + "(if it does); never a hashcode or a distance",
            assumption: "BFV (RLWE, lattice hardness) with the \(TrustMedDefaults.defaultParameterSet) parameters; semi-honest for results",
            label: "semi-honest; lattice hardness"),
        CompareLeakageRow(
            engine: "trustmed-identifier", role: "client (key holder), identifier mode",
            learns: "the distance of every live record with its id (the owner's quality evaluation); nothing about "
                + "deleted records",
            assumption: "the client holds the BFV secret key",
            label: "trusted client; every record's distance and id"),
    ]
}
