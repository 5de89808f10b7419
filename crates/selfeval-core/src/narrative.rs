//! Reading what people wrote: sentences, the projects and indicators a
//! sentence names, what it claims about an indicator (未完成, 超额完成,
//! N%以上), and the labelled figures it quotes (预算总额 X万元, 预算执行率
//! X%, 平均…X分, 得分 X分, 共N个项目).
//!
//! Only labelled numbers are read: dates, document numbers and counts of
//! people carry no label and are left alone.

use std::sync::LazyLock;

use regex::Regex;
use rust_decimal::Decimal;

/// Splits a text into sentences at 。；！？ and line breaks.
pub fn sentences(text: &str) -> Vec<&str> {
    text.split(['。', '；', '！', '？', '\n', ';']).map(str::trim).filter(|s| !s.is_empty()).collect()
}

/// What a sentence claims about an indicator's completion.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Claims {
    /// 未完成 / 未达到 / 未达成 …
    pub unmet: bool,
    /// 超额完成 / 超额 …
    pub exceeded: bool,
    /// "N%以上" where N is the profile's over-deviation threshold: that
    /// threshold, as a fraction (`0.3`).
    pub beyond: Option<Decimal>,
}

impl Claims {
    /// True when the sentence claims anything.
    pub fn any(self) -> bool {
        self.unmet || self.exceeded || self.beyond.is_some()
    }
}

const UNMET: [&str; 6] = ["未完成", "未达到", "未达成", "未能完成", "没有完成", "没有达到"];
const EXCEEDED: [&str; 2] = ["超额", "超出目标"];

/// A percentage followed by 以上: `30%以上`, `三十％以上`, `百分之三十以上`,
/// and the bare `30以上` that reports write for the threshold.
static BEYOND: LazyLock<Regex> = LazyLock::new(|| {
    let number = r"\d{1,3}(?:\.\d+)?|[一二三四五六七八九]?十[一二三四五六七八九]?|[一二三四五六七八九]";
    Regex::new(&format!(r"({number})\s*[%％]?\s*以上|百分之({number})以上")).expect("a valid pattern")
});

/// A number as written in a claim: ASCII digits or Chinese numerals below 100.
fn claimed_number(text: &str) -> Option<Decimal> {
    if let Ok(value) = Decimal::from_str_exact(text) {
        return Some(value);
    }
    let digit = |c: char| "一二三四五六七八九".chars().position(|d| d == c).map(|i| i as i64 + 1);
    let chars: Vec<char> = text.chars().collect();
    let value = match chars.as_slice() {
        ['十'] => 10,
        [d] => digit(*d)?,
        ['十', u] => 10 + digit(*u)?,
        [t, '十'] => digit(*t)? * 10,
        [t, '十', u] => digit(*t)? * 10 + digit(*u)?,
        _ => return None,
    };
    Some(Decimal::from(value))
}

/// Where a sentence says "`threshold` 以上" (the profile's deviation
/// threshold, as a fraction): other percentages are not claims about the
/// deviation rule and are left alone.
fn beyond_at(sentence: &str, threshold: Decimal) -> Option<usize> {
    let percent = threshold * Decimal::from(100);
    BEYOND.captures_iter(sentence).find_map(|captures| {
        let number = captures.iter().skip(1).flatten().next()?;
        (claimed_number(number.as_str())? == percent).then(|| captures.get(0).map_or(0, |m| m.start()))
    })
}

/// The completion claims of a sentence, given the profile's over-deviation
/// threshold (a fraction, `0.3`).
pub fn claims(sentence: &str, threshold: Decimal) -> Claims {
    Claims {
        unmet: UNMET.iter().any(|w| sentence.contains(w)),
        exceeded: EXCEEDED.iter().any(|w| sentence.contains(w)),
        beyond: beyond_at(sentence, threshold).map(|_| threshold),
    }
}

/// The byte offset of the first claim in a sentence, if it makes one.
pub fn claim_position(sentence: &str, threshold: Decimal) -> Option<usize> {
    let words = UNMET.iter().chain(EXCEEDED.iter()).filter_map(|w| sentence.find(w));
    words.chain(beyond_at(sentence, threshold)).min()
}

/// The length, in characters, of the longest run of characters that `a` and
/// `b` share.
pub fn longest_common_run(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut best = 0;
    let mut previous = vec![0usize; b.len() + 1];
    for x in &a {
        let mut current = vec![0usize; b.len() + 1];
        for (j, y) in b.iter().enumerate() {
            if x == y && !matches!(x, '，' | '、' | '的' | ' ') {
                current[j + 1] = previous[j] + 1;
                best = best.max(current[j + 1]);
            }
        }
        previous = current;
    }
    best
}

/// The shortest run that counts as naming an indicator.
pub const MIN_NAME_RUN: usize = 3;

