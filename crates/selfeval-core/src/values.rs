//! Parsers for the values people type: amounts, targets, actual values, texts.
//!
//! Every parser returns a [`ValueError`] that says what was wrong and what is
//! accepted; the caller attaches the field name (see [`crate::Rejection`]).

pub mod deadline;

use std::fmt;
use std::str::FromStr;

use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

/// The most characters a name (project, indicator, department) may have.
pub const MAX_NAME_CHARS: usize = 200;
/// The most characters a free text (reason, narrative, measure) may have.
pub const MAX_TEXT_CHARS: usize = 10_000;
/// The most decimals an amount in 万元 may have (one 分 is 0.000001 万元).
pub const MAX_AMOUNT_DECIMALS: u32 = 6;

/// The largest amount accepted, in 万元: 10^8 万元, that is 10^12 元. A
/// department's whole budget is far below it; sums of a million such
/// amounts stay far inside `Decimal`'s range.
pub const MAX_AMOUNT: Decimal = Decimal::from_parts(100_000_000, 0, 0, false, 0);

/// The largest quantity accepted in a target or an actual value: 10^15.
pub const MAX_QUANTITY: Decimal = Decimal::from_parts(2_764_472_320, 232_830, 0, false, 0);

/// The most decimals a target or an actual value may have.
pub const MAX_QUANTITY_DECIMALS: u32 = 6;

/// Whether an amount in 万元 is within the ceiling and the precision of one 分.
pub fn amount_in_range(value: Decimal) -> bool {
    value.abs() <= MAX_AMOUNT && value.normalize().scale() <= MAX_AMOUNT_DECIMALS
}

/// Whether a quantity is within the ceiling and the precision allowed.
pub fn quantity_in_range(value: Decimal) -> bool {
    value.abs() <= MAX_QUANTITY && value.normalize().scale() <= MAX_QUANTITY_DECIMALS
}

fn quantity_error(text: &str, accepted: &'static str) -> ValueError {
    ValueError::new(
        format!("「{text}」超出范围：数值的绝对值不能超过 1,000,000,000,000,000，最多{MAX_QUANTITY_DECIMALS}位小数"),
        accepted,
    )
}

/// Why a typed value was not accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueError {
    /// What was wrong, in Chinese.
    pub problem: String,
    /// What is accepted, in Chinese, with examples.
    pub accepted: &'static str,
}

impl ValueError {
    pub(crate) fn new(problem: impl Into<String>, accepted: &'static str) -> ValueError {
        ValueError { problem: problem.into(), accepted }
    }
}

impl fmt::Display for ValueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}；可接受：{}", self.problem, self.accepted)
    }
}

/// Rounds half away from zero (四舍五入) to `dp` decimals: the only rounding
/// selfeval does. Plain `round_dp` is banker's rounding and is never used.
pub fn round_half_up(value: Decimal, dp: u32) -> Decimal {
    value.round_dp_with_strategy(dp, RoundingStrategy::MidpointAwayFromZero)
}

/// Formats a value with exactly two decimals after 四舍五入 (`"58.79"`).
pub fn fmt2(value: Decimal) -> String {
    let rounded = round_half_up(value, 2);
    format!("{rounded:.2}")
}

/// Formats a value without trailing zeros (`"10"`, `"0.85"`).
pub fn fmt_plain(value: Decimal) -> String {
    value.normalize().to_string()
}

const AMOUNT_ACCEPTED: &str =
    "十进制数，可带单位「万元」「万」「元」（默认万元），如 6.5、215457.60元、2万；带千位分隔符时须写单位（如 215,457.60元）；万元最多6位小数";
/// [`AMOUNT_ACCEPTED`] in a ledger whose unit is 元.
const AMOUNT_ACCEPTED_YUAN: &str =
    "十进制数，可带单位「元」「万元」「万」（默认元：本库金额单位为元），如 3200、215457.60元、2万；带千位分隔符时须写单位（如 215,457.60元）；元最多2位小数";

/// The unit an amount was typed in, or the department's display unit.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum AmountUnit {
    /// 元 (yuan).
    #[serde(rename = "元")]
    Yuan,
    /// 万元 (ten thousand yuan), the default.
    #[default]
    #[serde(rename = "万元")]
    TenThousandYuan,
}

