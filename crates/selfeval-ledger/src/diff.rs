//! Diff: what changed in the report between two points of the log, figure
//! by figure, each change with the events between the two points that
//! made it.

use selfeval_core::report::{score_text, Figure, IndicatorRow, ProjectReport, ReportModel};
use selfeval_core::{check::Finding, Evaluation};

pub use selfeval_core::trail::{Change, Diff};

use crate::{Ledger, LedgerError, View};

impl Ledger {
    /// The report's differences between two views: two points of the log
    /// (the recorded axis) or two business dates (the effective axis).
    pub fn diff(&self, from: View, to: View) -> Result<Diff, LedgerError> {
        let a = self.replay_view(from)?;
        let b = self.replay_view(to)?;
        let (from_seq, to_seq) = (a.head.seq, b.head.seq);
        Ok(compare(&a.evaluate(), &b.evaluate(), from_seq, to_seq))
    }
}

/// The events behind a figure at one point and not at the other: what
/// changed it, on either axis.
fn between(figures: &[&Figure]) -> Vec<u64> {
    let (before, after): (&[u64], &[u64]) = match figures {
        [x, y] => (&x.seqs, &y.seqs),
        [only] => (&[], &only.seqs),
        _ => (&[], &[]),
    };
    let mut seqs: Vec<u64> = after
        .iter()
        .filter(|s| before.binary_search(s).is_err())
        .chain(before.iter().filter(|s| after.binary_search(s).is_err()))
        .copied()
        .collect();
    seqs.sort_unstable();
    seqs.dedup();
    seqs
}

/// Collects changes between two points.
struct Changes {
    list: Vec<Change>,
}

impl Changes {
    /// A change of a text value, with the events of the figures behind it.
    fn text(&mut self, project: Option<&str>, name: String, before: String, after: String, figures: &[&Figure]) {
        if before != after {
            let events = between(figures);
            self.list.push(Change { project: project.map(str::to_owned), figure: name, before, after, events });
        }
    }

    /// A change of a figure, printed by `text`.
    fn figure(
        &mut self,
        project: Option<&str>,
        name: &str,
        x: Option<&Figure>,
        y: Option<&Figure>,
        text: fn(&Figure) -> String,
    ) {
        let before = x.map_or_else(|| "—".to_owned(), text);
        let after = y.map_or_else(|| "—".to_owned(), text);
        let figures: Vec<&Figure> = x.into_iter().chain(y).collect();
        self.text(project, name.to_owned(), before, after, &figures);
    }
}

fn amount(f: &Figure) -> String {
    format!("{}万元", f.amount_text())
}

fn compare(a: &Evaluation, b: &Evaluation, from: u64, to: u64) -> Diff {
    let mut changes = Changes { list: Vec::new() };
    let (ta, tb) = (&a.model.totals, &b.model.totals);
    changes.figure(None, "预算总额", Some(&ta.budget), Some(&tb.budget), amount);
    changes.figure(None, "实际执行金额", Some(&ta.executed), Some(&tb.executed), amount);
    changes.figure(None, "预算执行率", Some(&ta.execution_rate), Some(&tb.execution_rate), Figure::rate_text);
    changes.figure(None, "平均自评分数", Some(&ta.average_score), Some(&tb.average_score), Figure::score_text);
    for code in project_codes(&a.model, &b.model) {
        let (pa, pb) = (a.model.project(&code), b.model.project(&code));
        let p = Some(code.as_str());
        changes.figure(p, "全年预算数", pa.map(|p| &p.budget), pb.map(|p| &p.budget), amount);
        changes.figure(p, "全年执行数", pa.map(|p| &p.executed), pb.map(|p| &p.executed), amount);
        changes.figure(p, "执行率", pa.map(|p| &p.execution_rate), pb.map(|p| &p.execution_rate), Figure::rate_text);
        changes.figure(
            p,
            "预算执行率得分",
            pa.map(|p| &p.budget_score),
            pb.map(|p| &p.budget_score),
            Figure::score_text,
        );
        changes.figure(p, "总分", pa.map(|p| &p.total_score), pb.map(|p| &p.total_score), Figure::score_text);
        let grade = |r: Option<&ProjectReport>| {
            r.and_then(|p| p.grade).map_or_else(|| "—".to_owned(), |g| g.label().to_owned())
        };
        let totals: Vec<&Figure> = pa.into_iter().chain(pb).map(|p| &p.total_score).collect();
        changes.text(p, "等级".into(), grade(pa), grade(pb), &totals);
        for icode in indicator_codes(pa, pb) {
            let (ra, rb) = (row(pa, &icode), row(pb, &icode));
            let scores: Vec<&Figure> = ra.into_iter().chain(rb).map(|i| &i.score).collect();
            let actual = |r: Option<&IndicatorRow>| {
                r.map_or_else(|| "—".to_owned(), |i| i.actual.clone().unwrap_or_else(|| "（未填）".to_owned()))
            };
            changes.text(p, format!("指标{icode} 实际完成值"), actual(ra), actual(rb), &scores);
            let score = |r: Option<&IndicatorRow>| r.map_or_else(|| "—".to_owned(), |i| score_text(i.score.value));
            changes.text(p, format!("指标{icode} 得分"), score(ra), score(rb), &scores);
        }
    }
    let key = |f: &Finding| (f.rule, f.project.clone(), f.message.clone());
    let keys_a: Vec<_> = a.findings.iter().map(key).collect();
    let keys_b: Vec<_> = b.findings.iter().map(key).collect();
    Diff {
        from_seq: from,
        to_seq: to,
        changes: changes.list,
        findings_added: b.findings.iter().filter(|f| !keys_a.contains(&key(f))).cloned().collect(),
        findings_removed: a.findings.iter().filter(|f| !keys_b.contains(&key(f))).cloned().collect(),
    }
}

fn row<'a>(project: Option<&'a ProjectReport>, code: &str) -> Option<&'a IndicatorRow> {
    project.and_then(|p| p.indicators.iter().find(|i| i.code == code))
}

fn project_codes(a: &ReportModel, b: &ReportModel) -> Vec<String> {
    let mut codes: Vec<String> = a.projects.iter().map(|p| p.code.clone()).collect();
    for p in &b.projects {
        if !codes.contains(&p.code) {
            codes.push(p.code.clone());
        }
    }
    codes
}

fn indicator_codes(a: Option<&ProjectReport>, b: Option<&ProjectReport>) -> Vec<String> {
    let mut codes: Vec<String> = Vec::new();
    for p in a.into_iter().chain(b) {
        for i in &p.indicators {
            if !codes.contains(&i.code) {
                codes.push(i.code.clone());
            }
        }
    }
    codes
}
