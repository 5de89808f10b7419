//! The Markdown report: the six sections of `report.md`, then the
//! appendices (自评表, 数据核查, 数据来源).

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write;

use comfy_table::{presets::ASCII_MARKDOWN, Table};
use selfeval_core::check::{Finding, Severity};
use selfeval_core::report::{Figure, IndicatorRow, ProjectReport, ReportModel, WorkflowEntry};
use selfeval_core::scoring::{Deviation, Grade};
use selfeval_core::state::Status;
use selfeval_core::values::{fmt2, fmt_plain};
use selfeval_core::Evaluation;

use crate::{rate, score};

/// A cell of a Markdown table: each line as [`inline`] text, `|` escaped,
/// lines joined by `<br>`.
fn cell(text: &str) -> String {
    text.split('\n').map(|line| inline(line).replace('|', "\\|")).collect::<Vec<_>>().join("<br>")
}

/// A table of the report: recorded text escaped ([`cell`]).
pub(crate) fn table(header: &[&str], rows: Vec<Vec<String>>) -> String {
    table_with(header, rows, cell)
}

/// A table for the terminal (`project list`, `check --rules` …): read as
/// printed, not rendered, so only `|` and line breaks are escaped and the
/// invisible characters spelled out; `[2024]` stays `[2024]`.
pub(crate) fn list_table(header: &[&str], rows: Vec<Vec<String>>) -> String {
    let list_cell = |text: &str| -> String {
        text.split('\n')
            .map(|line| selfeval_core::values::visible(line).replace('|', "\\|"))
            .collect::<Vec<_>>()
            .join("<br>")
    };
    table_with(header, rows, list_cell)
}

fn table_with(header: &[&str], rows: Vec<Vec<String>>, cell: impl Fn(&str) -> String) -> String {
    // A list with no rows says so, never a header row alone.
    if rows.is_empty() {
        return "无。\n".to_owned();
    }
    let mut t = Table::new();
    t.load_preset(ASCII_MARKDOWN);
    t.set_header(header.iter().map(|h| cell(h)));
    for row in rows {
        t.add_row(row.iter().map(|c| cell(c)));
    }
    format!("{t}\n")
}

fn seqs(list: &[u64]) -> String {
    if list.is_empty() {
        return "—".to_owned();
    }
    crate::ranges(list).split(',').map(|r| format!("#{}", r.replace('-', "–#"))).collect::<Vec<_>>().join(" ")
}

/// What the report shows besides the hand-in body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReportOptions {
    /// Trace marks in the body: 〔⚠见数据核查〕 on figures an error finding
    /// involves, event numbers on workflow steps, the head hash up front.
    pub markers: bool,
    /// The 数据核查 and 数据来源 appendices (the 自评表 appendix always).
    pub appendices: bool,
    /// Every figure marked with what it is (for a page that makes each a
    /// link to its trace): see [`FIGURE_MARKS`] and [`figure_pieces`].
    pub links: bool,
}

/// The characters (control characters) that enclose a figure when
/// [`ReportOptions::links`]: open, `code/figure`, middle, the text, close.
/// Recorded text never holds a control character (the core refuses them,
/// when typed and when imported or verified), so only the report writes
/// them; [`inline`] keeps a marked figure whole and escapes what is in it.
pub const FIGURE_MARKS: [char; 3] = ['\u{1}', '\u{2}', '\u{3}'];

/// A run of report text with [`ReportOptions::links`]: plain text, or a
/// figure with the project code (or `department`) and figure name that
/// `selfeval trace` takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece<'a> {
    /// Text as it is.
    Text(&'a str),
    /// A figure as the report prints it.
    Figure {
        /// The project's code, or `department`.
        code: &'a str,
        /// The figure's name (`execution_rate`, an indicator's code …).
        figure: &'a str,
        /// What the report prints.
        text: &'a str,
    },
}

/// `text` cut into plain runs and marked figures. A figure is what lies
/// between a close mark and the last open mark before it; marks that do
/// not make a figure stay in the text (nothing is lost).
pub fn figure_pieces(text: &str) -> Vec<Piece<'_>> {
    let [open, middle, close] = FIGURE_MARKS;
    let mut pieces = Vec::new();
    let mut rest = text;
    while let Some(end) = rest.find(close) {
        let through = end + close.len_utf8();
        let figure = rest[..end].rfind(open).and_then(|at| {
            let (name, text) = rest[at + open.len_utf8()..end].split_once(middle)?;
            let (code, figure) = name.rsplit_once('/')?;
            Some((at, Piece::Figure { code, figure, text }))
        });
        match figure {
            Some((at, figure)) => {
                if at > 0 {
                    pieces.push(Piece::Text(&rest[..at]));
                }
                pieces.push(figure);
            }
            None => pieces.push(Piece::Text(&rest[..through])),
        }
        rest = &rest[through..];
    }
    if !rest.is_empty() {
        pieces.push(Piece::Text(rest));
    }
    pieces
}

impl Default for ReportOptions {
    /// The hand-in body with its appendices: no marks in the text.
    fn default() -> Self {
        ReportOptions { markers: false, appendices: true, links: false }
    }
}