impl AmountUnit {
    /// The unit as printed: `元` or `万元`.
    pub fn label(self) -> &'static str {
        match self {
            AmountUnit::Yuan => "元",
            AmountUnit::TenThousandYuan => "万元",
        }
    }

    /// Parses `元` or `万元`.
    pub fn parse(text: &str) -> Option<AmountUnit> {
        match text.trim() {
            "元" => Some(AmountUnit::Yuan),
            "万元" | "万" => Some(AmountUnit::TenThousandYuan),
            _ => None,
        }
    }

    /// An amount in 万元 written in this unit with two decimals (四舍五入)
    /// and thousands separators: `21,545.76` (元) or `20,000.00` (万元).
    pub fn format(self, wan: Decimal) -> String {
        match self {
            AmountUnit::TenThousandYuan => group_thousands(&fmt2(wan)),
            AmountUnit::Yuan => group_thousands(&fmt2(crate::arith::mul(wan, Decimal::from(10_000)))),
        }
    }

    /// An amount in 万元 written in this unit, exactly (no rounding).
    pub fn exact(self, wan: Decimal) -> String {
        match self {
            AmountUnit::TenThousandYuan => fmt_plain(wan),
            AmountUnit::Yuan => fmt_plain(crate::arith::mul(wan, Decimal::from(10_000))),
        }
    }
}

/// `1234567.89` → `1,234,567.89`.
fn group_thousands(number: &str) -> String {
    let (sign, digits) = number.strip_prefix('-').map_or(("", number), |d| ("-", d));
    let (integer, fraction) = digits.split_once('.').map_or((digits, None), |(i, f)| (i, Some(f)));
    let mut grouped = String::new();
    for (i, c) in integer.chars().enumerate() {
        if i > 0 && (integer.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    match fraction {
        Some(f) => format!("{sign}{grouped}.{f}"),
        None => format!("{sign}{grouped}"),
    }
}

/// Whether a negative amount is allowed (only a change, such as `--delta`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sign {
    /// Zero or more.
    NonNegative,
    /// Any sign.
    Any,
}

/// Parses an amount typed by a person into 万元; a bare number is in
/// `bare`, the ledger's unit (`unit set`; 万元 unless changed).
///
/// Accepts `6.5`, `6.5万元`, `6.5万`, `215,457.60元`, `-0.026` (with
/// [`Sign::Any`]). Rejects exponents, NaN, misplaced thousands separators,
/// separators without a unit and more precision than one 分.
pub fn parse_amount(input: &str, sign: Sign, bare: AmountUnit) -> Result<Decimal, ValueError> {
    let accepted = match bare {
        AmountUnit::TenThousandYuan => AMOUNT_ACCEPTED,
        AmountUnit::Yuan => AMOUNT_ACCEPTED_YUAN,
    };
    let trimmed = input.trim();
    if trimmed.is_empty() {
        return Err(ValueError::new("金额为空", accepted));
    }
    let (number, unit, unit_given) = if let Some(rest) = trimmed.strip_suffix("万元") {
        (rest, AmountUnit::TenThousandYuan, true)
    } else if let Some(rest) = trimmed.strip_suffix('万') {
        (rest, AmountUnit::TenThousandYuan, true)
    } else if let Some(rest) = trimmed.strip_suffix('元') {
        (rest, AmountUnit::Yuan, true)
    } else {
        (trimmed, bare, false)
    };
    let number = number.trim();
    // Errors quote the whole input as typed, unit included.
    let value = parse_plain_decimal(number, accepted).map_err(|e| {
        ValueError::new(e.problem.replacen(&format!("「{number}」"), &format!("「{trimmed}」"), 1), accepted)
    })?;
    // Thousands separators are how 元 are printed (and, since issue 26,
    // large 万元 amounts in the report): without a unit either reading may
    // be meant, 10,000 times apart, so the unit must be written.
    if !unit_given && number.contains(',') {
        return Err(ValueError::new(
            format!("「{trimmed}」带千位分隔符却没有单位，是否为{trimmed}元？（抄自万元报表则为{trimmed}万元）"),
            accepted,
        ));
    }
    if value.is_sign_negative() && !value.is_zero() && sign == Sign::NonNegative {
        return Err(ValueError::new(
            format!("「{trimmed}」是负数，此处金额不能为负（调减预算请用 budget adjust --delta）"),
            accepted,
        ));
    }
    let in_wan = match unit {
        AmountUnit::TenThousandYuan => value,
        AmountUnit::Yuan => value / Decimal::from(10_000),
    };
    let in_wan = in_wan.normalize();
    if in_wan.abs() > MAX_AMOUNT {
        return Err(ValueError::new(
            format!("「{trimmed}」超过金额上限（1,000,000,000,000元，即100,000,000万元）"),
            accepted,
        ));
    }
    if in_wan.scale() > MAX_AMOUNT_DECIMALS {
        return Err(ValueError::new(format!("「{trimmed}」精度超过1分（万元最多6位小数，元最多2位小数）"), accepted));
    }
    Ok(in_wan)
}

/// The form two voucher numbers are compared in (F11), stored as typed:
/// NFKC (full-width letters, digits and the input method's 「－」 as ASCII),
/// every other dash as `-`, no white space. ASCII is returned as it is.
pub fn voucher_key(voucher: &str) -> std::borrow::Cow<'_, str> {
    use unicode_normalization::UnicodeNormalization;
    if voucher.bytes().all(|b| b.is_ascii_graphic()) {
        return std::borrow::Cow::Borrowed(voucher);
    }
    let dash =
        |c: char| matches!(c, '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{2E3A}' | '\u{2E3B}' | '\u{FE58}' | '\u{30FC}');
    std::borrow::Cow::Owned(
        voucher.nfkc().filter(|c| !c.is_whitespace()).map(|c| if dash(c) { '-' } else { c }).collect(),
    )
}

