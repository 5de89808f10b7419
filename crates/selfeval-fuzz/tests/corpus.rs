//! Replays the fuzz corpus kept in `fuzz/corpus/<target>/` through the
//! harnesses: every input the fuzzer found interesting (and every crash it
//! found, once fixed) runs on every CI run.

#![allow(missing_docs)]

#[test]
fn the_corpus_replays_without_a_panic() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus");
    let mut replayed = 0;
    for (name, harness) in selfeval_fuzz::TARGETS {
        let dir = root.join(name);
        let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        let mut count = 0;
        for entry in entries {
            let path = entry.unwrap().path();
            harness(&std::fs::read(&path).unwrap());
            count += 1;
        }
        assert!(count > 0, "the corpus of {name} is empty");
        replayed += count;
    }
    assert!(replayed >= 4);
}
