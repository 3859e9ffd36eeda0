import MedSearchTransport

extension ServerRole {
    /// The one-line summary shown by `medsearch serve --help`.
    public var abstract: String {
        switch self {
        case .fnnC1: "Run FNN cloud C1: the encrypted database (semantically secure unless C1 and C2 collude)."
        case .fnnC2: "Run FNN cloud C2: the key holder (semantically secure unless C1 and C2 collude)."
        case .sei: "Run the SEI cloud server (stores the encrypted index and sealed images; answers trapdoor searches)."
        case .edgeMaster: "Run the TrustMedSearch master edge server (encrypted hashcode search, m-of-n image shares)."
        case .storageNode: "Run a TrustMedSearch storage node (stores image shares for the edge master)."
        case .searchWorker: "Run a TrustMedSearch search worker (evaluates one shard of the encrypted hashcode database)."
        }
    }

    /// What the role stores, whom it answers and what it learns: the description shown by
    /// `medsearch serve <role> --help`.
    public var discussion: String {
        switch self {
        case .fnnC1:
            """
                C1 stores Paillier ciphertexts or masked shares of every record in SQLite under --data-dir, drives each \
                search (FNN Algorithm 3) and talks to C2 at --c2 with the token of role fnn-c1 from --peer-tokens \
                (default: --tokens). C1 learns which records were pruned and the ids of the returned records; it never \
                sees a vector, the query or a distance.
                """
        case .fnnC2:
            """
                C2 keeps the Paillier secret key (or its row-mask key and correlation pool) in SQLite under --data-dir, \
                answers C1's protocol messages (role fnn-c1) and keeps each search's masked hand-over for the user. It \
                sees statistically masked values and blinded comparison keys only: the order of the keys, never a \
                distance, vector or record id (Paillier) — the shared back end shows it the candidates' ids.
                """
        case .sei:
            """
                Routes under /sei/v1: index, images, add, delete (owner token); search, fetch (user token); status. \
                State lives in <data-dir>/sei.sqlite and the in-memory index is rebuilt from it at start. \
                The server never holds a key; it learns tree paths, result ids and per-query scaled scores \
                (see `medsearch sei --help`).
                """
        case .edgeMaster:
            """
                The master keeps BFV-encrypted hashcodes in SQLite under --data-dir, evaluates encrypted Hamming \
                distances for clients' encrypted queries (it holds public and evaluation keys only, never the secret \
                key), splits each sealed image into n verifiable shares on the storage nodes listed in --nodes, and \
                rebuilds requested images from any m of them. It learns which records a client fetches.
                --nodes is a JSON file: {"threshold": 3, "token": "<token for the nodes>", "nodes": ["http://...", ...]}; \
                without it the list saved in --data-dir from an earlier start is used.
                --search-workers is a JSON file {"token": "<token for the workers>", "workers": ["http://...", ...]}: the \
                master then sends each query to every `medsearch serve search-worker` (each evaluates one shard of the \
                encrypted database) and merges their partial results; records of a worker that does not answer are \
                named in the response as not searched.
                """
        case .storageNode:
            """
                A storage node keeps opaque shares by random share id in SQLite under --data-dir and answers only \
                callers whose token maps to role `edge-master` (and `admin` for usage figures). A share alone \
                reveals nothing about an image; any m of the n nodes' shares rebuild it.
                """
        case .searchWorker:
            """
                A search worker reads the edge master's store given with --database (the master's SQLite file, \
                sqlite:DATA_DIR/trustmed-master.sqlite, on the same machine; or the master's PostgreSQL database) and \
                evaluates encrypted Hamming distances over its shard when the master asks (callers whose token maps to \
                role `edge-master`). Worker i of the master's list searches every block whose sequence number is i \
                modulo the number of workers; it follows adds and deletes by reading only what changed in the store. It \
                holds public material only (the evaluation key and ciphertexts), like the master.
                """
        }
    }
}
