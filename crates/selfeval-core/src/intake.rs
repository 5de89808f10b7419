//! A filled 自评表 brought in (`import-table`): the national layout read
//! from a grid of cell texts, found by its header texts wherever they sit,
//! and the ordinary commands that record it. Pure: the file is read and
//! decoded by the caller.

use rust_decimal::Decimal;

use crate::profile::RuleProfile;
use crate::request::Command;
use crate::state::State;
use crate::values::{self, AmountUnit, QualitativeLevel};

/// A cell that could not be read, named as a spreadsheet names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IntakeError {
    /// `Sheet1!F12`.
    pub cell: String,
    /// What is wrong, and what is accepted.
    pub problem: String,
}

impl std::fmt::Display for IntakeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}：{}", self.cell, self.problem)
    }
}

/// One indicator row of the form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilledIndicator {
    /// 一级指标 (the points suffix taken off).
    pub level1: String,
    /// 二级指标.
    pub level2: String,
    /// 三级指标.
    pub name: String,
    /// 年度指标值, normalised.
    pub target: String,
    /// 实际完成值, normalised.
    pub actual: String,
    /// 分值.
    pub weight: Decimal,
    /// The 分值 cell is 「/」: a row not applicable as printed (weight 0).
    pub weightless: bool,
    /// 得分 as printed, if any.
    pub score: Option<Decimal>,
    /// 得分 printed as 不适用.
    pub not_applicable: bool,
    /// 偏差原因分析, if any.
    pub deviation: Option<String>,
    /// 改进措施, when the cell names them (`…；改进措施：…`, as selfeval writes it).
    pub measure: Option<String>,
    /// The row's 三级指标 cell, for messages about the row.
    pub cell: String,
    /// The 实际完成值 cell, for messages about the actual value.
    pub actual_cell: String,
}

/// A filled 自评表, amounts in 万元.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilledForm {
    /// 项目名称.
    pub name: String,
    /// 实施单位.
    pub section: Option<String>,
    /// 项目负责人.
    pub owner: Option<String>,
    /// The unit the form's amounts were written in.
    pub unit: AmountUnit,
    /// 年初预算数 of 年度资金总额.
    pub initial_budget: Decimal,
    /// The 年初预算数 cell is blank: the 全年预算数 is recorded as an
    /// adjustment, the 年初预算数 left blank (not set to 0).
    pub initial_budget_blank: bool,
    /// 全年预算数.
    pub budget: Decimal,
    /// 全年执行数.
    pub executed: Decimal,
    /// 预算执行率's 分值 as printed.
    pub budget_weight: Option<Decimal>,
    /// 预算执行率's 得分 as printed.
    pub budget_score: Option<Decimal>,
    /// 预算执行率's 得分 printed as 不适用.
    pub budget_not_applicable: bool,
    /// 预期目标.
    pub goal_expected: Option<String>,
    /// 实际完成情况.
    pub goal_actual: Option<String>,
    /// The indicators, in row order.
    pub indicators: Vec<FilledIndicator>,
    /// The year the form is headed with (`（2022年度）`), and its cell.
    pub year: Option<(i32, String)>,
    /// The 其中 rows under 年度资金总额 that carry an amount, by source.
    pub sources: Vec<FundRow>,
    /// Each total the 其中 rows do not add up to, naming its cells: the
    /// caller refuses the sheet, or records the rows as printed with
    /// these as notes (`--as-printed`).
    pub unbalanced: Vec<IntakeError>,
    /// 执行率 as printed (in %), and its cell.
    pub printed_rate: Option<(Decimal, String)>,
    /// 项目编码 (or 项目代码) as printed, if the form has one.
    pub code: Option<String>,
    /// The 总分 row's 得分 as printed.
    pub printed_total: Option<Decimal>,
    /// The 自评等级 the 总分 row prints (优, 良, 中 or 差).
    pub printed_grade: Option<String>,
}

/// The code a project new to `state` gets when none is given: the one the
/// form prints, else the next free `P` number after the highest one used
/// (`P05` after `P04`), in the width the ledger uses (two digits at least).
pub fn new_project_code(state: &State, form: &FilledForm) -> String {
    if let Some(code) = form.code.as_ref().filter(|c| values::check_code(c).is_ok() && state.project(c).is_none()) {
        return code.clone();
    }
    let numbers = state.projects().iter().filter_map(|p| p.code.strip_prefix('P')?.parse::<u64>().ok());
    let next = numbers.max().unwrap_or(0).saturating_add(1);
    format!("P{next:02}")
}