/// Marks figures that an error finding involves (every event of the finding
/// is behind the figure), so the report never hides a finding. Findings
/// are grouped by project once; figures keep their seqs sorted.
///
/// With `links`, every figure is enclosed in [`FIGURE_MARKS`] with its name.
struct Marks<'a> {
    by_project: HashMap<Option<&'a str>, Vec<&'a Finding>>,
    links: bool,
}

impl<'a> Marks<'a> {
    /// No marks: the hand-in body.
    fn none() -> Marks<'a> {
        Marks { by_project: HashMap::new(), links: false }
    }

    fn new(findings: &'a [Finding]) -> Marks<'a> {
        let mut by_project: HashMap<Option<&str>, Vec<&Finding>> = HashMap::new();
        for f in findings.iter().filter(|f| f.severity == Severity::Error && !f.events.is_empty()) {
            by_project.entry(f.project.as_deref()).or_default().push(f);
        }
        Marks { by_project, links: false }
    }

    /// `text` of a figure (`name` of `project`'s, or the department's), with
    /// its finding mark and, with `links`, its name.
    fn mark(&self, text: String, figure: &Figure, project: Option<&str>, name: &str) -> String {
        let involved = self.by_project.get(&project).is_some_and(|findings| {
            findings.iter().any(|f| f.events.iter().all(|e| figure.seqs.binary_search(e).is_ok()))
        });
        let text = self.link(text, project, name);
        if involved {
            format!("{text}〔⚠见数据核查〕")
        } else {
            text
        }
    }

    /// `text` of the figure `name` of `project` (the department's when
    /// `None`), enclosed in [`FIGURE_MARKS`] with `links`.
    fn link(&self, text: String, project: Option<&str>, name: &str) -> String {
        if !self.links || text.is_empty() {
            return text;
        }
        let [open, middle, close] = FIGURE_MARKS;
        format!("{open}{}/{name}{middle}{text}{close}", project.unwrap_or("department"))
    }
}

/// Text recorded by a person, as one inline run: invisible characters
/// spelled out, so a name can never break a line or hide a character, and
/// every character Markdown reads as inline markup escaped, so `≥**人` (a
/// published table's placeholder) prints as typed in a Markdown viewer and
/// in the Word report, never as emphasis.
fn inline(text: &str) -> String {
    if !text.contains(FIGURE_MARKS[0]) {
        return escaped(text);
    }
    // A figure the report marked stays whole, its parts escaped.
    let [open, middle, close] = FIGURE_MARKS;
    figure_pieces(text)
        .into_iter()
        .map(|piece| match piece {
            Piece::Text(t) => escaped(t),
            Piece::Figure { code, figure, text } => {
                format!("{open}{}/{}{middle}{}{close}", escaped(code), escaped(figure), escaped(text))
            }
        })
        .collect()
}