/// Parses a plain decimal: optional sign, digits, optional thousands
/// separators in valid positions, optional fraction. No exponent, no NaN.
fn parse_plain_decimal(text: &str, accepted: &'static str) -> Result<Decimal, ValueError> {
    let (negative, unsigned) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    let (integer, fraction) = match unsigned.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (unsigned, None),
    };
    let integer_ok = !integer.is_empty() && integer.chars().all(|c| c.is_ascii_digit() || c == ',');
    let fraction_ok = fraction.is_none_or(|f| !f.is_empty() && f.chars().all(|c| c.is_ascii_digit()));
    if !integer_ok || !fraction_ok {
        return Err(ValueError::new(format!("「{text}」不是十进制数"), accepted));
    }
    if integer.contains(',') {
        let mut groups = integer.split(',');
        let first = groups.next().unwrap_or_default();
        let valid = (1..=3).contains(&first.len()) && groups.all(|g| g.len() == 3);
        if !valid {
            return Err(ValueError::new(
                format!("「{text}」的千位分隔符位置不对（应每三位一个，如 215,457.60）"),
                accepted,
            ));
        }
    }
    let mut digits = integer.replace(',', "");
    if let Some(f) = fraction {
        digits.push('.');
        digits.push_str(f);
    }
    let magnitude = Decimal::from_str_exact(&digits)
        .map_err(|_| ValueError::new(format!("「{text}」超出可表示的范围或精度"), accepted))?;
    Ok(if negative { -magnitude } else { magnitude })
}

const NUMBER_ACCEPTED: &str = "十进制数，如 10、0.5、98.6";

/// Parses a plain non-negative number such as a weight or a score.
pub fn parse_number(input: &str) -> Result<Decimal, ValueError> {
    let value = parse_plain_decimal(input.trim(), NUMBER_ACCEPTED)?;
    if value.is_sign_negative() && !value.is_zero() {
        return Err(ValueError::new(format!("「{}」是负数", input.trim()), NUMBER_ACCEPTED));
    }
    Ok(value.normalize())
}

/// The comparison of a quantitative target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Operator {
    /// ≥ (at least): a positive indicator.
    #[serde(rename = ">=")]
    AtLeast,
    /// > (more than): a positive indicator.
    #[serde(rename = ">")]
    MoreThan,
    /// = (equal): scored as positive when the target is above zero.
    #[serde(rename = "=")]
    Equal,
    /// ≤ (at most): a reverse indicator.
    #[serde(rename = "<=")]
    AtMost,
    /// < (less than): a reverse indicator.
    #[serde(rename = "<")]
    LessThan,
}

impl Operator {
    /// The symbol printed in reports.
    pub fn symbol(self) -> &'static str {
        match self {
            Operator::AtLeast => "≥",
            Operator::MoreThan => ">",
            Operator::Equal => "=",
            Operator::AtMost => "≤",
            Operator::LessThan => "<",
        }
    }

    /// Whether a smaller actual is better (≤, <).
    pub fn is_reverse(self) -> bool {
        matches!(self, Operator::AtMost | Operator::LessThan)
    }
}

/// Operator spellings, longest first so that `>=` wins over `>`: ASCII,
/// full-width, the small forms (U+FE64–FE66, printed in real tables) and
/// the slanted ⩾ ⩽.
const OPERATOR_SPELLINGS: &[(&str, Operator)] = &[
    ("＞＝", Operator::AtLeast),
    ("＜＝", Operator::AtMost),
    ("﹥﹦", Operator::AtLeast),
    ("﹤﹦", Operator::AtMost),
    ("⩾", Operator::AtLeast),
    ("⩽", Operator::AtMost),
    ("﹦", Operator::Equal),
    ("﹥", Operator::MoreThan),
    ("﹤", Operator::LessThan),
    (">=", Operator::AtLeast),
    ("<=", Operator::AtMost),
    ("≥", Operator::AtLeast),
    ("≧", Operator::AtLeast),
    ("≤", Operator::AtMost),
    ("≦", Operator::AtMost),
    ("＝", Operator::Equal),
    ("═", Operator::Equal),
    ("=", Operator::Equal),
    ("＞", Operator::MoreThan),
    (">", Operator::MoreThan),
    ("＜", Operator::LessThan),
    ("<", Operator::LessThan),
];