impl FilledForm {
    /// How the printed 执行率 differs from the one its own amounts give
    /// (全年执行数 ÷ 全年预算数, rounded to two decimals as printed): the
    /// sentence to say, or `None` when they agree or one is missing.
    pub fn rate_difference(&self) -> Option<String> {
        let (printed, cell) = self.printed_rate.as_ref()?;
        if self.budget <= Decimal::ZERO {
            return None;
        }
        let computed = values::round_half_up(
            crate::arith::mul(crate::arith::div(self.executed, self.budget), crate::arith::hundred()),
            2,
        );
        (values::round_half_up(*printed, 2) != computed).then(|| {
            format!(
                "{cell}：表中执行率 {}% 与按表中金额算得的 {}% 不同（全年执行数 ÷ 全年预算数）；记录的是金额，执行率按金额计算",
                values::fmt_plain(*printed),
                values::fmt_plain(computed)
            )
        })
    }
}

/// One 其中 row of 年度资金总额: a fund source and its amounts in 万元.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FundRow {
    /// The source as `--source` names it: 本年财政拨款, 上年结转, 其他资金.
    pub source: &'static str,
    /// 年初预算数.
    pub initial_budget: Decimal,
    /// 全年预算数.
    pub budget: Decimal,
    /// 全年执行数.
    pub executed: Decimal,
}

/// The year a cell heads a form with: four digits right before 年度
/// (`（2022年度）`, `2022年度项目支出绩效自评表`); 年度资金总额 and the
/// like have none.
fn year_of(text: &str) -> Option<i32> {
    let text = normalise(text);
    let at = text.find("年度")?;
    let digits: String = text[..at].chars().rev().take_while(char::is_ascii_digit).collect();
    let year: String = digits.chars().rev().collect();
    (year.len() == 4).then(|| year.parse().ok()).flatten()
}

/// `A`, …, `Z`, `AA`, … for a column from 0.
fn column_name(mut col: usize) -> String {
    let mut name = Vec::new();
    loop {
        name.push(b'A' + (col % 26) as u8);
        if col < 26 {
            break;
        }
        col = col / 26 - 1;
    }
    name.reverse();
    String::from_utf8(name).unwrap_or_default()
}

/// Full-width digits and signs to ASCII; the variant comparison signs of
/// published forms (`≧ ≦ ═ ＞＝ ＜＝`) and `百分比` to the ones `values` reads.
pub fn normalise(text: &str) -> String {
    let mut out: String = text
        .trim()
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            '．' => '.',
            '％' => '%',
            '＋' => '+',
            '－' => '-',
            '≧' => '≥',
            '≦' => '≤',
            '═' | '＝' => '=',
            '＞' => '>',
            '＜' => '<',
            _ => c,
        })
        .collect();
    for (from, to) in [(">=", "≥"), ("<=", "≤"), ("百分比", "%")] {
        out = out.replace(from, to);
    }
    out.trim().to_owned()
}

struct Grid<'a> {
    sheet: &'a str,
    rows: &'a [Vec<String>],
}

/// A cell's text without any blank (`分　值` reads as `分值`).
fn compact(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace() && *c != '\u{3000}').collect()
}

/// Labels of the form that are never a value.
const LABELS: &[&str] = &["项目名称", "主管部门", "实施单位", "项目负责人", "联系电话", "项目资金"];