/// Ways a sentence may name a project: its name, the name without a
/// trailing 专项资金/资金/经费/项目, and its category.
pub fn project_keys(name: &str, category: Option<&str>) -> Vec<String> {
    let mut keys = vec![name.to_owned()];
    for suffix in ["专项资金", "资金", "经费", "项目"] {
        if let Some(stem) = name.strip_suffix(suffix) {
            if stem.chars().count() >= 2 {
                keys.push(stem.to_owned());
            }
        }
    }
    if let Some(category) = category {
        if category.chars().count() >= 2 {
            keys.push(category.to_owned());
        }
    }
    keys
}

/// Finds where sentences name projects, with one automaton over every key
/// of every project (a department may have ten thousand).
pub struct ProjectNames {
    automaton: Option<aho_corasick::AhoCorasick>,
    owners: Vec<usize>,
}

impl ProjectNames {
    /// Builds the matcher over (name, category) of each project, in order.
    pub fn new<'a>(projects: impl IntoIterator<Item = (&'a str, Option<&'a str>)>) -> ProjectNames {
        let mut keys = Vec::new();
        let mut owners = Vec::new();
        for (i, (name, category)) in projects.into_iter().enumerate() {
            for key in project_keys(name, category) {
                keys.push(key);
                owners.push(i);
            }
        }
        let automaton = (!keys.is_empty())
            .then(|| aho_corasick::AhoCorasick::new(&keys).expect("project names build an automaton"));
        ProjectNames { automaton, owners }
    }

    /// Every mention in a sentence: (byte start, byte end, project position), by start.
    pub fn mentions(&self, sentence: &str) -> Vec<(usize, usize, usize)> {
        let Some(automaton) = &self.automaton else { return Vec::new() };
        let mut found: Vec<(usize, usize, usize)> = automaton
            .find_overlapping_iter(sentence)
            .map(|m| (m.start(), m.end(), self.owners[m.pattern().as_usize()]))
            .collect();
        found.sort_unstable();
        found
    }
}

/// What a labelled figure is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Label {
    /// 预算总额 X万元 (the department).
    BudgetTotal,
    /// 实际执行金额 / 执行数 X万元.
    Executed,
    /// 预算执行率 / 执行率 X%.
    Rate,
    /// 平均…X分 (the department).
    Average,
    /// 自评分数 / 得分 / 总分 X分 (a project).
    Score,
    /// 得分 X分 right after an execution rate: 预算执行率为86.19%，得分8.62分
    /// (the budget execution row's score, not the project's total).
    RateScore,
    /// 共N个项目 (the department).
    ProjectCount,
}

impl Label {
    /// The Chinese name of the figure.
    pub fn name(self) -> &'static str {
        match self {
            Label::BudgetTotal => "预算总额",
            Label::Executed => "实际执行金额",
            Label::Rate => "预算执行率",
            Label::Average => "平均自评分数",
            Label::Score => "自评分数",
            Label::RateScore => "预算执行率得分",
            Label::ProjectCount => "项目数",
        }
    }

    /// The unit printed after the figure.
    pub fn unit(self) -> &'static str {
        match self {
            Label::BudgetTotal | Label::Executed => "万元",
            Label::Rate => "%",
            Label::Average | Label::Score | Label::RateScore => "分",
            Label::ProjectCount => "个",
        }
    }
}

/// A figure quoted with a label.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quoted {
    /// What it is.
    pub label: Label,
    /// The number as written.
    pub value: Decimal,
    /// How many decimals were written (the precision of the claim).
    pub decimals: u32,
    /// The quoted text, e.g. `平均自评分数为98分`.
    pub text: String,
    /// Byte offset of the match in the sentence.
    pub start: usize,
}

const NUMBER: &str = r"(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)";

static PATTERNS: LazyLock<Vec<(Label, Regex)>> = LazyLock::new(|| {
    let verb = r"(?:为|是|达到|达|共计|合计|仅为|只有|约为)?\s*";
    let pattern = |label, text: String| (label, Regex::new(&text).expect("a valid pattern"));
    vec![
        pattern(Label::Average, format!(r"平均[^。；，,\d]{{0,10}}?{verb}{NUMBER}\s*分")),
        pattern(Label::BudgetTotal, format!(r"预算总额{verb}{NUMBER}\s*万元")),
        pattern(Label::Executed, format!(r"(?:实际执行金额|实际执行数|全年执行数|执行金额){verb}{NUMBER}\s*万元")),
        pattern(Label::Rate, format!(r"(?:预算执行率|执行率){verb}{NUMBER}\s*[%％]")),
        pattern(Label::Score, format!(r"(?:自评分数|自评得分|得分|总分)[^。；\d]{{0,12}}?{NUMBER}\s*分")),
        pattern(Label::ProjectCount, r"共(?:有)?\s*(\d+)\s*个项目".to_owned()),
    ]
});