/// A target (年度指标值): quantitative (operator, number, unit) or qualitative.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Target {
    /// `≥50个`, `<=90万元`, `=100%`.
    Quantitative {
        /// The comparison.
        op: Operator,
        /// The number A.
        #[serde(with = "rust_decimal::serde::str")]
        value: Decimal,
        /// The unit (`%` for 百分比), possibly empty.
        unit: String,
    },
    /// Any other text, such as `效果明显`.
    Qualitative {
        /// The text as typed.
        text: String,
    },
    /// A completion deadline (`2023年12月`, `≤2023年12月`, `2023-12-31前`):
    /// see [`crate::values::deadline`].
    Deadline {
        /// The last day it allows.
        by: chrono::NaiveDate,
        /// The text as typed.
        text: String,
    },
    /// A blank cell (`--target ""` or 未填), recorded as printed: no
    /// score can be computed against it.
    Blank,
}

impl Target {
    /// The target as printed in the 自评表 (`≥95%`).
    pub fn display(&self) -> String {
        match self {
            Target::Quantitative { op, value, unit } => {
                format!("{}{}{}", op.symbol(), fmt_plain(*value), unit)
            }
            Target::Qualitative { text } | Target::Deadline { text, .. } => text.clone(),
            Target::Blank => String::new(),
        }
    }
}

/// The ways a blank cell is typed: nothing, or 「未填」.
pub fn is_blank(input: &str) -> bool {
    matches!(input.trim(), "" | "未填")
}

const TARGET_ACCEPTED: &str =
    "运算符+数字+单位（如 ≥50个、<=90万元、=100%、＞＝95百分比），纯数字（视为 =），完成时限（如 2023年12月、≤2023年12月、2023-12-31前），定性文字（如 效果明显），或空（\"\"、未填）";

fn normalize_unit(unit: &str) -> String {
    let unit = unit.trim();
    match unit {
        "百分比" | "％" => "%".to_owned(),
        other => other.to_owned(),
    }
}

/// Splits `98.5%` into the number text and the unit text.
fn split_number_unit(text: &str) -> (&str, &str) {
    let end = text
        .char_indices()
        .find(|(_, c)| !(c.is_ascii_digit() || *c == '.' || *c == ',' || *c == '-' || *c == '+'))
        .map_or(text.len(), |(i, _)| i);
    (&text[..end], &text[end..])
}

fn plausible_unit(unit: &str) -> bool {
    let unit = unit.trim();
    unit.chars().count() <= 10 && !unit.chars().any(|c| c.is_ascii_digit() || c.is_whitespace())
}

/// Parses a target as typed: operator + number + unit in ASCII or full-width
/// form, a bare number (read as `=`), or qualitative text.
pub fn parse_target(input: &str) -> Result<Target, ValueError> {
    let trimmed = input.trim();
    if is_blank(trimmed) {
        return Ok(Target::Blank);
    }
    if let Some(by) = crate::values::deadline::parse_deadline(trimmed, None) {
        return Ok(Target::Deadline { by, text: trimmed.to_owned() });
    }
    if let Some((spelling, op)) = OPERATOR_SPELLINGS.iter().find(|(s, _)| trimmed.starts_with(s)) {
        let rest = trimmed[spelling.len()..].trim_start();
        if let Some(by) = crate::values::deadline::parse_deadline(rest, Some(*op)) {
            return Ok(Target::Deadline { by, text: trimmed.to_owned() });
        }
        if crate::values::deadline::parse_deadline(rest, None).is_some() {
            return Err(ValueError::new(
                format!("「{trimmed}」是完成时限，时限只能以 ≤ 或 < 比较（或不写比较符）"),
                "2023年12月、≤2023年12月、<2024年1月、2023-12-31前",
            ));
        }
        let (number, unit) = split_number_unit(rest);
        let value = parse_plain_decimal(number, TARGET_ACCEPTED)
            .map_err(|_| ValueError::new(format!("「{trimmed}」以运算符开头，但其后不是数字"), TARGET_ACCEPTED))?;
        if !quantity_in_range(value) {
            return Err(quantity_error(trimmed, TARGET_ACCEPTED));
        }
        if !plausible_unit(unit) {
            return Err(ValueError::new(
                format!("「{trimmed}」的单位「{}」无法识别（单位不能含数字或空格，最多10个字）", unit.trim()),
                TARGET_ACCEPTED,
            ));
        }
        return Ok(Target::Quantitative { op: *op, value: value.normalize(), unit: normalize_unit(unit) });
    }
    let (number, unit) = split_number_unit(trimmed);
    if !number.is_empty() && plausible_unit(unit) {
        if let Ok(value) = parse_plain_decimal(number, TARGET_ACCEPTED) {
            if !quantity_in_range(value) {
                return Err(quantity_error(trimmed, TARGET_ACCEPTED));
            }
            return Ok(Target::Quantitative {
                op: Operator::Equal,
                value: value.normalize(),
                unit: normalize_unit(unit),
            });
        }
    }
    check_name(trimmed).map_err(|e| ValueError::new(e.problem, TARGET_ACCEPTED))?;
    Ok(Target::Qualitative { text: trimmed.to_owned() })
}

