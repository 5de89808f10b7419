//! Evidence pinned by hash: a file's name, size and SHA-256 are recorded,
//! never its content; `verify --evidence DIR` reads the files again.

use std::io::Read;
use std::path::Path;

use sha2::{Digest, Sha256};

use selfeval_core::State;

/// A file's size and SHA-256 (lower-case hex), read in blocks.
pub fn file_digest(path: &Path) -> std::io::Result<(u64, String)> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 64 * 1024];
    let mut size = 0u64;
    loop {
        let n = file.read(&mut buffer)?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
        size += n as u64;
    }
    Ok((size, format!("{:x}", hasher.finalize())))
}

/// A pinned file that is not as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvidenceProblem {
    /// The project.
    pub project: String,
    /// The file name as recorded.
    pub file: String,
    /// The event that pinned it.
    pub seq: u64,
    /// What is wrong, in Chinese.
    pub problem: String,
}

/// Reads every file pinned in `state` again from `dir` (as
/// `dir/PROJECT/FILE`, or `dir/FILE`): how many were checked, and those
/// that are missing or changed.
pub fn verify_evidence(dir: &Path, state: &State) -> (usize, Vec<EvidenceProblem>) {
    let mut checked = 0;
    let mut problems = Vec::new();
    for project in state.projects() {
        for e in &project.evidence {
            checked += 1;
            let candidates = [dir.join(&project.code).join(&e.file), dir.join(&e.file)];
            let problem = match candidates.iter().find(|p| p.is_file()) {
                None => Some(format!("文件不在 {} 中", dir.display())),
                Some(path) => match file_digest(path) {
                    Err(error) => Some(format!("无法读取 {}：{error}", path.display())),
                    Ok((size, sha256)) if size != e.size || sha256 != e.sha256 => Some(format!(
                        "{} 已改动：现为 {size} 字节、SHA-256 {sha256}，登记时为 {} 字节、{}",
                        path.display(),
                        e.size,
                        e.sha256
                    )),
                    Ok(_) => None,
                },
            };
            if let Some(problem) = problem {
                problems.push(EvidenceProblem {
                    project: project.code.clone(),
                    file: e.file.clone(),
                    seq: e.seq,
                    problem,
                });
            }
        }
    }
    (checked, problems)
}