/// Every labelled figure of a sentence. A score inside an average
/// (`平均自评分数为98分`) counts once, as the average.
pub fn quoted_figures(sentence: &str) -> Vec<Quoted> {
    let mut found: Vec<Quoted> = Vec::new();
    let mut taken: Vec<(usize, usize)> = Vec::new();
    for (label, regex) in PATTERNS.iter() {
        for captures in regex.captures_iter(sentence) {
            let whole = captures.get(0).expect("a match has a whole");
            if taken.iter().any(|(s, e)| whole.start() < *e && *s < whole.end()) {
                continue;
            }
            let number = captures.get(1).expect("every pattern captures the number").as_str().replace(',', "");
            let Ok(value) = Decimal::from_str_exact(&number) else { continue };
            let decimals = number.split_once('.').map_or(0, |(_, f)| f.len() as u32);
            taken.push((whole.start(), whole.end()));
            found.push(Quoted {
                label: *label,
                value,
                decimals,
                text: whole.as_str().to_owned(),
                start: whole.start(),
            });
        }
    }
    found.sort_by_key(|q| q.start);
    // A bare 得分 right after an execution rate is that rate's score.
    for i in 1..found.len() {
        let (before, rest) = found.split_at_mut(i);
        let (previous, score) = (&before[i - 1], &mut rest[0]);
        if previous.label == Label::Rate && score.label == Label::Score && score.text.starts_with("得分") {
            score.label = Label::RateScore;
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quoted(sentence: &str) -> Vec<(Label, String, u32)> {
        quoted_figures(sentence).into_iter().map(|q| (q.label, q.value.to_string(), q.decimals)).collect()
    }

    #[test]
    fn the_seeds_labelled_figures_are_read_at_their_precision() {
        assert_eq!(
            quoted("在总体预算方面，2024年度本部门项目支出预算总额为10.00万元，其中人才资源开发专项资金预算0.00万元"),
            vec![(Label::BudgetTotal, "10.00".into(), 2)]
        );
        assert_eq!(
            quoted("在预算执行过程中，实际执行金额为58.79万元，预算执行率达到587.90%"),
            vec![(Label::Executed, "58.79".into(), 2), (Label::Rate, "587.90".into(), 2)]
        );
        assert_eq!(quoted("经自评，各项目平均自评分数为98分"), vec![(Label::Average, "98".into(), 0)]);
        assert_eq!(
            quoted("其中，全市安全生产及危险化学品应急救援装备训练演练经费自评分数普遍较高，达到98分"),
            vec![(Label::Score, "98".into(), 0)]
        );
        assert_eq!(quoted("本部门共有4个项目"), vec![(Label::ProjectCount, "4".into(), 0)]);
    }

    #[test]
    fn unlabelled_numbers_are_left_alone() {
        for sentence in [
            "依据财预〔2020〕10号文件，于2024年12月31日前完成",
            "共组织培训3期，参训人员120人，覆盖率达到95%",
            "个别装备的使用率未达到预期目标，超额完成30%以上",
            "培训计划完成率100%",
        ] {
            assert_eq!(quoted(sentence), vec![], "{sentence}");
        }
    }

    #[test]
    fn claims_understand_the_seeds_wording() {
        let thirty = Decimal::new(3, 1);
        let claims = |sentence| claims(sentence, thirty);
        assert_eq!(
            claims("个别装备的使用率未达到预期目标，超额完成30%以上"),
            Claims { unmet: true, exceeded: true, beyond: Some(Decimal::new(3, 1)) }
        );
        assert_eq!(
            claims("工程进度指标未完成目标的30%以上"),
            Claims { unmet: true, exceeded: false, beyond: Some(Decimal::new(3, 1)) }
        );
        assert_eq!(claims("低于目标三十以上").beyond, Some(thirty));
        assert_eq!(claims("偏差达到百分之三十以上").beyond, Some(thirty));
        // Other percentages are not claims about the deviation threshold.
        assert_eq!(claims("群众满意度达到90%以上").beyond, None);
        assert_eq!(claims("完成率超出百分之二十以上").beyond, None);
        assert_eq!(claims("年龄在60岁以上的人员").beyond, None);
        assert_eq!(claims("满意度90%以上，超额完成30%以上").beyond, Some(thirty));
        // With another profile threshold, that percentage is the claim.
        assert_eq!(super::claims("完成率超出百分之二十以上", Decimal::new(2, 1)).beyond, Some(Decimal::new(2, 1)));
        assert_eq!(super::claims("超额完成15.5％以上", Decimal::new(155, 3)).beyond, Some(Decimal::new(155, 3)));
        assert_eq!(claims("仍有个别项目的总体绩效目标未完全完成"), Claims::default());
        assert_eq!(claims("装备配备达标率等指标也达到了预期目标"), Claims::default());
    }

    #[test]
    fn sentences_split_at_full_stops_and_semicolons() {
        assert_eq!(sentences("甲。乙；丙\n丁"), vec!["甲", "乙", "丙", "丁"]);
    }

    #[test]
    fn common_runs_ignore_punctuation() {
        assert_eq!(longest_common_run("个别装备的使用率未达到", "救援装备使用率"), 3);
        assert_eq!(
            longest_common_run("偏远地区灾害防御基础设施建设项目的工程进度", "偏远地区灾害防御基础设施工程进度"),
            12
        );
    }
}
