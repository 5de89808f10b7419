//! The 项目支出绩效自评表 as a grid of cells, in the national layout
//! (财预〔2020〕10号 attachment; `docs/spec/documents.md`): one layout that
//! the XLSX and DOCX writers both draw, so that the two files hold the same
//! cells, merges and figures.
//!
//! Eight columns. The header (项目名称, 主管部门, 实施单位, 项目负责人), the
//! funds block (年初预算数, 全年预算数, 全年执行数, 分值, 执行率, 得分; 年度资金总额
//! and its 其中 rows), 年度总体目标 (预期目标 / 实际完成情况), the indicators
//! (一级 and 二级 merged down where they repeat) and the 总分 row with the
//! grade. The form shows the final score; an override's reason and the
//! automatic score belong to 数据核查, and the 偏差原因 column holds only the
//! recorded deviation reason and measures.

use rust_decimal::Decimal;
use selfeval_core::event::BudgetSource;
use selfeval_core::report::{ProjectReport, ReportModel};
use selfeval_core::scoring::Grade;
use selfeval_core::values::{fmt_plain, AmountUnit};

/// The number of columns of the form.
pub const COLUMNS: usize = 8;

/// What a cell holds. Numbers stay decimals until a writer needs them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// Text.
    Text(String),
    /// An amount in the department's display unit (two-decimal format).
    Amount(Decimal),
    /// A score or points (two-decimal format).
    Score(Decimal),
    /// Points as recorded (a weight, `10`, `7.5`).
    Points(Decimal),
    /// A rate as a ratio (`0.9998` for 99.98%).
    Percent(Decimal),
}

impl Value {
    /// The cell as text, as the Markdown table shows it.
    pub fn text(&self) -> String {
        match self {
            Value::Text(t) => t.clone(),
            Value::Amount(v) | Value::Score(v) => selfeval_core::values::fmt2(*v),
            Value::Points(v) => fmt_plain(*v),
            Value::Percent(v) => format!("{}%", selfeval_core::values::fmt2(selfeval_core::scoring::rate_percent(*v))),
        }
    }
}

/// How a cell is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// The form's title.
    Title,
    /// A row or column heading.
    Label,
    /// A recorded or computed value, centred.
    Value,
    /// Free text, left-aligned and wrapped.
    Text,
}

/// One cell, spanning `rows` × `cols` from (`row`, `col`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cell {
    /// First row, from 0.
    pub row: usize,
    /// First column, from 0.
    pub col: usize,
    /// Rows spanned (1: no merge).
    pub rows: usize,
    /// Columns spanned.
    pub cols: usize,
    /// What it holds.
    pub value: Value,
    /// How it is drawn.
    pub style: Style,
}

/// A filled form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Form {
    /// The project code.
    pub code: String,
    /// The project name.
    pub name: String,
    /// The title row's text.
    pub title: String,
    /// The unit amounts are written in.
    pub unit: AmountUnit,
    /// Every cell, in row order.
    pub cells: Vec<Cell>,
    /// How many rows the form has.
    pub rows: usize,
    /// The rows to repeat on every printed page (the title and header).
    pub header_rows: usize,
    /// The cells that show a traceable figure: (row, column) of the cell
    /// and the figure's name as `trace` takes it (`budget`, `I2`).
    pub figures: Vec<((usize, usize), String)>,
}

struct Grid {
    cells: Vec<Cell>,
    row: usize,
    figures: Vec<((usize, usize), String)>,
}

impl Grid {
    fn put(&mut self, col: usize, rows: usize, cols: usize, value: Value, style: Style) {
        self.cells.push(Cell { row: self.row, col, rows, cols, value, style });
    }

    /// A one-cell value that is the figure `name` of the project.
    fn figure(&mut self, col: usize, value: Value, name: &str) {
        self.figures.push(((self.row, col), name.to_owned()));
        self.put(col, 1, 1, value, Style::Value);
    }

    fn text(&mut self, col: usize, cols: usize, text: impl Into<String>, style: Style) {
        self.put(col, 1, cols, Value::Text(text.into()), style);
    }
}

/// An amount in 万元 in the display unit, as a number.
pub fn in_unit(unit: AmountUnit, wan: Decimal) -> Decimal {
    match unit {
        AmountUnit::TenThousandYuan => wan,
        AmountUnit::Yuan => selfeval_core::arith::mul(wan, Decimal::from(10_000)),
    }
}