impl Grid<'_> {
    fn text(&self, row: usize, col: usize) -> &str {
        self.rows.get(row).and_then(|r| r.get(col)).map_or("", |t| t.trim())
    }

    /// The column of `row` whose compacted text starts with `label`.
    fn column(&self, row: usize, label: &str) -> Option<usize> {
        (0..self.rows.get(row).map_or(0, Vec::len)).find(|&c| compact(self.text(row, c)).starts_with(label))
    }

    fn name(&self, row: usize, col: usize) -> String {
        format!("{}!{}{}", self.sheet, column_name(col), row + 1)
    }

    fn error(&self, row: usize, col: usize, problem: impl Into<String>) -> IntakeError {
        IntakeError { cell: self.name(row, col), problem: problem.into() }
    }

    /// The first cell whose text, spaces removed, starts with `label`.
    fn find(&self, label: &str) -> Option<(usize, usize)> {
        self.rows
            .iter()
            .enumerate()
            .find_map(|(r, row)| row.iter().position(|c| compact(c).starts_with(label)).map(|c| (r, c)))
    }

    /// The first non-empty cell right of (`row`, `col`).
    fn right_of(&self, row: usize, col: usize) -> Option<(usize, String)> {
        let cells = self.rows.get(row)?;
        let c = (col + 1..cells.len()).find(|&c| !self.text(row, c).is_empty())?;
        let text = self.text(row, c);
        // The next label is no value (a blank 项目负责人 beside 联系电话).
        let is_label = LABELS.iter().any(|l| compact(text).starts_with(l)) || text.ends_with('：');
        (!is_label).then(|| (c, text.to_owned()))
    }

    fn number(&self, row: usize, col: usize, what: &str) -> Result<Option<Decimal>, IntakeError> {
        let text = normalise(self.text(row, col)).replace(',', "");
        // A table selfeval wrote prints a published figure beside the
        // computed one, `9.78（原表9）`: the printed one is what the table says.
        let text = match text.split_once("（原表").and_then(|(_, printed)| printed.strip_suffix('）')) {
            Some(printed) => printed.to_owned(),
            None => text,
        };
        if text.is_empty() || matches!(text.as_str(), "—" | "-" | "不适用" | "/" | "／") {
            return Ok(None);
        }
        let text = text.trim_end_matches('%');
        Decimal::from_str_exact(text)
            .map(Some)
            .map_err(|_| self.error(row, col, format!("{what}「{}」不是数字；可接受：如 6.00", self.text(row, col))))
    }
}

impl Grid<'_> {
    /// A label the national layout has and this sheet does not.
    fn missing(&self, label: &str) -> IntakeError {
        IntakeError {
            cell: format!("{}!A1", self.sheet),
            problem: format!("找不到「{label}」：不是全国通用格式的项目支出绩效自评表"),
        }
    }
}

/// An amount of the form in 万元.
fn to_wan(unit: AmountUnit, value: Decimal) -> Decimal {
    match unit {
        AmountUnit::TenThousandYuan => value,
        AmountUnit::Yuan => value / Decimal::from(10_000),
    }
}

/// Reads a filled 自评表 from a sheet's cell texts.
pub fn parse_grid(sheet: &str, rows: &[Vec<String>]) -> Result<FilledForm, IntakeError> {
    let g = Grid { sheet, rows };
    let (r, c) = g.find("项目名称").ok_or_else(|| g.missing("项目名称"))?;
    let name = g.right_of(r, c).map(|(_, t)| t).ok_or_else(|| g.error(r, c + 1, "项目名称为空"))?;
    let beside = |label: &str| g.find(label).and_then(|(r, c)| g.right_of(r, c)).map(|(_, t)| t);
    let section = beside("实施单位");
    let owner = beside("项目负责人").filter(|t| !t.starts_with("—"));
    let unit = amount_unit(&g)?;
    let funds = funds(&g, unit)?;
    let (ind_row, _) = g.find("一级指标").ok_or_else(|| g.missing("一级指标"))?;
    let (goal_expected, goal_actual) = match g.find("预期目标") {
        // The values sit in the row below the headings, above the indicators.
        Some((r, _)) if r + 1 < ind_row => {
            let below = |label: &str| {
                let col = g.column(r, label)?;
                Some(g.text(r + 1, col).to_owned()).filter(|t| !t.is_empty())
            };
            (below("预期目标"), below("实际完成"))
        }
        _ => (None, None),
    };
    let Indicators { indicators, printed_total, printed_grade } = indicators(&g, ind_row)?;
    Ok(FilledForm {
        name,
        section,
        owner,
        unit,
        initial_budget: funds.initial_budget,
        initial_budget_blank: funds.initial_budget_blank,
        unbalanced: funds.unbalanced,
        budget: funds.budget,
        executed: funds.executed,
        budget_weight: funds.budget_weight,
        budget_score: funds.budget_score,
        budget_not_applicable: funds.budget_not_applicable,
        goal_expected,
        goal_actual,
        indicators,
        sources: funds.sources,
        printed_rate: funds.printed_rate,
        code: beside("项目编码").or_else(|| beside("项目代码")).map(|c| normalise(&c)),
        printed_total,
        printed_grade,
        year: g
            .rows
            .iter()
            .enumerate()
            .find_map(|(r, row)| row.iter().enumerate().find_map(|(c, text)| year_of(text).map(|y| (y, g.name(r, c))))),
    })
}