/// The boundary an actual value names when it copies its quantitative
/// target (`≥80%` → `80%`; ≧ ＞＝ spell the same operator), as published
/// tables print for 满意度 rows; `None` when it is no such copy. A copy
/// with another operator (`<80%` for `≥80%`) says the opposite of meeting
/// the target and is refused.
pub fn copied_target(input: &str, op: Operator) -> Result<Option<String>, ValueError> {
    let Some(first) = input.trim().chars().next() else { return Ok(None) };
    if first.is_ascii_digit() || matches!(first, '-' | '+' | '.') {
        return Ok(None);
    }
    match parse_target(input) {
        Ok(Target::Quantitative { op: typed, value, unit }) if typed == op => {
            Ok(Some(format!("{}{unit}", fmt_plain(value))))
        }
        Ok(Target::Quantitative { .. }) => Err(ValueError::new(
            format!("「{}」的比较符与年度指标值的「{}」不同：照抄年度指标值时须与之相同", input.trim(), op.symbol()),
            "数字，可带与年度指标值相同的单位，如 98、98%、120个",
        )),
        _ => Ok(None),
    }
}

/// Parses the actual value (实际完成值) of a quantitative indicator: a number,
/// optionally followed by the target's unit ([`copied_target`] reads a copy
/// of the target first).
pub fn parse_actual_number(input: &str, unit: &str) -> Result<Decimal, ValueError> {
    const ACCEPTED: &str = "数字，可带与年度指标值相同的单位，如 98、98%、120个";
    let trimmed = input.trim();
    let (number, typed_unit) = split_number_unit(trimmed);
    let typed_unit = normalize_unit(typed_unit);
    if number.is_empty() {
        return Err(ValueError::new(format!("「{trimmed}」不是数字，定量指标的实际完成值须为数字"), ACCEPTED));
    }
    if typed_unit.is_empty() && unit == "%" {
        // 0.95 for a ≥90% target is a fraction typed for a percentage; 95
        // is a percentage without its sign.
        let hint = parse_plain_decimal(number, ACCEPTED)
            .ok()
            .map(|v| {
                let percent = if v.abs() <= Decimal::ONE { crate::arith::mul(v, Decimal::ONE_HUNDRED) } else { v };
                format!("（是否为{}%？）", fmt_plain(percent))
            })
            .unwrap_or_default();
        return Err(ValueError::new(
            format!("「{trimmed}」没有单位「%」：年度指标值以%计，实际完成值也须写%{hint}"),
            "以%计的数，如 95%",
        ));
    }
    if typed_unit == "%" && unit.is_empty() {
        return Err(ValueError::new(
            format!(
                "「{trimmed}」以%计，而年度指标值是不带单位的数：两者须同一单位；若年度指标值本是百分比，请先用 indicator amend --target 更正为带%的值"
            ),
            "与年度指标值相同单位的数（不带单位），或先把年度指标值更正为百分比",
        ));
    }
    if !typed_unit.is_empty() && typed_unit != unit {
        return Err(ValueError::new(
            format!("「{trimmed}」的单位「{typed_unit}」与年度指标值的单位「{unit}」不同"),
            ACCEPTED,
        ));
    }
    let value = parse_plain_decimal(number, ACCEPTED)?;
    if !quantity_in_range(value) {
        return Err(quantity_error(trimmed, ACCEPTED));
    }
    Ok(value.normalize())
}

/// The three levels of a qualitative indicator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QualitativeLevel {
    /// 达成年度指标: 0.8w ≤ s ≤ w.
    Achieved,
    /// 部分达成年度指标并具有一定效果: 0.6w ≤ s < 0.8w.
    Partly,
    /// 未达成年度指标且效果较差: 0 ≤ s < 0.6w.
    NotAchieved,
}

impl QualitativeLevel {
    /// The full label printed in reports.
    pub fn label(self) -> &'static str {
        match self {
            QualitativeLevel::Achieved => "达成年度指标",
            QualitativeLevel::Partly => "部分达成年度指标并具有一定效果",
            QualitativeLevel::NotAchieved => "未达成年度指标且效果较差",
        }
    }
}

const LEVEL_ACCEPTED: &str = "达成（达成年度指标、达成预期指标、达到预期目标）、部分达成（部分达成年度指标并具有一定效果）、未达成（未达成年度指标且效果较差）";