const NOT_APPLICABLE: &str = "不适用";

/// The 自评表 of one project.
pub fn form(model: &ReportModel, p: &ProjectReport) -> Form {
    let unit = model.unit;
    let amount =
        |v: Option<Decimal>| v.map_or_else(|| Value::Text(NOT_APPLICABLE.into()), |v| Value::Amount(in_unit(unit, v)));
    let mut g = Grid { cells: Vec::new(), row: 0, figures: Vec::new() };
    let title = format!("{}年度项目支出绩效自评表", model.year);
    g.text(0, COLUMNS, title.clone(), Style::Title);
    g.row += 1;
    g.text(0, 2, "项目名称", Style::Label);
    g.text(2, 6, p.name.clone(), Style::Text);
    g.row += 1;
    g.text(0, 2, "主管部门", Style::Label);
    g.text(2, 2, model.department.clone(), Style::Text);
    g.text(4, 1, "实施单位", Style::Label);
    g.text(5, 3, p.section.clone().unwrap_or_default(), Style::Text);
    g.row += 1;
    g.text(0, 2, "项目负责人", Style::Label);
    g.text(2, 6, p.owner.clone().unwrap_or_default(), Style::Text);
    g.row += 1;
    let header_rows = g.row;

    // The funds block: a label merged down its five rows.
    let funds_rows = 5;
    g.put(0, funds_rows, 1, Value::Text(format!("项目资金（{}）", unit.label())), Style::Label);
    for (i, head) in ["", "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"].iter().enumerate()
    {
        g.text(1 + i, 1, *head, Style::Label);
    }
    g.row += 1;
    g.text(1, 1, "年度资金总额", Style::Label);
    let blank = || Value::Text(String::new());
    if p.initial_budget_blank {
        g.put(2, 1, 1, blank(), Style::Value);
    } else {
        g.figure(2, amount(p.initial_budget.value), "initial_budget");
    }
    g.figure(3, amount(p.budget.value), "budget");
    g.figure(4, amount(p.executed.value), "executed");
    g.put(5, 1, 1, Value::Points(p.budget_weight), Style::Value);
    let printed = printed_texts(&p.printed);
    let rate = p.execution_rate.value.map_or_else(|| Value::Text(NOT_APPLICABLE.into()), Value::Percent);
    g.figure(6, beside(rate, &printed.execution_rate), "execution_rate");
    let budget_score = match (&p.budget_not_applicable, p.budget_score.value) {
        (Some(_), _) | (None, None) => Value::Text(NOT_APPLICABLE.into()),
        (None, Some(s)) => Value::Score(s),
    };
    g.figure(7, beside(budget_score, &printed.budget_score), "budget_score");
    g.row += 1;
    fund_sources(&mut g, p, unit);

    // 年度总体目标.
    g.put(0, 2, 1, Value::Text("年度总体目标".into()), Style::Label);
    g.text(1, 4, "预期目标", Style::Label);
    g.text(5, 3, "实际完成情况", Style::Label);
    g.row += 1;
    g.text(1, 4, p.goal_expected.clone().unwrap_or_default(), Style::Text);
    g.text(5, 3, p.goal_actual.clone().unwrap_or_default(), Style::Text);
    g.row += 1;

    // The indicators, 一级 and 二级 merged down where they repeat.
    let heads =
        ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分", "偏差原因分析及改进措施"];
    for (i, head) in heads.iter().enumerate() {
        g.text(i, 1, *head, Style::Label);
    }
    g.row += 1;
    let first = g.row;
    let n = p.indicators.len();
    let mut start1 = 0;
    while start1 < n {
        let level1 = &p.indicators[start1].level1;
        let end1 = start1 + p.indicators[start1..].iter().take_while(|i| &i.level1 == level1).count();
        let points: Decimal = p.indicators[start1..end1].iter().map(|i| i.weight).sum();
        g.row = first + start1;
        g.put(0, end1 - start1, 1, Value::Text(format!("{level1}（{}分）", fmt_plain(points))), Style::Label);
        let mut start2 = start1;
        while start2 < end1 {
            let level2 = &p.indicators[start2].level2;
            let end2 = start2 + p.indicators[start2..end1].iter().take_while(|i| &i.level2 == level2).count();
            g.row = first + start2;
            g.put(1, end2 - start2, 1, Value::Text(level2.clone()), Style::Label);
            start2 = end2;
        }
        start1 = end1;
    }
    for (k, i) in p.indicators.iter().enumerate() {
        g.row = first + k;
        g.text(2, 1, i.name.clone(), Style::Text);
        g.text(3, 1, i.target.clone(), Style::Value);
        let no_actual = if i.weightless { "/" } else { "" };
        g.text(4, 1, i.actual.clone().unwrap_or_else(|| no_actual.to_owned()), Style::Value);
        let slash = || Value::Text("/".into());
        g.put(5, 1, 1, if i.weightless { slash() } else { Value::Points(i.weight) }, Style::Value);
        let score = match (&i.not_applicable, i.score.value) {
            (Some(_), _) if i.weightless => slash(),
            (Some(_), _) | (None, None) => Value::Text(NOT_APPLICABLE.into()),
            (None, Some(s)) => Value::Score(s),
        };
        g.figure(6, score, &i.code);
        g.text(7, 1, deviation_note(i), Style::Text);
    }
    g.row = first + n;
    let points = p.budget_weight + p.indicators.iter().map(|i| i.weight).sum::<Decimal>();
    g.text(0, 5, "总分", Style::Label);
    g.put(5, 1, 1, Value::Points(points), Style::Value);
    let total = p.total_score.value.map_or_else(|| Value::Text(NOT_APPLICABLE.into()), Value::Score);
    g.figure(6, beside(total, &printed.total), "total_score");
    let grade = Value::Text(format!("自评等级：{}", p.grade.map_or("—", Grade::label)));
    g.put(7, 1, 1, beside(grade, &printed.grade), Style::Value);
    g.row += 1;
    // The evidence pinned for the project: its files and what they show.
    if !p.evidence.is_empty() {
        let listed: Vec<String> = p.evidence.iter().map(|e| format!("{}：{}", e.file, e.note)).collect();
        g.text(0, 2, "佐证材料", Style::Label);
        g.text(2, 6, listed.join("\n"), Style::Text);
        g.row += 1;
    }
    Form {
        code: p.code.clone(),
        name: p.name.clone(),
        title,
        unit,
        rows: g.row,
        cells: g.cells,
        header_rows,
        figures: g.figures,
    }
}