/// The unit of the sheet's amounts: 元 or 万元, from any header that names
/// one (项目资金（万元）, 金额单位：元, 年初预算数（元）…); none is refused
/// rather than guessed.
fn amount_unit(g: &Grid<'_>) -> Result<AmountUnit, IntakeError> {
    let sheet = g.sheet;
    let headerish =
        |t: &str| t.contains("单位") || t.contains("项目资金") || t.contains("预算数") || t.contains("执行数");
    let cells: Vec<String> = g.rows.iter().flatten().map(|c| compact(c)).filter(|c| headerish(c)).collect();
    if cells.iter().any(|c| c.contains("万元")) {
        Ok(AmountUnit::TenThousandYuan)
    } else if cells.iter().any(|c| {
        c.contains("（元）") || c.contains("(元)") || c.contains("：元") || c.contains(":元") || c.ends_with("单位元")
    }) {
        Ok(AmountUnit::Yuan)
    } else {
        Err(IntakeError {
            cell: format!("{sheet}!A1"),
            problem: "找不到金额单位：表头中应写明「万元」或「元」（如 项目资金（万元）、金额单位：元）".into(),
        })
    }
}

/// The money of a sheet: the 年度资金总额 row, its 其中 rows, the printed
/// score, rate and points of 预算执行率.
struct Funds {
    initial_budget: Decimal,
    initial_budget_blank: bool,
    unbalanced: Vec<IntakeError>,
    budget: Decimal,
    executed: Decimal,
    sources: Vec<FundRow>,
    budget_score: Option<Decimal>,
    budget_not_applicable: bool,
    printed_rate: Option<(Decimal, String)>,
    budget_weight: Option<Decimal>,
}

fn funds(g: &Grid<'_>, unit: AmountUnit) -> Result<Funds, IntakeError> {
    let (head_row, _) = g.find("年初预算数").ok_or_else(|| g.missing("年初预算数"))?;
    let column = |label: &str| g.column(head_row, label);
    let (initial_col, budget_col, executed_col) =
        match (column("年初预算数"), column("全年预算数"), column("全年执行数")) {
            (Some(a), Some(b), Some(e)) => (a, b, e),
            _ => return Err(g.error(head_row, 0, "资金表头应有 年初预算数、全年预算数、全年执行数")),
        };
    let score_col = column("得分");
    let weight_col = column("分值");
    let rate_col = column("执行率");
    let (total_row, _) = g.find("年度资金总额").ok_or_else(|| g.missing("年度资金总额"))?;
    // An amount of the form in 万元, by its cell (the total or a 其中 row).
    let amount_at = |row: usize, col: usize, what: &str| -> Result<Decimal, IntakeError> {
        let value = g.number(row, col, what)?.unwrap_or(Decimal::ZERO);
        let wan = to_wan(unit, value);
        if !values::amount_in_range(wan) || wan < Decimal::ZERO {
            return Err(g.error(row, col, format!("{what} {value} 超出范围；可接受：0 至 100,000,000 万元")));
        }
        Ok(wan)
    };
    let amount = |col: usize, what: &str| amount_at(total_row, col, what);
    let initial_budget = amount(initial_col, "年初预算数")?;

    let budget = amount(budget_col, "全年预算数")?;
    let executed = amount(executed_col, "全年执行数")?;
    // The 其中 rows: each fund source's amounts, which must add up to the
    // total (a sheet that does not is refused, naming the cell).
    let mut sources = Vec::new();
    let mut source_rows = Vec::new();
    for r in total_row + 1..g.rows.len().min(total_row + 6) {
        let label = g.rows[r].iter().map(|c| compact(c)).find(|c| !c.is_empty()).unwrap_or_default();
        let label = label.trim_start_matches("其中").trim_start_matches(['：', ':']);
        let source =
            if label.starts_with("本年财政拨款") || label.starts_with("当年财政拨款") || label.starts_with("财政拨款")
            {
                "本年财政拨款"
            } else if label.starts_with("上年结转") {
                "上年结转"
            } else if label.starts_with("其他资金") {
                "其他资金"
            } else {
                continue;
            };
        let read = |col: usize, what: &str| amount_at(r, col, what);
        let row = FundRow {
            source,
            initial_budget: read(initial_col, "年初预算数")?,
            budget: read(budget_col, "全年预算数")?,
            executed: read(executed_col, "全年执行数")?,
        };
        source_rows.push(r);
        if !(row.initial_budget.is_zero() && row.budget.is_zero() && row.executed.is_zero()) {
            sources.push(row);
        }
    }
    // Blank: the total's cell and every 其中 row's (a row with 年初预算数
    // under a blank total is a sum that does not add up).
    let initial_budget_blank =
        g.text(total_row, initial_col).is_empty() && sources.iter().all(|s| s.initial_budget.is_zero());
    let mut unbalanced = Vec::new();
    if !sources.is_empty() {
        for (col, what, total, part) in [
            (initial_col, "年初预算数", initial_budget, sources.iter().map(|s| s.initial_budget).sum::<Decimal>()),
            (budget_col, "全年预算数", budget, sources.iter().map(|s| s.budget).sum()),
            (executed_col, "全年执行数", executed, sources.iter().map(|s| s.executed).sum()),
        ] {
            if total != part {
                let cells: Vec<String> = source_rows.iter().map(|&r| g.name(r, col)).collect();
                unbalanced.push(g.error(
                    total_row,
                    col,
                    format!(
                        "年度资金总额的{what} {} 万元不等于其中各项（{}）之和 {} 万元；可接受：各项之和等于总额的表",
                        values::fmt_plain(total),
                        cells.join("、"),
                        values::fmt_plain(part)
                    ),
                ));
            }
        }
    }
    let budget_score = match score_col {
        Some(col) if !g.text(total_row, col).starts_with("不适用") => g.number(total_row, col, "得分")?,
        _ => None,
    };
    let budget_not_applicable = score_col.is_some_and(|col| g.text(total_row, col).starts_with("不适用"));
    // 执行率 as printed: `86.19%`, or a fraction ≤ 1 from a cell formatted
    // as a percentage.
    let printed_rate = match rate_col {
        Some(col) => g.number(total_row, col, "执行率")?.map(|v| {
            let percent = if v <= Decimal::ONE && !g.text(total_row, col).contains('%') {
                crate::arith::mul(v, crate::arith::hundred())
            } else {
                v
            };
            (percent, g.name(total_row, col))
        }),
        None => None,
    };
    let budget_weight = match weight_col {
        Some(col) => g.number(total_row, col, "分值")?,
        None => None,
    };
    Ok(Funds {
        initial_budget,
        initial_budget_blank,
        unbalanced,
        budget,
        executed,
        sources,
        budget_score,
        budget_not_applicable,
        printed_rate,
        budget_weight,
    })
}