impl FromStr for QualitativeLevel {
    type Err = ValueError;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        match input.trim() {
            "达成年度指标" | "达成" | "达成预期指标" | "达到预期目标" | "achieved" => {
                Ok(QualitativeLevel::Achieved)
            }
            "部分达成年度指标并具有一定效果" | "部分达成" | "partly" => Ok(QualitativeLevel::Partly),
            "未达成年度指标且效果较差" | "未达成" | "not_achieved" => Ok(QualitativeLevel::NotAchieved),
            other => Err(ValueError::new(format!("「{other}」不是定性指标的完成等级"), LEVEL_ACCEPTED)),
        }
    }
}

/// Checks a name: not empty, at most [`MAX_NAME_CHARS`] characters.
pub fn check_name(text: &str) -> Result<(), ValueError> {
    const ACCEPTED: &str = "不超过200个字符的一行文字，首尾无空白，不含控制字符、双向控制符或零宽字符";
    check_text_limit(text, MAX_NAME_CHARS, ACCEPTED)?;
    if text.trim() != text {
        return Err(ValueError::new(format!("「{}」首尾有空白", visible(text)), ACCEPTED));
    }
    if let Some(c) = text.chars().find(|c| ZERO_WIDTH.contains(c)) {
        return Err(ValueError::new(format!("「{}」含零宽字符 U+{:04X}", visible(text), c as u32), ACCEPTED));
    }
    forbidden_chars(text, false, ACCEPTED)
}

/// Zero-width characters: invisible, so a name with one looks like another.
const ZERO_WIDTH: [char; 5] = ['\u{200B}', '\u{200C}', '\u{200D}', '\u{2060}', '\u{FEFF}'];

/// Bidirectional text controls: they reorder what a terminal or a page shows.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

/// Refuses control characters (a newline only where `newline` allows it)
/// and bidirectional controls.
fn forbidden_chars(text: &str, newline: bool, accepted: &'static str) -> Result<(), ValueError> {
    for c in text.chars() {
        let what = if c == '\n' && newline {
            continue;
        } else if c.is_control() {
            "控制字符"
        } else if is_bidi_control(c) {
            "双向文字控制符"
        } else {
            continue;
        };
        return Err(ValueError::new(format!("「{}」含{what} U+{:04X}", visible(text), c as u32), accepted));
    }
    Ok(())
}