/// The funds block's 其中 rows: each source's amounts, which trace to the
/// project's figure they are part of.
fn fund_sources(g: &mut Grid, p: &ProjectReport, unit: AmountUnit) {
    let blank = || Value::Text(String::new());
    let sources = [
        (BudgetSource::CurrentAppropriation, "其中：本年财政拨款"),
        (BudgetSource::CarriedOver, "上年结转资金"),
        (BudgetSource::Other, "其他资金"),
    ];
    for (source, label) in sources {
        let funds = p.funds.iter().find(|f| f.source == source);
        let of = |pick: fn(&selfeval_core::report::FundsRow) -> Decimal| {
            Value::Amount(in_unit(unit, funds.map_or(Decimal::ZERO, pick)))
        };
        g.text(1, 1, label, Style::Label);
        // A source's amounts trace to the project's figure they are part of.
        if p.initial_budget_blank {
            g.put(2, 1, 1, blank(), Style::Value);
        } else {
            g.figure(2, of(|f| f.initial_budget), "initial_budget");
        }
        g.figure(3, of(|f| f.budget), "budget");
        g.figure(4, of(|f| f.executed), "executed");
        for col in 5..8 {
            g.text(col, 1, "—", Style::Value);
        }
        g.row += 1;
    }
}

/// The summary of `table --all`: one row per project.
pub fn summary(model: &ReportModel) -> (Vec<&'static str>, Vec<Vec<Value>>) {
    let unit = model.unit;
    let head = vec!["项目编号", "项目名称", "全年预算数", "全年执行数", "执行率", "自评得分", "自评等级"];
    let rows = model
        .projects
        .iter()
        .map(|p| {
            let amount = |v: Option<Decimal>| {
                v.map_or_else(|| Value::Text(NOT_APPLICABLE.into()), |v| Value::Amount(in_unit(unit, v)))
            };
            vec![
                Value::Text(p.code.clone()),
                Value::Text(p.name.clone()),
                amount(p.budget.value),
                amount(p.executed.value),
                p.execution_rate.value.map_or_else(|| Value::Text(NOT_APPLICABLE.into()), Value::Percent),
                p.total_score.value.map_or_else(|| Value::Text(NOT_APPLICABLE.into()), Value::Score),
                Value::Text(p.grade.map_or("—", Grade::label).to_owned()),
            ]
        })
        .collect::<Vec<_>>();
    // The 合计 row: the report's department totals (ΣE ÷ ΣP, never the mean
    // of rates; the average of the project totals; the grade counts).
    let t = &model.totals;
    let amount =
        |v: Option<Decimal>| v.map_or_else(|| Value::Text(NOT_APPLICABLE.into()), |v| Value::Amount(in_unit(unit, v)));
    let [excellent, good, fair, poor] = t.grade_counts;
    let mut rows = rows;
    rows.push(vec![
        Value::Text("合计".into()),
        Value::Text(format!("{}个项目（自评得分为平均分）", model.projects.len())),
        amount(t.budget.value),
        amount(t.executed.value),
        t.execution_rate.value.map_or_else(|| Value::Text(NOT_APPLICABLE.into()), Value::Percent),
        t.average_score.value.map_or_else(|| Value::Text(NOT_APPLICABLE.into()), Value::Score),
        Value::Text(format!("优{excellent} 良{good} 中{fair} 差{poor}")),
    ]);
    (head, rows)
}