/// The indicator rows of a sheet, and what its 总分 row prints.
struct Indicators {
    indicators: Vec<FilledIndicator>,
    printed_total: Option<Decimal>,
    printed_grade: Option<String>,
}

fn indicators(g: &Grid<'_>, ind_row: usize) -> Result<Indicators, IntakeError> {
    let col_of = |label: &str| g.column(ind_row, label);
    let cols = ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分"].map(col_of);
    let [Some(c1), Some(c2), Some(c3), Some(ct), Some(ca), Some(cw), cs] = cols else {
        return Err(g.error(
            ind_row,
            0,
            "指标表头应有 一级指标、二级指标、三级指标、年度指标值、实际完成值、分值、得分",
        ));
    };
    let cd = col_of("偏差原因");
    let mut indicators = Vec::new();
    let (mut level1, mut level2) = (String::new(), String::new());
    let (mut printed_total, mut printed_grade) = (None, None);
    for r in ind_row + 1..g.rows.len() {
        if g.rows[r].iter().any(|c| compact(c).starts_with("总分")) {
            // What the 总分 row prints is kept beside the computed total; a
            // cell that is not a plain number (`98.5（优）`) is left unread.
            printed_total = cs.and_then(|col| g.number(r, col, "总分").ok().flatten());
            printed_grade = g.rows[r]
                .iter()
                .find_map(|c| {
                    // `自评等级：优（原表良）`: the printed one.
                    let printed = c.split_once("（原表").and_then(|(_, p)| p.strip_suffix('）'));
                    crate::scoring::Grade::parse(printed.unwrap_or(c))
                })
                .map(|g| g.label().to_owned());
            break;
        }
        if !g.text(r, c1).is_empty() {
            level1 = g.text(r, c1).split(['（', '(']).next().unwrap_or_default().trim().to_owned();
            level2.clear();
        }
        if !g.text(r, c2).is_empty() {
            level2 = g.text(r, c2).to_owned();
        }
        let name = g.text(r, c3).to_owned();
        if name.is_empty() {
            continue;
        }
        if level1.is_empty() || level2.is_empty() {
            return Err(g.error(r, c1, "指标行没有一级或二级指标"));
        }
        let weightless = matches!(g.text(r, cw), "/" | "／");
        let weight = match g.number(r, cw, "分值")? {
            Some(weight) => weight,
            None if weightless => Decimal::ZERO,
            None => return Err(g.error(r, cw, "分值为空；可接受：如 20，不适用的指标为 /")),
        };
        indicators.push(FilledIndicator {
            level1: level1.clone(),
            level2: level2.clone(),
            name,
            target: normalise(g.text(r, ct)),
            actual: normalise(g.text(r, ca)),
            weight,
            weightless,
            score: match cs {
                Some(col) => g.number(r, col, "得分")?,
                None => None,
            },
            not_applicable: cs.is_some_and(|col| g.text(r, col) == "不适用"),
            deviation: cd.map(|col| g.text(r, col).to_owned()).filter(|t| !t.is_empty()),
            measure: None,
            cell: g.name(r, c3),
            actual_cell: g.name(r, ca),
        });
    }
    for i in &mut indicators {
        if let Some((deviation, measure)) = i.deviation.clone().as_deref().and_then(|d| d.split_once("改进措施："))
        {
            let deviation = deviation.trim_end_matches('；').trim();
            i.deviation = Some(deviation.to_owned()).filter(|d| !d.is_empty());
            i.measure = Some(measure.trim().to_owned()).filter(|m| !m.is_empty());
        }
    }
    Ok(Indicators { indicators, printed_total, printed_grade })
}