/// [`inline`] of text without marks: invisible characters spelled out,
/// Markdown's inline markup escaped.
fn escaped(text: &str) -> String {
    let text = selfeval_core::values::visible(text);
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        // `<` opens a tag only before a letter, `/`, `!` or `?` (`总分 < 90` stays).
        let tag = c == '<' && chars.peek().is_some_and(|n| n.is_ascii_alphabetic() || matches!(n, '/' | '!' | '?'));
        if tag || matches!(c, '\\' | '*' | '_' | '`' | '[' | ']' | '~') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A recorded paragraph as Markdown paragraphs: each line its own, and a
/// line that Markdown would read as a heading, quote, table or fence is
/// escaped, so that recorded text can never add a section to the report.
fn paragraph(text: &str) -> String {
    text.split('\n')
        .map(|line| {
            let line = inline(line);
            let start = line.trim_start();
            if start.starts_with(['#', '>', '|', '`', '=']) || start.starts_with("---") {
                format!("\\{start}")
            } else {
                line
            }
        })
        .collect::<Vec<_>>()
        .join("\n\n")
}

fn narratives(out: &mut String, model: &ReportModel, section: &str) {
    for n in model.narratives_of(section) {
        match &n.project {
            Some(code) => {
                let name = model.project(code).map_or(String::new(), |p| inline(&p.name));
                let _ = writeln!(out, "（{code} {name}）{}\n", paragraph(&n.text));
            }
            None => {
                let _ = writeln!(out, "{}\n", paragraph(&n.text));
            }
        }
    }
}

/// The whole report in Markdown: the hand-in body, with trace marks when
/// `options.markers`, and the appendices.
pub fn report_markdown(evaluation: &Evaluation, options: &ReportOptions) -> String {
    let model = &evaluation.model;
    let mut out = String::new();
    let mut marks = if options.markers { Marks::new(&evaluation.findings) } else { Marks::none() };
    marks.links = options.links;
    let _ = writeln!(out, "# {}{}年度项目支出绩效自评报告\n", inline(&model.department), model.year);
    if options.markers {
        out.push_str(&basis_line(model));
    } else if let Some(at) = model.basis.recorded_at {
        let _ = writeln!(out, "> 数据截至{}。\n", day(at));
    }
    out.push_str(&dates_line(model));
    basic_situation(&mut out, model, &marks);
    evaluation_work(&mut out, model, options.markers);
    results(&mut out, model, &marks);
    indicator_results(&mut out, model, &marks);
    problems(&mut out, model);
    suggestions(&mut out, model);
    let mut out = fill_empty_sections(&out);
    signature(&mut out, model);
    out.push_str("## 附表1 项目支出绩效自评表\n\n");
    for p in &model.projects {
        out.push_str(&project_table(model, p, &marks));
        out.push('\n');
    }
    if options.appendices {
        out.push_str("## 附表2 数据核查\n\n");
        out.push_str(&findings_markdown(&evaluation.findings));
        out.push_str("\n## 附表3 数据来源\n\n");
        out.push_str(&basis_line(model));
        out.push_str(&sources_markdown(model, &marks));
    }
    out
}

/// 一、项目支出基本情况: the projects by category, the budget and its execution.
fn basic_situation(out: &mut String, model: &ReportModel, marks: &Marks<'_>) {
    let unit = model.unit_label();
    let t = &model.totals;
    out.push_str("## 一、项目支出基本情况\n\n### （一）构成情况\n\n");
    narratives(out, model, "1.composition");
    let mut categories: BTreeMap<&str, usize> = BTreeMap::new();
    for p in &model.projects {
        *categories.entry(p.category.as_deref().unwrap_or("未分类")).or_default() += 1;
    }
    let listed: Vec<String> = categories.iter().map(|(c, n)| format!("{}{n}个", inline(c))).collect();
    let _ = writeln!(out, "本部门共有项目{}个，按类别：{}。\n", model.projects.len(), listed.join("、"));
    out.push_str("### （二）预算及执行情况\n\n");
    let lines: Vec<String> = model
        .projects
        .iter()
        .map(|p| {
            let budget = marks.mark(model.money(&p.budget), &p.budget, Some(&p.code), "budget");
            format!("{}预算{}{}", inline(&p.name), budget, model.unit_label())
        })
        .collect();
    let _ = writeln!(
        out,
        "{}年度本部门项目支出预算总额为{}{unit}，其中{}。在预算执行过程中，实际执行金额为{}{unit}，预算执行率为{}。\n",
        model.year,
        marks.link(model.money(&t.budget), None, "budget"),
        lines.join("，"),
        marks.link(model.money(&t.executed), None, "executed"),
        marks.mark(rate(&t.execution_rate), &t.execution_rate, None, "execution_rate"),
    );
    narratives(out, model, "1.execution");
}

/// 二、项目自评工作开展情况: coverage, the workflow of each project (with its events when `markers`), who is responsible.
fn evaluation_work(out: &mut String, model: &ReportModel, markers: bool) {
    let t = &model.totals;
    out.push_str("## 二、项目自评工作开展情况\n\n### （一）自评工作覆盖情况\n\n");
    let coverage = if t.in_scope == 0 {
        "不适用".to_owned()
    } else {
        format!("{}%", fmt2(rust_decimal::Decimal::from(t.evaluated * 100) / rust_decimal::Decimal::from(t.in_scope)))
    };
    let _ = writeln!(
        out,
        "本部门有预算或支出的{}个项目中{}个完成自评（已提交并审核通过），覆盖率{coverage}。\n",
        t.in_scope, t.evaluated
    );
    narratives(out, model, "2.coverage");
    out.push_str("### （二）组织开展程序\n\n");
    for p in &model.projects {
        if p.workflow.is_empty() {
            continue;
        }
        let steps: Vec<String> = p
            .workflow
            .iter()
            .map(|WorkflowEntry { status, at, actor, seq: seq_no }| {
                let verb = match status {
                    Status::Submitted => "提交",
                    Status::Approved => "审核通过",
                    Status::Returned => "退回",
                    Status::Draft => "重新打开",
                };
                format!(
                    "{}{}{verb}{}",
                    day(*at),
                    person(actor),
                    if markers { format!("（#{seq_no}）") } else { String::new() }
                )
            })
            .collect();
        let _ = writeln!(out, "- {} {}：{}", p.code, inline(&p.name), steps.join("；"));
    }
    governance_markdown(out, model, markers);
    out.push('\n');
    narratives(out, model, "2.procedure");
    out.push_str("### （三）责任单位\n\n");
    let mut sections: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for p in &model.projects {
        sections.entry(p.section.as_deref().unwrap_or("未指定科室")).or_default().push(format!(
            "{} {}",
            p.code,
            inline(&p.name)
        ));
    }
    for (section, projects) in &sections {
        let _ = writeln!(out, "- {}：{}", inline(section), projects.join("；"));
    }
    let mut reviewers: Vec<String> = model
        .projects
        .iter()
        .flat_map(|p| p.workflow.iter().filter(|w| w.status == Status::Approved).map(|w| person(&w.actor)))
        .collect();
    reviewers.sort_unstable();
    reviewers.dedup();
    if !reviewers.is_empty() {
        let _ = writeln!(out, "- 审核：{}", reviewers.join("、"));
    }
    out.push('\n');
    narratives(out, model, "2.responsibility");
}

/// 三、项目自评结果及分析 (一) to (四): scores, execution, funds, goals.
fn results(out: &mut String, model: &ReportModel, marks: &Marks<'_>) {
    let unit = model.unit_label();
    let t = &model.totals;
    out.push_str("## 三、项目自评结果及分析\n\n### （一）自评分数情况\n\n");
    let scored = scored(model);
    let rows: Vec<Vec<String>> = scored
        .iter()
        .map(|p| {
            vec![
                p.code.clone(),
                p.name.clone(),
                marks.mark(score(p.total_score.value), &p.total_score, Some(&p.code), "total_score"),
                p.grade.map_or("—", Grade::label).to_owned(),
            ]
        })
        .collect();
    if !rows.is_empty() {
        out.push_str(&table(&["编号", "项目", "自评得分", "等级"], rows));
        out.push('\n');
    }
    if let (Some(high), Some(low)) =
        (scored.iter().max_by_key(|p| p.total_score.value), scored.iter().min_by_key(|p| p.total_score.value))
    {
        let _ = writeln!(
            out,
            "经自评，{}个项目平均自评分数为{}分，最高{}分（{}），最低{}分（{}）；优{}个、良{}个、中{}个、差{}个。\n",
            scored.len(),
            marks.link(score(t.average_score.value), None, "average_score"),
            marks.link(score(high.total_score.value), Some(&high.code), "total_score"),
            inline(&high.name),
            marks.link(score(low.total_score.value), Some(&low.code), "total_score"),
            inline(&low.name),
            t.grade_counts[0],
            t.grade_counts[1],
            t.grade_counts[2],
            t.grade_counts[3]
        );
    } else {
        out.push_str("尚无项目完成评分。\n\n");
    }
    narratives(out, model, "3.scores");
    out.push_str("### （二）预算执行情况分析\n\n");
    let _ = writeln!(
        out,
        "整体预算执行率为{}（全年执行数合计 ÷ 全年预算数合计）。\n",
        marks.mark(rate(&t.execution_rate), &t.execution_rate, None, "execution_rate")
    );
    let rows = model
        .projects
        .iter()
        .map(|p| {
            vec![
                p.code.clone(),
                p.name.clone(),
                marks.link(model.money(&p.budget), Some(&p.code), "budget"),
                marks.link(model.money(&p.executed), Some(&p.code), "executed"),
                marks.mark(rate(&p.execution_rate), &p.execution_rate, Some(&p.code), "execution_rate"),
            ]
        })
        .collect();
    let (budget_head, executed_head) = (format!("全年预算数（{unit}）"), format!("全年执行数（{unit}）"));
    out.push_str(&table(&["编号", "项目", &budget_head, &executed_head, "执行率"], rows));
    out.push('\n');
    narratives(out, model, "3.execution");
    let _ = writeln!(out, "### （三）资金管理情况分析\n");
    narratives(out, model, "3.funds");
    out.push_str("### （四）总体绩效目标完成情况分析\n\n");
    for p in &scored {
        let _ = writeln!(
            out,
            "- {} {}：预期目标：{}；实际完成：{}",
            p.code,
            inline(&p.name),
            p.goal_expected.as_deref().map_or_else(|| "（未记录）".to_owned(), inline),
            p.goal_actual.as_deref().map_or_else(|| "（未记录）".to_owned(), inline)
        );
    }
    let all_met = scored.iter().filter(|p| p.indicators.iter().all(|i| i.not_applicable.is_some() || met(i))).count();
    if !scored.is_empty() {
        if !out.ends_with("\n\n") {
            out.push('\n');
        }
        let _ = writeln!(out, "{}个已评分项目中{}个项目全部指标达成。\n", scored.len(), all_met);
    }
    narratives(out, model, "3.goals");
}

/// 三 (五) 绩效指标完成情况分析: the indicators by group (达成, 未完成, 未填, 不适用), each group adding up.
fn indicator_results(out: &mut String, model: &ReportModel, marks: &Marks<'_>) {
    out.push_str("### （五）绩效指标完成情况分析\n\n");
    let all: Vec<(&ProjectReport, &IndicatorRow)> =
        model.projects.iter().flat_map(|p| p.indicators.iter().map(move |i| (p, i))).collect();
    let count = |f: &dyn Fn(&IndicatorRow) -> bool| all.iter().filter(|(_, i)| f(i)).count();
    // Each applicable indicator is in exactly one group, by its recorded
    // actual and its final score: unfilled, short (未完成) or met.
    let applicable = |i: &IndicatorRow| i.not_applicable.is_none();
    let unfilled = |i: &IndicatorRow| applicable(i) && !i.filled();
    let short = |i: &IndicatorRow| applicable(i) && i.filled() && i.deviation == Some(Deviation::Under);
    let achieved = count(&|i| applicable(i) && met(i));
    let under = count(&short);
    let missing = count(&unfilled);
    let over = count(&|i| applicable(i) && met(i) && i.deviation == Some(Deviation::Over));
    let na = count(&|i| i.not_applicable.is_some());
    let over_threshold = model.rules.over_deviation_text();
    let _ = writeln!(
        out,
        "共{}个绩效指标：达成{achieved}个{}，未完成{under}个，未填实际完成值{missing}个，不适用{na}个。\n",
        all.len(),
        if over > 0 {
            format!("（其中超出目标{over_threshold}以上的{over}个另列）")
        } else {
            String::new()
        },
    );
    if all.iter().any(|(_, i)| i.target.starts_with(['≤', '<'])) {
        out.push_str("完成率：≥、>、=类指标为实际完成值÷年度指标值；≤、<类指标（成本、时限等）为年度指标值÷实际完成值，低于目标值即超过100%。\n\n");
    }
    if missing > 0 {
        let names: Vec<String> = all
            .iter()
            .filter(|(_, i)| unfilled(i))
            .map(|(p, i)| match (&i.override_reason, i.score.value) {
                // A score set by hand on a blank row stands beside its name.
                (Some(_), Some(score)) => format!("{} {} {}（人工得分{}）", p.code, i.code, i.name, fmt2(score)),
                _ => format!("{} {} {}", p.code, i.code, i.name),
            })
            .collect();
        let scored_by_hand = all.iter().any(|(_, i)| unfilled(i) && i.override_reason.is_some());
        let zero = if scored_by_hand { "无人工得分的按0分计" } else { "按0分计" };
        let _ = writeln!(out, "未填实际完成值的指标（{zero}）：{}。\n", inline(&names.join("；")));
    }
    let over_title = format!("超出目标{over_threshold}以上的指标");
    for (title, wanted) in [("未完成的指标", Deviation::Under), (over_title.as_str(), Deviation::Over)] {
        let rows: Vec<Vec<String>> = all
            .iter()
            .filter(|(_, i)| applicable(i) && i.filled() && i.deviation == Some(wanted))
            .map(|(p, i)| {
                vec![
                    p.code.clone(),
                    format!("{} {}", i.code, i.name),
                    i.target.clone(),
                    i.actual.clone().unwrap_or_default(),
                    // The ratio is read from the indicator's score trace.
                    i.completion
                        .map_or("—".to_owned(), |c| marks.link(format!("{}%", fmt2(c)), Some(&p.code), &i.code)),
                    i.deviation_reason.clone().unwrap_or_else(|| "（未说明）".to_owned()),
                    i.measure.clone().unwrap_or_else(|| "（未说明）".to_owned()),
                ]
            })
            .collect();
        let _ = writeln!(out, "{title}：{}\n", if rows.is_empty() { "无。" } else { "" });
        if !rows.is_empty() {
            out.push_str(&table(&["项目", "指标", "年度指标值", "实际完成值", "完成率", "偏差原因", "改进措施"], rows));
            out.push('\n');
        }
    }
    narratives(out, model, "3.indicators");
}

/// 四、项目自评发现的问题及整改措施.
fn problems(out: &mut String, model: &ReportModel) {
    out.push_str("## 四、项目自评发现的问题及整改措施\n\n### （一）存在的问题\n\n");
    for (i, q) in model.problems.iter().enumerate() {
        let name = model.project(&q.project).map_or(String::new(), |p| inline(&p.name));
        let _ = writeln!(out, "{}. （{} {name}）{}", i + 1, q.project, inline(&q.text));
    }
    if model.problems.is_empty() {
        out.push_str("未记录问题。\n");
    }
    out.push('\n');
    narratives(out, model, "4.problems");
    out.push_str("### （二）整改措施\n\n");
    let rows: Vec<Vec<String>> = model
        .problems
        .iter()
        .map(|q| {
            vec![
                q.code.clone(),
                q.measure.clone().unwrap_or_else(|| "（未制定）".to_owned()),
                q.owner.clone().unwrap_or_default(),
                q.due.map(date).unwrap_or_default(),
                q.status.label().to_owned(),
            ]
        })
        .collect();
    if !rows.is_empty() {
        out.push_str(&table(&["问题", "整改措施", "责任人", "完成时限", "状态"], rows));
        out.push('\n');
    }
    narratives(out, model, "4.measures");
}

/// 五、建议 and 六、其他需要说明的问题.
fn suggestions(out: &mut String, model: &ReportModel) {
    let scored = scored(model);
    out.push_str("## 五、项目自评工作建议及预算安排建议\n\n### （一）自评工作建议\n\n");
    narratives(out, model, "5.evaluation");
    out.push_str("### （二）预算安排建议\n\n");
    let rows: Vec<Vec<String>> = scored
        .iter()
        .map(|p| {
            let grade = p.grade.expect("scored projects have a grade");
            let advice = model.result_use(p).unwrap_or_default();
            vec![p.code.clone(), p.name.clone(), grade.label().to_owned(), advice]
        })
        .collect();
    if !rows.is_empty() {
        out.push_str(&table(&["编号", "项目", "等级", "结果应用"], rows));
        out.push('\n');
    }
    narratives(out, model, "5.budget");
    let _ = writeln!(out, "## 六、其他需要说明的问题\n");
    narratives(out, model, "6.other");
}

/// The 落款: the unit and the date the report speaks for (the business date shown, else the as-of point's date), right-aligned as 公文 are.
fn signature(out: &mut String, model: &ReportModel) {
    if let Some(day) = model.effective.or(model.report_date) {
        let _ = writeln!(
            out,
            "<div align=\"right\">{}<br>{}</div>\n",
            // Inside an HTML block Markdown escapes do not apply: HTML's do.
            selfeval_core::values::visible(&model.department)
                .replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('>', "&gt;"),
            day.format("%Y年%-m月%-d日")
        );
    }
}

/// The projects with a total score, in the report's order.
fn scored(model: &ReportModel) -> Vec<&ProjectReport> {
    model.projects.iter().filter(|p| p.total_score.value.is_some()).collect()
}

/// Met: every applicable indicator has its actual and is not short of it
/// by its final score (one without an actual is not met, it is unfilled).
fn met(i: &IndicatorRow) -> bool {
    i.filled() && i.deviation != Some(Deviation::Under)
}

/// The body with 「无。」 under every heading that has nothing before the
/// next heading of its level or above (or the end): a section never prints
/// as a bare heading.
fn fill_empty_sections(body: &str) -> String {
    let level = |line: &str| match line.split(' ').next() {
        Some("#") => Some(1),
        Some("##") => Some(2),
        Some("###") => Some(3),
        _ => None,
    };
    let lines: Vec<&str> = body.lines().collect();
    let mut out = String::with_capacity(body.len() + 64);
    for (i, line) in lines.iter().enumerate() {
        out.push_str(line);
        out.push('\n');
        if let Some(this) = level(line).filter(|l| *l >= 2) {
            let next = lines[i + 1..].iter().find(|l| !l.trim().is_empty());
            if next.is_none_or(|n| level(n).is_some_and(|l| l <= this)) {
                out.push_str("\n无。\n");
            }
        }
    }
    out
}

/// The dates the report stands on, none of them the day it is printed: the
/// evaluation year, the business date shown (`--effective`, else as
/// recorded), and the day deadlines (overdue rectification, the budget
/// advice) were judged on.
fn dates_line(model: &ReportModel) -> String {
    if model.basis.recorded_at.is_none() {
        return String::new();
    }
    let shown = model.effective.map_or_else(|| "截至记录时点".to_owned(), |d| format!("{d}（--effective）"));
    let judged = model.report_date.map_or_else(|| "—".to_owned(), |d| d.to_string());
    format!("> 评价年度：{}年；业务日期：{shown}；整改期限与预算安排建议按{judged}判断。\n\n", model.year)
}

/// Where the figures come from: the point of the log, its head hash, the
/// rule profile and the latest checkpoint.
fn basis_line(model: &ReportModel) -> String {
    let as_of = model.basis.recorded_at.map_or_else(
        || "（空库）".to_owned(),
        |t| t.with_timezone(&selfeval_core::report::beijing()).format("%Y-%m-%d %H:%M:%S %:z").to_string(),
    );
    let mut out = format!(
        "> 数据截至 {as_of}（事件序号 {}），事件链头哈希 `{}`，评分规则 `{}`。本报告的每个数字都由事件重放计算，可用 `selfeval trace` 追溯到事件。\n\n",
        model.basis.seq, model.basis.head_hash, model.profile
    );
    if let Some(c) = model.governance.latest_checkpoint() {
        let _ = writeln!(
            out,
            "> 最近检查点：{} 于 {} 生成（#{}），固定事件序号 {} 的哈希 `{}`，签名公钥 {}。\n",
            inline(&c.actor),
            day(c.at),
            c.seq,
            c.pinned_seq,
            c.head,
            c.key
        );
    }
    out
}

/// A person as the form names them: section, then name (`应急救援科王敏`).
fn person(actor: &str) -> String {
    match actor.split_once('@') {
        Some((name, section)) => format!("{}{}", inline(section), inline(name)),
        None => inline(actor),
    }
}

/// A date as a Chinese document writes it: `2024年12月30日`.
fn date(d: chrono::NaiveDate) -> String {
    d.format("%Y年%-m月%-d日").to_string()
}

fn day(at: chrono::DateTime<chrono::Utc>) -> String {
    date(at.with_timezone(&selfeval_core::report::beijing()).date_naive())
}

/// The roster mode, the seals and what changed after a seal, in 组织开展程序.
fn governance_markdown(out: &mut String, model: &ReportModel, markers: bool) {
    let seq = |n: u64| if markers { format!("（#{n}）") } else { String::new() };
    let g = &model.governance;
    if g.has_roster() {
        let count = g.current_members().count();
        let signatures = if g.signatures_required.is_some() { "，每条命令须由本人公钥签名" } else { "" };
        let _ = writeln!(out, "- 写入权限：按人员名册（{count}人）控制，科室人员只填报本科室的项目，审核、退回和封存由领导小组办公室进行，不得审核本人提交的自评{signatures}。");
    }
    for seal in &g.seals {
        let sealed = &seal.sealed;
        let mut line = format!("- 年度封存：{}{}封存{}", day(sealed.at), person(&sealed.actor), seq(sealed.seq));
        if let Some(unsealed) = &seal.unsealed {
            let why = if unsealed.text.is_empty() {
                String::new()
            } else {
                format!("（原因：{}）", inline(&unsealed.text))
            };
            line.push_str(&format!(
                "；{}{}解除封存{}{why}",
                day(unsealed.at),
                person(&unsealed.actor),
                seq(unsealed.seq)
            ));
        }
        let _ = writeln!(out, "{line}。");
    }
    if !g.after_seal.is_empty() {
        let listed: Vec<String> = g
            .after_seal
            .iter()
            .map(|a| {
                let label = selfeval_core::EventPayload::label_of(&a.event_type).unwrap_or("事件");
                let project = a.project.as_deref().map(|p| format!("{p} ")).unwrap_or_default();
                let number = if markers { format!("#{} ", a.seq) } else { String::new() };
                format!("{number}{project}{label}（{}）", person(&a.actor))
            })
            .collect();
        let _ = writeln!(out, "- 封存后的变更：{}。", listed.join("；"));
    }
}

/// The 数据来源 appendix: one line per figure. A list, not a table: a
/// department total may name thousands of events, and a table would pad
/// every row to that width.
fn sources_markdown(model: &ReportModel, marks: &Marks<'_>) -> String {
    let t = &model.totals;
    let mut out = String::from("每个数字后列出计算它的事件序号（#a–#b 表示连续的一段），可用 `selfeval history` 或 `selfeval trace` 查看。\n\n");
    let mut line = |code: Option<&str>, what: &str, name: &str, value: String, figure: &[u64]| {
        let scope = code.unwrap_or("部门");
        let _ = writeln!(out, "- {scope} {what}：{} ← {}", marks.link(value, code, name), seqs(figure));
    };
    let unit = model.unit_label();
    line(None, &format!("预算总额（{unit}）"), "budget", model.money(&t.budget), &t.budget.seqs);
    line(None, &format!("实际执行金额（{unit}）"), "executed", model.money(&t.executed), &t.executed.seqs);
    line(None, "预算执行率", "execution_rate", rate(&t.execution_rate), &t.execution_rate.seqs);
    line(None, "平均自评分数", "average_score", score(t.average_score.value), &t.average_score.seqs);
    for p in &model.projects {
        let code = Some(p.code.as_str());
        let initial = if p.initial_budget_blank { "（空）".to_owned() } else { model.money(&p.initial_budget) };
        line(code, &format!("年初预算数（{unit}）"), "initial_budget", initial, &p.initial_budget.seqs);
        line(code, &format!("全年预算数（{unit}）"), "budget", model.money(&p.budget), &p.budget.seqs);
        line(code, &format!("全年执行数（{unit}）"), "executed", model.money(&p.executed), &p.executed.seqs);
        line(code, "执行率", "execution_rate", rate(&p.execution_rate), &p.execution_rate.seqs);
        line(code, "预算执行率得分", "budget_score", score(p.budget_score.value), &p.budget_score.seqs);
        for i in &p.indicators {
            line(code, &format!("指标{} 得分", i.code), &i.code, score(i.score.value), &i.score.seqs);
        }
        line(code, "总分", "total_score", score(p.total_score.value), &p.total_score.seqs);
    }
    out
}

/// A finding's events for a table cell: the first ranges, then a count.
fn finding_events(events: &[u64]) -> String {
    const SHOWN: usize = 12;
    let all = seqs(events);
    let parts: Vec<&str> = all.split(' ').collect();
    if parts.len() <= SHOWN {
        all
    } else {
        format!("{} …共{}个事件（selfeval check --json 列出全部）", parts[..SHOWN].join(" "), events.len())
    }
}

/// The findings, grouped by severity.
pub fn findings_markdown(findings: &[Finding]) -> String {
    if findings.is_empty() {
        return "未发现问题。\n".to_owned();
    }
    let mut out = String::new();
    for severity in [Severity::Error, Severity::Warning, Severity::Info] {
        let rows: Vec<Vec<String>> = findings
            .iter()
            .filter(|f| f.severity == severity)
            .map(|f| {
                vec![
                    f.rule.to_owned(),
                    f.project.clone().unwrap_or_default(),
                    f.message.clone(),
                    finding_events(&f.events),
                ]
            })
            .collect();
        if rows.is_empty() {
            continue;
        }
        let _ = writeln!(out, "{}（{}项）：\n", severity.label(), rows.len());
        out.push_str(&table(&["规则", "项目", "说明", "相关事件"], rows));
        out.push('\n');
    }
    out
}

/// One project's 自评表 in the standard layout.
pub fn table_markdown(model: &ReportModel, p: &ProjectReport) -> String {
    project_table(model, p, &Marks::none())
}

/// [`table_markdown`], each figure with its name when `marks` links.
fn project_table(model: &ReportModel, p: &ProjectReport, marks: &Marks<'_>) -> String {
    let code = Some(p.code.as_str());
    let mut out = String::new();
    let _ = writeln!(out, "### {}年度项目支出绩效自评表：{} {}\n", model.year, p.code, inline(&p.name));
    let _ = writeln!(
        out,
        "主管部门：{}　实施单位：{}　项目负责人：{}\n",
        inline(&model.department),
        p.section.as_deref().map_or_else(|| "—".to_owned(), inline),
        p.owner.as_deref().map_or_else(|| "—".to_owned(), inline)
    );
    // The final score; an override's reason and automatic score are in 数据核查 (I17).
    let budget_score = match &p.budget_not_applicable {
        Some(_) => "不适用".to_owned(),
        None => marks.link(score(p.budget_score.value), code, "budget_score"),
    };
    let printed = crate::form::printed_texts(&p.printed);
    let beside = crate::form::beside_text;
    let mut rows = vec![vec![
        "年度资金总额".to_owned(),
        if p.initial_budget_blank {
            String::new()
        } else {
            marks.link(model.money(&p.initial_budget), code, "initial_budget")
        },
        marks.link(model.money(&p.budget), code, "budget"),
        marks.link(model.money(&p.executed), code, "executed"),
        fmt_plain(p.budget_weight),
        beside(marks.link(rate(&p.execution_rate), code, "execution_rate"), &printed.execution_rate),
        beside(budget_score, &printed.budget_score),
    ]];
    for (i, f) in p.funds.iter().enumerate() {
        let label = match f.source {
            selfeval_core::event::BudgetSource::CarriedOver => "上年结转资金",
            other => other.label(),
        };
        rows.push(vec![
            format!("{}{label}", if i == 0 { "其中：" } else { "　　　" }),
            // A fund's amounts are parts of the project's (its trace).
            if p.initial_budget_blank {
                String::new()
            } else {
                marks.link(model.unit.format(f.initial_budget), code, "initial_budget")
            },
            marks.link(model.unit.format(f.budget), code, "budget"),
            marks.link(model.unit.format(f.executed), code, "executed"),
            "—".to_owned(),
            "—".to_owned(),
            "—".to_owned(),
        ]);
    }
    let _ = writeln!(out, "项目资金（{}）：\n", model.unit_label());
    out.push_str(&table(&["", "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"], rows));
    let _ = writeln!(
        out,
        "\n年度总体目标：\n\n{}",
        table(
            &["预期目标", "实际完成情况"],
            vec![vec![
                p.goal_expected.clone().unwrap_or_else(|| "（未记录）".to_owned()),
                p.goal_actual.clone().unwrap_or_else(|| "（未记录）".to_owned()),
            ]],
        )
    );
    let mut rows: Vec<Vec<String>> = p
        .indicators
        .iter()
        .map(|i| {
            let score_text = match &i.not_applicable {
                Some(_) if i.weightless => "/".to_owned(),
                Some(_) => "不适用".to_owned(),
                None => marks.link(score(i.score.value), code, &i.code),
            };
            // Only what the section recorded as 偏差原因 and 改进措施.
            let note = crate::form::deviation_note(i);
            vec![
                i.level1.clone(),
                i.level2.clone(),
                i.name.clone(),
                i.target.clone(),
                i.actual.clone().unwrap_or_else(|| if i.weightless { "/" } else { "（未填）" }.to_owned()),
                if i.weightless { "/".to_owned() } else { fmt_plain(i.weight) },
                score_text,
                note,
            ]
        })
        .collect();
    let points = p.budget_weight + p.indicators.iter().map(|i| i.weight).sum::<rust_decimal::Decimal>();
    rows.push(vec![
        "总分".to_owned(),
        String::new(),
        String::new(),
        String::new(),
        String::new(),
        fmt_plain(points),
        beside(marks.link(score(p.total_score.value), code, "total_score"), &printed.total),
        beside(format!("等级：{}", p.grade.map_or("—", Grade::label)), &printed.grade),
    ]);
    out.push_str("绩效指标：\n\n");
    out.push_str(&table(
        &["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分", "偏差原因分析及改进措施"],
        rows,
    ));
    if !p.evidence.is_empty() {
        // Names and what they show; sizes and hashes are the ledger's
        // (history, JSON, verify --evidence), not the hand-in form's.
        out.push_str("\n佐证材料：\n\n");
        let rows = p.evidence.iter().map(|e| vec![e.file.clone(), e.note.clone()]).collect();
        out.push_str(&table(&["文件", "说明"], rows));
    }
    out
}

#[cfg(test)]
mod figure_marks {
    use super::{figure_pieces, Piece, FIGURE_MARKS};

    #[test]
    fn marked_figures_are_cut_out_and_broken_marks_stay_text() {
        let [open, middle, close] = FIGURE_MARKS;
        let text =
            format!("率为{open}department/execution_rate{middle}587.90%{close}，P01 {open}P01/I2{middle}16.00{close}");
        assert_eq!(
            figure_pieces(&text),
            vec![
                Piece::Text("率为"),
                Piece::Figure { code: "department", figure: "execution_rate", text: "587.90%" },
                Piece::Text("，P01 "),
                Piece::Figure { code: "P01", figure: "I2", text: "16.00" },
            ]
        );
        let text_of = |pieces: Vec<Piece<'_>>| -> String {
            pieces.iter().map(|p| if let Piece::Text(t) = p { *t } else { panic!("a figure: {p:?}") }).collect()
        };
        let broken = format!("a{open}P01/budget 6.00{close} b");
        assert_eq!(text_of(figure_pieces(&broken)), broken);
        let unclosed = format!("a{open}P01/budget{middle}6.00");
        assert_eq!(figure_pieces(&unclosed), vec![Piece::Text(&unclosed)]);
        // A stray open mark before a figure hides nothing: the figure is
        // what follows the last open mark.
        let stray = format!("a{open}名称 {open}P01/budget{middle}6.00{close}");
        assert_eq!(
            figure_pieces(&stray),
            vec![
                Piece::Text(&stray[..stray.rfind(open).unwrap()]),
                Piece::Figure { code: "P01", figure: "budget", text: "6.00" }
            ]
        );
    }
}