/// Text with its invisible characters spelled out, for error messages.
pub fn visible(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if c.is_control() || is_bidi_control(c) || ZERO_WIDTH.contains(&c) {
            out.push_str(&format!("\\u{{{:04X}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

/// Checks a command id (`--command-id`): 1–128 printable characters.
pub fn check_command_id(text: &str) -> Result<(), ValueError> {
    const ACCEPTED: &str = "1–128个可打印字符（不含空白、控制字符），如 2024-06-30-记-0633";
    let count = text.chars().count();
    let printable =
        text.chars().all(|c| !c.is_control() && !c.is_whitespace() && !is_bidi_control(c) && !ZERO_WIDTH.contains(&c));
    if count == 0 {
        return Err(ValueError::new("命令编号为空", ACCEPTED));
    }
    if count > 128 {
        return Err(ValueError::new(format!("命令编号有{count}个字符，超过128"), ACCEPTED));
    }
    if !printable {
        return Err(ValueError::new(format!("「{}」含空白或不可打印的字符", visible(text)), ACCEPTED));
    }
    Ok(())
}

/// Checks a free text: not empty, at most [`MAX_TEXT_CHARS`] characters.
pub fn check_text(text: &str) -> Result<(), ValueError> {
    const ACCEPTED: &str = "不超过10000个字符的非空文字，可分行，不含其他控制字符或双向控制符";
    check_text_limit(text, MAX_TEXT_CHARS, ACCEPTED)?;
    if text.chars().all(|c| c.is_whitespace() || ZERO_WIDTH.contains(&c)) {
        return Err(ValueError::new("文字只有空白或零宽字符", ACCEPTED));
    }
    forbidden_chars(text, true, ACCEPTED)
}

fn check_text_limit(text: &str, max: usize, accepted: &'static str) -> Result<(), ValueError> {
    if text.trim().is_empty() {
        return Err(ValueError::new("文字为空", accepted));
    }
    let count = text.chars().count();
    if count > max {
        return Err(ValueError::new(format!("文字有{count}个字符，超过上限{max}（不会截断）"), accepted));
    }
    Ok(())
}

/// Whether `text` is a SHA-256 in lower-case hex (64 characters).
pub fn is_sha256_hex(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Checks a code (project, indicator, problem): 1–32 ASCII letters, digits,
/// `-`, `_` or `.`, starting with a letter or digit.
pub fn check_code(text: &str) -> Result<(), ValueError> {
    const ACCEPTED: &str = "1–32个ASCII字母、数字或 - _ .，以字母或数字开头，如 P01、I1、Q1";
    let valid = !text.is_empty()
        && text.len() <= 32
        && text.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
        && text.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if valid {
        Ok(())
    } else {
        Err(ValueError::new(format!("「{text}」不是有效的编号"), ACCEPTED))
    }
}

#[cfg(test)]
mod ceiling_tests {
    use super::*;

    #[test]
    fn ceilings_are_what_the_spec_says() {
        assert_eq!(MAX_AMOUNT, Decimal::from(100_000_000));
        assert_eq!(MAX_QUANTITY, Decimal::from(1_000_000_000_000_000i64));
        assert!(parse_amount("1,000,000,000,000元", Sign::NonNegative, AmountUnit::TenThousandYuan).is_ok());
        let too_much =
            parse_amount("1,000,000,000,000.01元", Sign::NonNegative, AmountUnit::TenThousandYuan).unwrap_err();
        assert_eq!(
            too_much.problem,
            "「1,000,000,000,000.01元」超过金额上限（1,000,000,000,000元，即100,000,000万元）"
        );
        assert!(parse_amount("50000000000000000000000000000", Sign::NonNegative, AmountUnit::TenThousandYuan).is_err());
        assert!(parse_amount("-79228162514264337593543950335", Sign::Any, AmountUnit::TenThousandYuan).is_err());
        assert!(parse_target("≥0.0000000000000000000001个").is_err());
        assert!(parse_target("≥0.000001个").is_ok());
        assert!(parse_actual_number("99999999999999999999999999个", "个").is_err());
        assert!(parse_actual_number("1000000000000000个", "个").is_ok());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ymd(y: i32, m: u32, d: u32) -> chrono::NaiveDate {
        chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn d(s: &str) -> Decimal {
        Decimal::from_str_exact(s).unwrap()
    }

    #[test]
    fn vouchers_compare_in_any_width_and_dash() {
        for typed in ["记－0801", "记—0801", "记‐0801", "记 - 0801", "记-０８０１", "记−0801"] {
            assert_eq!(voucher_key(typed), "记-0801", "{typed}");
        }
        assert!(matches!(voucher_key("JZ-0801"), std::borrow::Cow::Borrowed("JZ-0801")));
        assert_ne!(voucher_key("记-0801"), voucher_key("记-0810"));
    }

    #[test]
    fn amounts_parse_in_wan_yuan() {
        let cases = [
            ("6", "6"),
            ("6.50", "6.5"),
            ("6.5万元", "6.5"),
            ("2万", "2"),
            ("215,457.60元", "21.54576"),
            ("250,000元", "25"),
            ("1,234,567.123456万元", "1234567.123456"),
            ("0.01元", "0.000001"),
            (" 58.79 ", "58.79"),
        ];
        for (input, expected) in cases {
            assert_eq!(
                parse_amount(input, Sign::NonNegative, AmountUnit::TenThousandYuan).unwrap(),
                d(expected),
                "{input}"
            );
        }
        assert_eq!(parse_amount("-0.026", Sign::Any, AmountUnit::TenThousandYuan).unwrap(), d("-0.026"));
    }

    #[test]
    fn bad_amounts_are_rejected_with_the_reason() {
        let cases = [
            ("", "金额为空"),
            ("1e5", "不是十进制数"),
            ("NaN", "不是十进制数"),
            ("inf", "不是十进制数"),
            ("12,34万元", "千位分隔符位置不对"),
            ("1,2345元", "千位分隔符位置不对"),
            (",123万", "千位分隔符位置不对"),
            // Separators are how 元 are printed: without a unit, asked.
            ("21,545.76", "「21,545.76」带千位分隔符却没有单位，是否为21,545.76元？（抄自万元报表则为21,545.76万元）"),
            ("12,34", "千位分隔符位置不对"),
            ("1.", "不是十进制数"),
            ("0.0000001", "精度超过1分"),
            ("0.001元", "精度超过1分"),
            ("-5", "不能为负"),
            ("5美元", "「5美元」不是十进制数"),
            ("12,34万元", "「12,34万元」的千位分隔符位置不对"),
        ];
        for (input, expected) in cases {
            let error = parse_amount(input, Sign::NonNegative, AmountUnit::TenThousandYuan).unwrap_err();
            assert!(error.problem.contains(expected), "{input}: {error}");
            assert_eq!(error.accepted, AMOUNT_ACCEPTED);
        }
    }

    #[test]
    fn targets_parse_in_ascii_and_full_width() {
        let q = |op, v: &str, u: &str| Target::Quantitative { op, value: d(v), unit: u.to_owned() };
        let cases = [
            ("≥50个", q(Operator::AtLeast, "50", "个")),
            (">=50个", q(Operator::AtLeast, "50", "个")),
            ("＞＝95百分比", q(Operator::AtLeast, "95", "%")),
            ("≧95%", q(Operator::AtLeast, "95", "%")),
            ("<=90万元", q(Operator::AtMost, "90", "万元")),
            ("≦90万元", q(Operator::AtMost, "90", "万元")),
            ("＜＝90万元", q(Operator::AtMost, "90", "万元")),
            ("=100%", q(Operator::Equal, "100", "%")),
            ("＝100％", q(Operator::Equal, "100", "%")),
            ("═100%", q(Operator::Equal, "100", "%")),
            ("﹦100%", q(Operator::Equal, "100", "%")),
            ("﹥﹦95%", q(Operator::AtLeast, "95", "%")),
            ("﹤3天", q(Operator::LessThan, "3", "天")),
            ("⩾80分", q(Operator::AtLeast, "80", "分")),
            ("⩽5天", q(Operator::AtMost, "5", "天")),
            ("＞3次", q(Operator::MoreThan, "3", "次")),
            ("<2天", q(Operator::LessThan, "2", "天")),
            ("100", q(Operator::Equal, "100", "")),
            ("98.5%", q(Operator::Equal, "98.5", "%")),
            ("≥ 2 次/年", q(Operator::AtLeast, "2", "次/年")),
            ("效果明显", Target::Qualitative { text: "效果明显".to_owned() }),
            ("达成年度指标", Target::Qualitative { text: "达成年度指标".to_owned() }),
            ("≤2023年12月", Target::Deadline { by: ymd(2023, 12, 31), text: "≤2023年12月".to_owned() }),
            ("2023-12-31前", Target::Deadline { by: ymd(2023, 12, 31), text: "2023-12-31前".to_owned() }),
            ("2023年12月", Target::Deadline { by: ymd(2023, 12, 31), text: "2023年12月".to_owned() }),
        ];
        for (input, expected) in cases {
            assert_eq!(parse_target(input).unwrap(), expected, "{input}");
        }
    }

    #[test]
    fn bad_targets_are_rejected() {
        assert!(parse_target("≥abc").unwrap_err().problem.contains("其后不是数字"));
        assert_eq!(parse_target("").unwrap(), Target::Blank);
        assert_eq!(parse_target("未填").unwrap(), Target::Blank);
        assert!(parse_target("≥2023年12月").unwrap_err().problem.contains("时限只能以 ≤ 或 < 比较"));
        assert!(parse_target("≥5 个 2").unwrap_err().problem.contains("单位"));
    }

    #[test]
    fn actual_numbers_check_the_unit() {
        assert_eq!(parse_actual_number("98%", "%").unwrap(), d("98"));
        assert_eq!(
            parse_actual_number("98", "%").unwrap_err().problem,
            "「98」没有单位「%」：年度指标值以%计，实际完成值也须写%（是否为98%？）"
        );
        assert!(parse_actual_number("0.98", "%").unwrap_err().problem.ends_with("（是否为98%？）"));
        let mixed = parse_actual_number("98%", "").unwrap_err().problem;
        assert!(mixed.starts_with("「98%」以%计，而年度指标值是不带单位的数"), "{mixed}");
        assert_eq!(parse_actual_number("98", "个").unwrap(), d("98"));
        assert!(parse_actual_number("98个", "%").unwrap_err().problem.contains("单位"));
        assert!(parse_actual_number("很好", "%").unwrap_err().problem.contains("不是数字"));
    }

    #[test]
    fn levels_accept_synonyms() {
        for s in ["达成年度指标", "达成", "达成预期指标", "达到预期目标"] {
            assert_eq!(s.parse::<QualitativeLevel>().unwrap(), QualitativeLevel::Achieved);
        }
        assert_eq!("部分达成".parse::<QualitativeLevel>().unwrap(), QualitativeLevel::Partly);
        assert_eq!("未达成".parse::<QualitativeLevel>().unwrap(), QualitativeLevel::NotAchieved);
        assert!("差不多".parse::<QualitativeLevel>().is_err());
    }

    #[test]
    fn text_limits_reject_rather_than_truncate() {
        assert!(check_name(&"名".repeat(200)).is_ok());
        assert!(check_name(&"名".repeat(201)).unwrap_err().problem.contains("201"));
        assert!(check_text(&"字".repeat(10_000)).is_ok());
        assert!(check_text(&"字".repeat(10_001)).is_err());
        assert!(check_text("  ").is_err());
    }

    #[test]
    fn rounding_is_half_away_from_zero() {
        assert_eq!(fmt2(d("2.345")), "2.35");
        assert_eq!(fmt2(d("86.125")), "86.13");
        assert_eq!(fmt2(d("-2.345")), "-2.35");
        assert_eq!(fmt2(d("10")), "10.00");
    }
}