/// Why `form` cannot be recorded into project `code` of `state`, if it
/// cannot (the field to name, and the message): a project with spending
/// or indicators would have them twice; a blank 年初预算数 cannot stand
/// beside one recorded (the table's 全年预算数 would be added to it).
pub fn target_refusal(state: &State, form: &FilledForm, code: &str) -> Option<(&'static str, String)> {
    let p = state.project(code)?;
    if !p.expenditures.is_empty() || !p.indicators.is_empty() {
        return Some((
            "--project",
            format!(
                "项目{code}已有支出或绩效指标，导入会重复记录；可接受：新的项目编号，或尚无支出和指标的已登记项目（已有数据请用普通命令更正）"
            ),
        ));
    }
    (form.initial_budget_blank && !p.budget_lines.is_empty()).then(|| {
        (
            "FILE",
            format!(
                "表中年初预算数为空，而项目{code}已记录年初预算数 {} 万元；可接受：新的项目编号，或先核对该项目的年初预算数（原表为空时不应已有）",
                values::fmt_plain(p.initial_budget().value)
            ),
        )
    })
}

/// A command to record, and its reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Planned {
    /// The command.
    pub command: Command,
    /// Its reason.
    pub reason: Option<String>,
    /// Where in the file it comes from.
    pub cell: Option<String>,
    /// What `--as-printed` records with it although the clerk's path
    /// refuses it (the 其中 rows that do not add up, on the plan's first
    /// budget, spending or indicator).
    pub notes: Vec<String>,
}

/// The ordinary commands that record `form` as project `code`, in `year`:
/// the project (unless registered), the budget and its adjustment, the
/// spending as one 全年执行数 entry, the goal, each indicator and its actual
/// (a qualitative one with the level its printed score falls in), and a
/// printed score kept as an override only where it differs from the
/// computed one (decided by the caller after the actuals, see
/// [`overrides`]). `source` names the file and its SHA-256.
pub fn plan(state: &State, form: &FilledForm, code: &str, source: &str) -> Vec<Planned> {
    let mut plan = Plan { out: Vec::new(), source };
    if state.project(code).is_none() {
        plan.push(
            Command::AddProject {
                code: code.to_owned(),
                name: form.name.clone(),
                category: None,
                section: form.section.clone(),
                budget_weight: form.budget_weight.map(values::fmt_plain),
            },
            plan.why("登记项目"),
            None,
        );
    }
    if form.owner.is_some() && state.project(code).and_then(|p| p.owner.clone()) != form.owner {
        plan.push(
            Command::AmendProject {
                project: code.into(),
                name: None,
                section: None,
                category: None,
                owner: form.owner.clone(),
            },
            plan.why("项目负责人"),
            None,
        );
    }
    plan_money(&mut plan, state, form, code);
    if form.goal_expected.is_some() || form.goal_actual.is_some() {
        plan.push(
            Command::SetGoal {
                project: code.into(),
                expected: form.goal_expected.clone(),
                actual: form.goal_actual.clone(),
            },
            None,
            None,
        );
    }
    if form.budget_not_applicable {
        plan.push(
            Command::MarkNotApplicable { project: code.into(), item: crate::event::BUDGET_ITEM.into() },
            plan.why("预算执行率得分填为不适用"),
            None,
        );
    }
    plan_indicators(&mut plan, state, form, code);
    let mut out = plan.out;
    // The 其中 rows that do not add up go with the first budget command:
    // recorded as printed only under --as-printed (the caller refuses the
    // sheet otherwise).
    let notes: Vec<String> = form
        .unbalanced
        .iter()
        .map(|e| {
            let problem = e.problem.split("；可接受").next().unwrap_or_default();
            format!("原表{}：{problem}（一般导入会拒绝）；按其中各项照录", e.cell)
        })
        .collect();
    // (On the first entry --as-printed may follow: a budget, a spending or
    // an indicator; a plan always has its indicators.)
    let entry = out.iter_mut().find(|p| {
        matches!(
            p.command,
            Command::SetBudget { .. }
                | Command::AdjustBudget { .. }
                | Command::RecordExpenditure { .. }
                | Command::DefineIndicator { .. }
        )
    });
    if let Some(first) = entry {
        first.notes = notes;
    }
    out
}