/// Column widths (in characters, CJK counted double) a table never goes
/// below or above.
const MIN_WIDTH: f64 = 8.0;
const MAX_WIDTH: f64 = 40.0;

/// Column widths from the text in single-column cells (the longest line,
/// CJK counted double, plus a margin), between 8 and 40 characters: what
/// the workbook sets and what the Word tables share their width by.
pub fn content_widths(cells: &[Cell], columns: usize) -> Vec<f64> {
    use unicode_width::UnicodeWidthStr;
    let mut widths = vec![MIN_WIDTH; columns];
    for cell in cells.iter().filter(|c| c.cols == 1 && c.style != Style::Title) {
        let text = cell.value.text();
        let longest = text.lines().map(UnicodeWidthStr::width).max().unwrap_or(0) as f64 + 2.0;
        widths[cell.col] = widths[cell.col].max(longest.min(MAX_WIDTH));
    }
    widths
}

/// The 偏差原因分析及改进措施 cell: the not-applicable reason, the deviation
/// reason and 「改进措施：…」, each as recorded, joined by 「；」 unless the
/// part before already ends a sentence (never 「。；改进措施」).
pub fn deviation_note(i: &selfeval_core::report::IndicatorRow) -> String {
    let parts = i
        .not_applicable
        .iter()
        .map(|r| format!("不适用：{r}"))
        .chain(i.deviation_reason.iter().cloned())
        .chain(i.measure.iter().map(|m| format!("改进措施：{m}")));
    let mut note = String::new();
    for part in parts {
        if !note.is_empty() && !note.ends_with(['。', '；', '！', '？', ';']) {
            note.push('；');
        }
        note.push_str(&part);
    }
    note
}

/// What a published table printed, as the 自评表 shows it beside a
/// computed figure: `（原表99）`, `（原表97.80%）`.
#[derive(Default)]
pub struct PrintedTexts {
    /// 总分.
    pub total: Option<String>,
    /// 执行率, with `%`.
    pub execution_rate: Option<String>,
    /// 预算执行率得分.
    pub budget_score: Option<String>,
    /// 等级.
    pub grade: Option<String>,
}

/// The printed figures as typed.
pub fn printed_texts(p: &selfeval_core::state::Printed) -> PrintedTexts {
    let text = |v: &Option<selfeval_core::state::Traced<Decimal>>| v.as_ref().map(|t| t.value.to_string());
    PrintedTexts {
        total: text(&p.total),
        execution_rate: text(&p.execution_rate).map(|r| format!("{r}%")),
        budget_score: text(&p.budget_score),
        grade: p.grade.as_ref().map(|g| g.value.label().to_owned()),
    }
}

/// A computed value with the printed one beside it, when there is one (the
/// cell becomes text: a printed figure is never a number to compute with).
pub fn beside(value: Value, printed: &Option<String>) -> Value {
    match printed {
        Some(_) => Value::Text(beside_text(value.text(), printed)),
        None => value,
    }
}

/// A computed figure's text with the printed one beside it: `99.78（原表99）`.
pub fn beside_text(text: String, printed: &Option<String>) -> String {
    match printed {
        Some(printed) => format!("{text}（原表{printed}）"),
        None => text,
    }
}