/// The commands a plan is made of, and the sheet they come from.
struct Plan<'a> {
    out: Vec<Planned>,
    source: &'a str,
}

impl Plan<'_> {
    fn push(&mut self, command: Command, reason: Option<String>, cell: Option<String>) {
        self.out.push(Planned { command, reason, cell, notes: Vec::new() });
    }

    /// The reason of a command: what it records, from which sheet.
    fn why(&self, what: &str) -> Option<String> {
        Some(format!("{what}：据自评表 {}", self.source))
    }
}

/// The budget, its adjustments and the spending a sheet's money rows say.
fn plan_money(plan: &mut Plan<'_>, state: &State, form: &FilledForm, code: &str) {
    let year = state.department().map_or(2024, |d| d.year);
    // By fund source where the sheet's 其中 rows give them, else the whole
    // as 本年财政拨款 (the default source).
    let whole = [FundRow {
        source: "本年财政拨款",
        initial_budget: form.initial_budget,
        budget: form.budget,
        executed: form.executed,
    }];
    let rows: &[FundRow] = if form.sources.is_empty() { &whole } else { &form.sources };
    let named = |row: &FundRow| (!form.sources.is_empty()).then(|| row.source.to_owned());
    let of = |row: &FundRow, what: &str| {
        if form.sources.is_empty() {
            what.to_owned()
        } else {
            format!("{what}（其中{}）", row.source)
        }
    };
    // A budget registered already at the sheet's amount is not set again.
    let registered = |row: &FundRow| {
        let source = crate::event::BudgetSource::parse(row.source);
        state.project(code).is_some_and(|p| {
            p.budget_lines
                .iter()
                .rev()
                .find(|l| Some(l.source) == source)
                .is_some_and(|l| l.amount == row.initial_budget)
        })
    };
    let blank = form.initial_budget_blank;
    for row in
        rows.iter().filter(|r| (!r.initial_budget.is_zero() || form.sources.is_empty()) && !registered(r) && !blank)
    {
        plan.push(
            Command::SetBudget {
                project: code.into(),
                amount: format!("{}万元", values::fmt_plain(row.initial_budget)),
                source: named(row),
            },
            plan.why(&of(row, "年初预算数")),
            None,
        );
    }
    for row in rows {
        let delta = row.budget - row.initial_budget;
        if !delta.is_zero() {
            plan.push(
                Command::AdjustBudget {
                    project: code.into(),
                    delta: format!("{}万元", values::fmt_plain(delta)),
                    doc: None,
                    source: named(row),
                },
                plan.why(&of(row, "全年预算数与年初预算数之差")),
                None,
            );
        }
    }
    for row in rows.iter().filter(|r| r.executed > Decimal::ZERO) {
        plan.push(
            Command::RecordExpenditure {
                project: code.into(),
                amount: format!("{}万元", values::fmt_plain(row.executed)),
                date: format!("{year}-12-31"),
                voucher: None,
                memo: Some("全年执行数".into()),
                source: named(row),
            },
            plan.why(&of(row, "全年执行数")),
            None,
        );
    }
}

/// Each indicator row: its definition, and its actual (or not-applicable
/// mark) where the sheet has one.
fn plan_indicators(plan: &mut Plan<'_>, state: &State, form: &FilledForm, code: &str) {
    let profile = RuleProfile::by_id_or_default(&state.department().map(|d| d.profile.clone()).unwrap_or_default());
    for (k, i) in form.indicators.iter().enumerate() {
        let icode = format!("I{}", k + 1);
        plan.push(
            Command::DefineIndicator {
                project: code.into(),
                indicator: icode.clone(),
                level1: i.level1.clone(),
                level2: i.level2.clone(),
                name: i.name.clone(),
                target: i.target.clone(),
                weight: if i.weightless { "/".to_owned() } else { values::fmt_plain(i.weight) },
            },
            plan.why("绩效指标"),
            Some(i.cell.clone()),
        );
        if i.weightless {
            continue;
        }
        if i.not_applicable {
            plan.push(
                Command::MarkNotApplicable { project: code.into(), item: icode },
                plan.why("得分填为不适用"),
                Some(i.cell.clone()),
            );
            continue;
        }
        // An unfilled actual is left unrecorded (I16 says so); one printed
        // 未填 is recorded blank, its printed score left to `overrides`.
        if i.actual.is_empty() || i.actual == "—" || i.actual == "-" {
            continue;
        }
        let qualitative = matches!(values::parse_target(&i.target), Ok(values::Target::Qualitative { .. }))
            && !values::is_blank(&i.actual);
        let (level, score) = match (qualitative, i.score) {
            // The level the printed score falls in; without a score the
            // level is read from the actual text (达成, 部分达成, 未达成).
            (true, Some(score)) => {
                let level = [QualitativeLevel::Achieved, QualitativeLevel::Partly, QualitativeLevel::NotAchieved]
                    .into_iter()
                    .find(|l| profile.score_in_band(*l, i.weight, score));
                (level.map(|l| l.label().to_owned()), Some(values::fmt_plain(score)))
            }
            _ => (None, None),
        };
        plan.push(
            Command::RecordActual {
                project: code.into(),
                indicator: icode,
                value: i.actual.clone(),
                level,
                score,
                deviation: i.deviation.clone(),
                measure: i.measure.clone(),
            },
            None,
            Some(i.actual_cell.clone()),
        );
    }
}

/// What a form asks for once its entries are recorded: a score override
/// for a printed indicator score that differs from the computed one
/// (quantitative indicators; a qualitative score is recorded as is), and
/// the figures it prints for the project (总分, 执行率, 预算执行率得分, 等级)
/// recorded as printed, beside the computed ones.
pub fn overrides(state: &State, form: &FilledForm, code: &str, source: &str) -> Vec<Planned> {
    let Some(project) = state.project(code) else { return Vec::new() };
    let model = crate::report::ReportModel::build(state, "");
    let Some(report) = model.project(code) else { return Vec::new() };
    let reason = Some(format!("按自评表 {source} 所填得分录入（自动计算的得分不同）"));
    let mut out = Vec::new();
    for (k, i) in form.indicators.iter().enumerate() {
        let icode = format!("I{}", k + 1);
        let row = report.indicators.iter().find(|r| r.code == icode);
        let quantitative = row.is_some_and(|r| r.level.is_none());
        if let (Some(printed), Some(row)) = (i.score, row) {
            if quantitative && Some(printed) != row.score.value {
                out.push(Planned {
                    command: Command::AdjustScore {
                        project: code.into(),
                        item: icode,
                        score: values::fmt_plain(printed),
                    },
                    reason: reason.clone(),
                    cell: Some(i.cell.clone()),
                    notes: Vec::new(),
                });
            }
        }
    }
    // What the form prints for the project as a whole stands beside the
    // computed figures (T1 names each that differs), never in their place.
    let printed = Command::RecordPrinted {
        project: code.into(),
        // As printed, decimals kept (`10.00` stays `10.00`).
        total: form.printed_total.map(|v| v.to_string()),
        execution_rate: form.printed_rate.as_ref().map(|(rate, _)| format!("{rate}%")),
        budget_score: form.budget_score.filter(|_| project.budget_not_applicable.is_none()).map(|v| v.to_string()),
        grade: form.printed_grade.clone(),
    };
    if let Command::RecordPrinted { total: None, execution_rate: None, budget_score: None, grade: None, .. } = printed {
        return out;
    }
    out.push(Planned {
        command: printed,
        reason: Some(format!("据自评表 {source} 所印")),
        cell: None,
        notes: Vec::new(),
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn published_spellings_are_normalised() {
        assert_eq!(normalise("≧９５％"), "≥95%");
        assert_eq!(normalise("＞＝100百分比"), "≥100%");
        assert_eq!(normalise(" ═100% "), "=100%");
        assert_eq!(column_name(0), "A");
        assert_eq!(column_name(5), "F");
        assert_eq!(column_name(26), "AA");
    }
}
