//! Issue 25, "No number changes without the user's word": each path that
//! recorded or printed a wrong figure without a word, reproduced on the real
//! binary, now refused with the field, what was given and what is accepted
//! (nothing written), or recorded as the user meant it.

use crate::Env;

/// Item 1: thousands separators are how 元 are printed; without a unit they
/// made 21,545.76 万元 (2.15 亿) on a 6 万元 project.
#[test]
fn an_amount_with_thousands_separators_and_no_unit_is_asked_about_never_read_as_wan() {
    let env = Env::with_project();
    let refused = env.fails(&["spend", "P01", "--amount", "21,545.76", "--date", "2024-06-30"], 1, "--amount");
    assert_eq!(
        refused.stderr(),
        "错误：--amount：「21,545.76」带千位分隔符却没有单位，是否为21,545.76元？（抄自万元报表则为21,545.76万元）；可接受：十进制数，可带单位「万元」「万」「元」（默认万元），如 6.5、215457.60元、2万；带千位分隔符时须写单位（如 215,457.60元）；万元最多6位小数\n"
    );
    env.fails(&["budget", "set", "P01", "--amount", "60,000", "--reason", "批复"], 1, "是否为60,000元？");
    // Written with its unit, it is what it says.
    assert_eq!(
        env.ok(&["spend", "P01", "--amount", "21,545.76元", "--date", "2024-06-30"]),
        "已记录 #4 ExpenditureRecorded（支出已记录）：支出 P01 2.154576万元（21,545.76元），2024-06-30\n"
    );
    assert_eq!(env.json(&["table", "P01", "--format", "json"])["executed"], "2.154576");
}

/// Item 6: 「﹦」 (U+FE66) and the other small and slanted forms, printed in
/// real tables, made a qualitative target out of ﹦100%.
#[test]
fn the_small_and_slanted_comparison_signs_of_printed_tables_are_read_as_their_operators() {
    let env = Env::with_project();
    for (code, target, shown) in [("I1", "﹦100%", "=100%"), ("I2", "﹥﹦95%", "≥95%"), ("I3", "⩽3天", "≤3天")]
    {
        env.indicator(code, "产出指标", &format!("指标{code}"), target, "10");
        let table = env.json(&["table", "P01", "--format", "json"]);
        let row = table["indicators"].as_array().unwrap().iter().find(|i| i["code"] == code).unwrap().clone();
        assert_eq!(row["target"], shown, "{target}: {row}");
    }
    env.ok(&["indicator", "actual", "P01", "I1", "--value", "100%"]);
    env.ok(&["indicator", "actual", "P01", "I3", "--value", "2天"]);
    let table = env.json(&["table", "P01", "--format", "json"]);
    let score = |code: &str| {
        table["indicators"].as_array().unwrap().iter().find(|i| i["code"] == code).unwrap()["score"].clone()
    };
    assert_eq!(score("I1"), "10.00");
    assert_eq!(score("I3"), "10.00");
}

/// Item 13: a duplicate voucher typed with the input method's full-width
/// dash (记－0801) escaped F11.
#[test]
fn a_voucher_typed_again_with_a_full_width_dash_is_the_same_voucher() {
    let env = Env::with_project();
    env.ok(&["spend", "P01", "--amount", "1", "--date", "2024-06-30", "--voucher", "记-0801"]);
    env.ok(&["spend", "P01", "--amount", "1", "--date", "2024-07-30", "--voucher", "记－0801"]);
    let run = env.act(&["check", "--json"]);
    let findings: serde_json::Value = serde_json::from_str(&run.stdout()).unwrap();
    let f11: Vec<&serde_json::Value> =
        findings["findings"].as_array().unwrap().iter().filter(|f| f["rule"] == "F11").collect();
    assert_eq!(f11.len(), 1, "{findings}");
    let message = f11[0]["message"].as_str().unwrap();
    assert!(message.starts_with("凭证号「记-0801」记录了2笔支出（#4、#5），且都未冲销"), "{message}");
    // Stored as typed.
    let history = env.run(&["history", "--project", "P01"]).stdout();
    assert!(history.contains("记－0801"), "{history}");
}

/// Item 2: after `unit set 元` every screen showed 元 but a bare 3200 was
/// still read as 万元 (32,000,000 元 recorded).
#[test]
fn a_bare_number_is_read_in_the_ledgers_unit() {
    let env = Env::with_project();
    env.ok(&["unit", "set", "元", "--reason", "按元填报"]);
    assert_eq!(
        env.ok(&["spend", "P01", "--amount", "3200", "--date", "2024-06-30"]),
        "已记录 #5 ExpenditureRecorded（支出已记录）：支出 P01 0.32万元（3,200.00元），2024-06-30\n"
    );
    // A unit written out is what it says, whatever the ledger's unit.
    env.ok(&["spend", "P01", "--amount", "1.5万", "--date", "2024-07-01"]);
    env.ok(&["budget", "adjust", "P01", "--delta", "-2000", "--reason", "调减"]);
    let table = env.json(&["table", "P01", "--format", "json"]);
    assert_eq!(table["executed"], "18200", "the table speaks the ledger's unit");
    assert_eq!(table["budget"], "58000");
    // Refusals say which unit a bare number is read in.
    env.fails(&["spend", "P01", "--amount", "0.001", "--date", "2024-06-30"], 1, "默认元：本库金额单位为元");
    // Back in 万元, a bare number is 万元 again.
    env.ok(&["unit", "set", "万元", "--reason", "恢复"]);
    env.ok(&["spend", "P01", "--amount", "1", "--date", "2024-08-01"]);
    assert_eq!(env.json(&["table", "P01", "--format", "json"])["executed"], "2.82");
}

/// Item 10: `spend --date 2024-03-01 --at 2024-09-09` was accepted and
/// `history` showed 发生2024-09-09 for a March payment.
#[test]
fn a_spendings_payment_date_is_its_business_date_and_a_contradicting_at_is_refused() {
    let env = Env::with_project();
    let refused =
        env.fails(&["spend", "P01", "--amount", "1", "--date", "2024-03-01", "--at", "2024-09-09"], 1, "--at");
    assert_eq!(
        refused.stderr(),
        "错误：--at：「2024-09-09」与支付日期 --date 2024-03-01 不是同一天：支出的发生日期就是支付日期；可接受：省略 --at，或 2024-03-01 当天的时间\n"
    );
    // The same day, at a time of that day (Beijing), is the payment's.
    env.ok(&["spend", "P01", "--amount", "1", "--date", "2024-03-01", "--at", "2024-03-01T15:30:00+08:00"]);
    env.ok(&["spend", "P01", "--amount", "2", "--date", "2024-03-02"]);
    let history = env.run(&["history", "--project", "P01", "--type", "ExpenditureRecorded"]).stdout();
    assert!(!history.contains("2024-09-09"), "{history}");
    assert_eq!(history.matches("发生2024-03-01").count(), 1, "{history}");
    assert_eq!(history.matches("发生2024-03-02").count(), 1, "{history}");
    // In a batch too, and nothing of the batch is written.
    let file = env.dir.path().join("spend.txt");
    std::fs::write(&file, "spend P01 --amount 1 --date 2024-04-01 --at 2024-05-01\n").unwrap();
    env.fails(&["batch", file.to_str().unwrap()], 1, "不是同一天");
}

/// Item 11: setting a value to what it already is recorded a second event;
/// item 17: `score adjust` to the score the rules give yielded a pointless
/// I17. Each answers 「没有变化」, exit 1, nothing written.
#[test]
fn setting_a_value_to_what_it_already_is_records_nothing() {
    let env = Env::with_project();
    env.fails(
        &["budget", "set", "P01", "--amount", "6", "--reason", "再次批复"],
        1,
        "--amount：项目P01的年初预算数（本年财政拨款）没有变化：已是6万元（60,000.00元，事件3）",
    );
    env.ok(&["budget", "set", "P01", "--amount", "25", "--reason", "更正"]);
    env.fails(
        &["budget", "set", "P01", "--amount", "25万元", "--reason", "再次"],
        1,
        "没有变化：已是25万元（250,000.00元，事件4）",
    );
    // Another source is another figure.
    env.ok(&["budget", "set", "P01", "--amount", "25", "--source", "上年结转", "--reason", "结转"]);
    env.indicator("I1", "产出指标", "培训人数", "≥100人", "20");
    env.ok(&["indicator", "actual", "P01", "I1", "--value", "90人", "--deviation", "疫情"]);
    env.fails(
        &["indicator", "actual", "P01", "I1", "--value", "90人", "--deviation", "疫情"],
        1,
        "--value：指标I1的实际完成值没有变化（已是「90人」，事件7）",
    );
    // The same value with another reason is a change.
    env.ok(&["indicator", "actual", "P01", "I1", "--value", "90人", "--deviation", "疫情延期"]);
    // The rules give 18 (90 of 100, of 20 points): an override of 18 says nothing.
    let table = env.json(&["table", "P01", "--format", "json"]);
    let score = table["indicators"][0]["score"].as_str().unwrap().to_owned();
    assert_eq!(score, "18.00");
    env.fails(
        &["score", "adjust", "P01", "I1", "--score", "18", "--reason", "复核"],
        1,
        "--score：I1的得分没有变化：已是18（按规则得出）",
    );
    env.ok(&["score", "adjust", "P01", "I1", "--score", "19", "--reason", "复核"]);
    env.fails(&["score", "adjust", "P01", "I1", "--score", "19.00", "--reason", "再复核"], 1, "已是19（人工调整，事件");
}

/// Item 5: `--target ≥0.95` for a rate was accepted as a bare number, then
/// `--value 98%` was refused with a message that contradicted itself and
/// `--value 0.9` scored; `--value 95` for a % target suggested 9500%.
#[test]
fn a_rates_target_is_a_percentage_and_the_hints_say_the_likely_one() {
    let env = Env::with_project();
    let refused = env.fails(
        &[
            "indicator",
            "add",
            "P01",
            "I1",
            "--level1",
            "产出指标",
            "--level2",
            "质量指标",
            "--name",
            "验收合格率",
            "--target",
            "≥0.95",
            "--weight",
            "20",
        ],
        1,
        "--target",
    );
    assert_eq!(
        refused.stderr(),
        "错误：--target：「验收合格率」是比率，年度指标值「≥0.95」却是不带单位的小数：是否为≥95%？；可接受：以%计的年度指标值，如 ≥95%\n"
    );
    env.indicator("I1", "产出指标", "验收合格率", "≥95%", "20");
    env.fails(&["indicator", "actual", "P01", "I1", "--value", "95"], 1, "（是否为95%？）");
    env.fails(&["indicator", "actual", "P01", "I1", "--value", "0.98"], 1, "（是否为98%？）");
    // A ratio that is not a rate by its name keeps its bare target, and a
    // percentage typed against it is told the two units differ.
    env.indicator("I2", "产出指标", "设备完好指数", "≥0.9", "20");
    env.fails(&["indicator", "actual", "P01", "I2", "--value", "98%"], 1, "「98%」以%计，而年度指标值是不带单位的数");
    // An amendment cannot make a rate's target a bare fraction either.
    env.fails(&["indicator", "amend", "P01", "I1", "--target", "≥0.9", "--reason", "更正"], 1, "是否为≥90%？");
}

/// Item 14: in open mode (no roster) an approved project was not locked:
/// another department's actor recorded into it with exit 0.
#[test]
fn an_approval_locks_its_project_in_open_mode_too() {
    let env = Env::with_project();
    env.indicator("I1", "产出指标", "培训人数", "≥100人", "90");
    env.ok(&["indicator", "actual", "P01", "I1", "--value", "120人"]);
    env.ok(&["submit", "P01"]);
    env.ok_as("李四@领导小组办公室", &["approve", "P01", "--reason", "审核通过"]);
    let refused = env.run(&["--actor", "王五@财务局", "spend", "P01", "--amount", "1", "--date", "2024-06-30"]);
    assert_eq!(refused.code(), 1, "{}", refused.stderr());
    assert!(
        refused.stderr().starts_with(
            "错误：CODE：违反规则A6（已审核通过的项目已锁定，重新打开（reopen）前不得写入）：项目P01已于事件#"
        ),
        "{}",
        refused.stderr()
    );
    env.fails(&["profile", "set", "cz2020-linear", "--reason", "r"], 1, "违反规则A6");
    // Reopened, it takes writes again, and is approved again to lock again.
    env.ok(&["reopen", "P01", "--reason", "补记支出"]);
    env.ok(&["spend", "P01", "--amount", "1", "--date", "2024-06-30"]);
}

/// Item 4: `indicator amend … --target` (or `--weight`) silently erased the
/// actual already recorded: the score dropped to 0 and nobody was told.
#[test]
fn an_amendment_keeps_a_comparable_actual_and_says_so_or_asks_to_clear_it() {
    let env = Env::with_project();
    env.indicator("I3", "产出指标", "救援装备配备数量", "≥10个", "20");
    env.ok(&["indicator", "actual", "P01", "I3", "--value", "12个"]);
    let said = env.ok(&["indicator", "amend", "P01", "I3", "--target", "≥11个", "--reason", "按批复更正"]);
    assert!(said.contains("更正指标 P01 I3：已记录的实际完成值保留，得分按更正后的值计算"), "{said}");
    let table = env.json(&["table", "P01", "--format", "json"]);
    let row = &table["indicators"][0];
    assert_eq!((row["actual"].as_str(), row["score"].as_str()), (Some("12个"), Some("20.00")), "{row}");
    let trace = env.ok(&["trace", "P01", "I3"]);
    assert!(trace.contains("#5"), "the value's event is still behind the score: {trace}");
    // Another unit: refused, naming the value, unless --clear-value.
    let refused = env.fails(&["indicator", "amend", "P01", "I3", "--target", "≥11台", "--reason", "r"], 1, "--target");
    assert!(
        refused.stderr().contains(
            "指标I3已记录实际完成值 12个（事件5），更正后的年度指标值或分值与它不可比，更正指标值须同时 --value 或 --clear-value；可接受：同时给出 --value"
        ),
        "{}",
        refused.stderr()
    );
    // --value records the actual under the amended definition in the same
    // command; a value the new target cannot read is refused, nothing written.
    env.fails(
        &["indicator", "amend", "P01", "I3", "--target", "≥11台", "--value", "12个", "--reason", "r"],
        1,
        "--value",
    );
    let said =
        env.ok(&["indicator", "amend", "P01", "I3", "--target", "≥11台", "--value", "12台", "--reason", "单位更正"]);
    assert!(said.contains("更正指标 P01 I3：原实际完成值已清除，按更正后的指标值重新记录"), "{said}");
    assert!(said.contains("指标 P01 I3 实际完成值 12台（读作 12）"), "{said}");
    let table = env.json(&["table", "P01", "--format", "json"]);
    let row = &table["indicators"][0];
    assert_eq!((row["actual"].as_str(), row["score"].as_str()), (Some("12台"), Some("20.00")), "{row}");
    // A value alone is `indicator actual`'s, and --value with --clear-value is a contradiction.
    env.fails(&["indicator", "amend", "P01", "I3", "--value", "13台", "--reason", "r"], 1, "indicator actual P01 I3");
    env.fails(
        &["indicator", "amend", "P01", "I3", "--target", "≥11个", "--value", "1个", "--clear-value", "--reason", "r"],
        2,
        "--clear-value",
    );
    env.ok(&["indicator", "amend", "P01", "I3", "--target", "≥11个", "--clear-value", "--reason", "单位更正"]);
    let history = env.run(&["history", "--project", "P01", "--type", "IndicatorAmended"]).stdout();
    assert!(history.contains("实际完成值 12台 → （已清除）"), "{history}");
    env.fails(
        &["indicator", "amend", "P01", "I3", "--clear-value", "--reason", "r"],
        1,
        "尚无实际完成值，没有可清除的",
    );
}

/// `indicator amend --value` is one command of two events: with a roster
/// (where verify checks each command's events against the roles), it
/// verifies, exports and imports into a fresh store that verifies.
#[test]
fn an_amendment_with_its_value_verifies_and_travels_through_an_export() {
    let env = Env::in_dir();
    env.ok(&["init", "--department", "某市应急管理局", "--year", "2024"]);
    let office = "赵静@领导小组办公室";
    env.ok_as(office, &["member", "add", office, "--role", "office", "--reason", "建立名册"]);
    env.ok_as(office, &["project", "add", "P01", "--name", "应急救援能力建设资金", "--section", "应急救援科"]);
    env.ok_as(
        office,
        &[
            "indicator",
            "add",
            "P01",
            "I1",
            "--level1",
            "产出指标",
            "--level2",
            "数量指标",
            "--name",
            "装备数量",
            "--target",
            "≥10个",
            "--weight",
            "20",
        ],
    );
    env.ok_as(
        office,
        &["indicator", "actual", "P01", "I1", "--value", "12个", "--deviation", "超额。", "--measure", "复核"],
    );
    env.ok_as(
        office,
        &["indicator", "amend", "P01", "I1", "--target", "≥10台", "--value", "12台", "--reason", "单位更正"],
    );
    let verify = env.run(&["verify"]);
    assert_eq!(verify.code(), 0, "{}", verify.explain());
    let export = env.run(&["export"]);
    assert_eq!(export.code(), 0);
    let file = env.dir.path().join("ledger.jsonl");
    std::fs::write(&file, export.stdout()).unwrap();
    let fresh = Env::in_dir();
    let import = fresh.run(&["import", file.to_str().unwrap()]);
    assert_eq!(import.code(), 0, "{}", import.explain());
    assert_eq!(fresh.run(&["verify"]).code(), 0);
    // The reason and measure recorded with the old value carry over.
    let table = fresh.json(&["table", "P01", "--format", "json"]);
    assert_eq!(table["indicators"][0]["reason"], "超额。", "{}", table["indicators"][0]);
    assert_eq!(table["indicators"][0]["measure"], "复核");
}

/// `indicator amend --value` of a qualitative indicator takes the level and
/// the score as `indicator actual` does (部分达成 needs its score).
#[test]
fn an_amendment_records_a_qualitative_value_with_its_level_and_score() {
    let env = Env::with_project();
    env.indicator("I1", "效益指标", "救援效率", "明显提高", "30");
    env.ok(&["indicator", "actual", "P01", "I1", "--value", "明显提高", "--level", "达成"]);
    // Points from 30 to 20: 30 is outside 达成's band for 20, so a new value is needed.
    env.fails(
        &[
            "indicator",
            "amend",
            "P01",
            "I1",
            "--weight",
            "20",
            "--value",
            "有所提高",
            "--level",
            "部分达成",
            "--reason",
            "r",
        ],
        1,
        "--score",
    );
    env.fails(&["indicator", "amend", "P01", "I1", "--weight", "20", "--level", "达成", "--reason", "r"], 2, "--value");
    env.ok(&[
        "indicator",
        "amend",
        "P01",
        "I1",
        "--weight",
        "20",
        "--value",
        "有所提高",
        "--level",
        "部分达成",
        "--score",
        "13",
        "--reason",
        "分值按批复更正",
    ]);
    let row = &env.json(&["table", "P01", "--format", "json"])["indicators"][0];
    assert_eq!(
        (row["actual"].as_str(), row["level"].as_str(), row["score"].as_str()),
        (Some("有所提高"), Some("部分达成年度指标并具有一定效果"), Some("13.00")),
        "{row}"
    );
}

/// Item 1, the bound: `spend --amount 35000` on a 6 万元 project became
/// 3.5 亿 without a word.
#[test]
fn an_amount_far_beyond_the_budget_is_asked_about_unless_confirmed() {
    let env = Env::with_project();
    let refused = env.fails(&["spend", "P01", "--amount", "35000", "--date", "2024-06-30"], 1, "--amount");
    assert_eq!(
        refused.stderr(),
        "错误：--amount：「35000」将使项目P01的支出达到35000万元，超过其现有预算6万元的100倍：是否为35000元？；可接受：以元计请写单位「元」；确属如此请加 --confirm-large 记录\n"
    );
    env.fails(&["budget", "adjust", "P01", "--delta", "20000", "--reason", "追加"], 1, "超过其现有预算6万元的100倍");
    env.fails(&["budget", "set", "P01", "--amount", "60000", "--reason", "更正"], 1, "是否为60000元？");
    // Up to 100 times is recorded; beyond, on purpose, with --confirm-large.
    env.ok(&["spend", "P01", "--amount", "600", "--date", "2024-06-30"]);
    env.ok(&["spend", "P01", "--amount", "35000", "--date", "2024-07-01", "--confirm-large"]);
    assert_eq!(env.json(&["table", "P01", "--format", "json"])["executed"], "35600");
    // A first budget above 10^6 万元, and a spending on a zero budget.
    env.ok(&["project", "add", "P02", "--name", "零预算项目", "--section", "应急救援科"]);
    env.fails(
        &["budget", "set", "P02", "--amount", "1350000", "--reason", "批复"],
        1,
        "超过1,000,000万元：是否为1350000元？",
    );
    env.ok(&["spend", "P02", "--amount", "5", "--date", "2024-06-30"]);
}

/// Item 17: a score lowered by `score adjust` without a deviation reason
/// raised nothing (I11, P4, R7 read the automatic score), and a score raised
/// to full still got I11. The checks read the final score.
#[test]
fn the_checks_read_the_final_score_a_docked_override_needs_its_reason() {
    let env = Env::with_project();
    env.indicator("I1", "产出指标", "培训人数", "≥100人", "90");
    env.ok(&["indicator", "actual", "P01", "I1", "--value", "100人"]);
    env.ok(&["goal", "P01", "--expected", "培训100人", "--actual", "培训100人"]);
    env.ok(&["problem", "add", "P01", "Q1", "--text", "无"]);
    let rules = |env: &Env| -> Vec<String> {
        let run = env.act(&["check", "--json"]);
        let json: serde_json::Value = serde_json::from_str(&run.stdout()).unwrap();
        json["findings"].as_array().unwrap().iter().map(|f| f["rule"].as_str().unwrap().to_owned()).collect()
    };
    assert!(!rules(&env).contains(&"I11".to_owned()), "full marks: {:?}", rules(&env));
    // Docked by hand from 90 to 81 without a word on the deviation.
    env.ok(&["score", "adjust", "P01", "I1", "--score", "81", "--reason", "复核发现部分培训未签到"]);
    let found = rules(&env);
    assert!(found.contains(&"I11".to_owned()), "a docked override is an unexplained deviation: {found:?}");
    assert!(found.contains(&"I17".to_owned()), "{found:?}");
    let run = env.act(&["check"]);
    assert!(run.stdout().contains("项目P01的指标I1「培训人数」未完成目标"), "{}", run.stdout());
    assert!(run.stdout().contains("（得分系人工调整：补充后须重新调整得分）"), "{}", run.stdout());
    // Explained, then docked again: quiet.
    env.ok(&[
        "indicator",
        "actual",
        "P01",
        "I1",
        "--value",
        "100人",
        "--deviation",
        "部分未签到",
        "--measure",
        "加强签到",
    ]);
    env.ok(&["score", "adjust", "P01", "I1", "--score", "81", "--reason", "复核发现部分培训未签到"]);
    assert!(!rules(&env).contains(&"I11".to_owned()), "{:?}", rules(&env));
    // Raised to full by hand, an indicator short of its target is not I11.
    env.ok(&["indicator", "actual", "P01", "I1", "--value", "80人"]);
    assert!(rules(&env).contains(&"I11".to_owned()));
    env.ok(&["score", "adjust", "P01", "I1", "--score", "90", "--reason", "因疫情调减人数，按批复视同完成"]);
    assert!(!rules(&env).contains(&"I11".to_owned()), "{:?}", rules(&env));
}

/// Items 16 and 7: the indicator summary counted an indicator with no
/// actual, or docked by an override, as 达成; the 完成率 and the I12
/// wording were direction-blind for a ceiling (≤).
#[test]
fn the_indicator_summary_follows_the_actual_and_the_final_score_in_the_targets_direction() {
    let env = Env::with_project();
    env.indicator("I1", "产出指标", "培训人数", "≥100人", "30");
    env.indicator("I2", "产出指标", "完成时限", "≤3天", "30");
    env.indicator("I3", "产出指标", "设备数量", "≥10台", "20");
    env.indicator("I4", "满意度指标", "参训人员满意度", "≥90%", "10");
    env.ok(&["indicator", "actual", "P01", "I1", "--value", "100人"]);
    env.ok(&["indicator", "actual", "P01", "I2", "--value", "1天"]);
    env.ok(&["indicator", "actual", "P01", "I3", "--value", "10台"]);
    env.ok(&["score", "adjust", "P01", "I3", "--score", "18", "--reason", "复核扣分"]);
    let report = env.ok(&["report"]);
    assert!(
        report.contains(
            "共4个绩效指标：达成2个（其中超出目标30%以上的1个另列），未完成1个，未填实际完成值1个，不适用0个。"
        ),
        "{report}"
    );
    assert!(report.contains("未填实际完成值的指标（按0分计）：P01 I4 参训人员满意度。"), "{report}");
    assert!(report.contains("1个已评分项目中0个项目全部指标达成。"), "{report}");
    // ≤3天 done in 1 day: 完成率 300%, listed as beyond the target, and
    // I12 asks whether the ceiling was set too high.
    let row = report.lines().find(|l| l.contains("| I2 完成时限 |")).unwrap_or_default();
    let cells: Vec<&str> = row.split('|').map(str::trim).collect();
    assert_eq!(cells[3..6], ["≤3天", "1天", "300.00%"], "{row}");
    let check = env.act(&["check"]).stdout();
    assert!(
        check.contains(
            "项目P01的指标I2「完成时限」低于目标值30%以上，但缺少偏差原因分析；请说明是否目标设定偏高（过宽）"
        ),
        "{check}"
    );
}

/// Item 15: a sheet headed （2022年度） imported into a 2024 ledger without a
/// word; `--project P02` on a sheet whose project is registered as P01.
#[test]
fn import_table_refuses_another_years_sheet_and_a_second_code_for_a_registered_project() {
    let env = Env::new();
    env.ok(&["init", "--department", "某市应急管理局", "--year", "2024"]);
    let rows = [
        "（2022年度）项目支出绩效自评表,,,,,,,",
        "项目名称,,培训补助资金,,,,,",
        "主管部门,,某市应急管理局,,实施单位,应急救援科,,",
        "项目资金（元）,,年初预算数,全年预算数,全年执行数,分值,执行率,得分",
        ",年度资金总额,\"50,000.00\",\"60,000.00\",\"60,000.00\",10,100%,10",
        "年度总体目标,预期目标,,,,实际完成情况,,",
        ",完成培训,,,,完成培训,,",
        "一级指标,二级指标,三级指标,年度指标值,实际完成值,分值,得分,偏差原因分析及改进措施",
        "产出指标（90分）,数量指标,培训人次,≥100人次,120人次,90,90,",
        "总分,,,,,100,100,优",
    ];
    let file = env.dir.path().join("培训.csv");
    std::fs::write(&file, rows.join("\n")).unwrap();
    let path = file.to_str().unwrap();
    let refused = env.fails(&["import-table", path, "--project", "P09"], 1, "FILE");
    assert!(
        refused.stderr().contains(
            "!A1：自评表为2022年度，本库为2024年度；可接受：2024年度的自评表，或确属如此加 --year-mismatch-ok"
        ),
        "{}",
        refused.stderr()
    );
    env.ok(&["import-table", path, "--project", "P09", "--year-mismatch-ok"]);
    // The same project under a second code.
    env.fails(
        &["import-table", path, "--project", "P10", "--year-mismatch-ok"],
        1,
        "--project：项目「培训补助资金」已登记为P09；可接受：--project P09，或确属另一个同名项目加 --new-project",
    );
}

/// Item 3: the 其中 rows were never compared with 年度资金总额 and every
/// amount was recorded as 本年财政拨款.
#[test]
fn import_table_reads_the_fund_sources_and_refuses_parts_that_do_not_add_up() {
    let env = Env::new();
    env.ok(&["init", "--department", "某市应急管理局", "--year", "2024"]);
    let rows = |carried: &str| {
        [
            "（2024年度）项目支出绩效自评表,,,,,,,".to_owned(),
            "项目名称,,培训补助资金,,,,,".into(),
            "主管部门,,某市应急管理局,,实施单位,应急救援科,,".into(),
            "项目资金（元）,,年初预算数,全年预算数,全年执行数,分值,执行率,得分".into(),
            ",年度资金总额,\"50,000.00\",\"60,000.00\",\"60,000.00\",10,100%,10".into(),
            ",其中：本年财政拨款,\"35,000.00\",\"45,000.00\",\"45,000.00\",,,".into(),
            format!(",上年结转资金,\"{carried}\",\"{carried}\",\"{carried}\",,,"),
            ",其他资金,,,,,,".into(),
            "年度总体目标,预期目标,,,,实际完成情况,,".into(),
            ",完成培训,,,,完成培训,,".into(),
            "一级指标,二级指标,三级指标,年度指标值,实际完成值,分值,得分,偏差原因分析及改进措施".into(),
            "产出指标（90分）,数量指标,培训人次,≥100人次,120人次,90,90,".into(),
            "总分,,,,,100,100,优".into(),
        ]
        .join("\n")
    };
    let file = env.dir.path().join("培训.csv");
    std::fs::write(&file, rows("14,000.00")).unwrap();
    let path = file.to_str().unwrap();
    let refused = env.fails(&["import-table", path, "--project", "P09"], 1, "FILE");
    assert!(
        refused.stderr().contains("!C5：年度资金总额的年初预算数 5 万元不等于其中各项（")
            && refused.stderr().contains("）之和 4.9 万元；可接受：各项之和等于总额的表"),
        "{}",
        refused.stderr()
    );
    std::fs::write(&file, rows("15,000.00")).unwrap();
    env.ok(&["import-table", path, "--project", "P09"]);
    let table = env.json(&["table", "P09", "--format", "json"]);
    assert_eq!(table["budget"], "6");
    assert_eq!(
        table["funds"][1],
        serde_json::json!({"source": "carried_over", "initial_budget": "1.5", "budget": "1.5", "executed": "1.5"}),
        "{}",
        table["funds"]
    );
    assert_eq!(table["funds"][0]["budget"], "4.5");
}

/// Item 15: a printed 执行率 that differs from the computed one (86.19 % vs
/// 86.18 %) was not mentioned, while indicator differences were.
#[test]
fn import_table_says_when_the_printed_execution_rate_is_not_what_its_amounts_give() {
    let env = Env::new();
    env.ok(&["init", "--department", "某市应急管理局", "--year", "2024"]);
    let rows = [
        "（2024年度）项目支出绩效自评表,,,,,,,",
        "项目名称,,培训补助资金,,,,,",
        "主管部门,,某市应急管理局,,实施单位,应急救援科,,",
        "项目资金（元）,,年初预算数,全年预算数,全年执行数,分值,执行率,得分",
        ",年度资金总额,\"60,000.00\",\"60,000.00\",\"51,708.00\",10,86.19%,8.62",
        "年度总体目标,预期目标,,,,实际完成情况,,",
        ",完成培训,,,,完成培训,,",
        "一级指标,二级指标,三级指标,年度指标值,实际完成值,分值,得分,偏差原因分析及改进措施",
        "产出指标（90分）,数量指标,培训人次,≥100人次,120人次,90,90,",
        "总分,,,,,100,98.62,优",
    ];
    let file = env.dir.path().join("培训.csv");
    std::fs::write(&file, rows.join("\n")).unwrap();
    let run = env.act(&["import-table", file.to_str().unwrap(), "--project", "P09", "--dry-run"]);
    assert_eq!(run.code(), 0, "{}", run.stderr());
    assert!(
        run.stderr().contains("注意：")
            && run.stderr().contains("!G5：表中执行率 86.19% 与按表中金额算得的 86.18% 不同"),
        "{}",
        run.stderr()
    );
    // Where they agree, nothing is said.
    std::fs::write(&file, rows.join("\n").replace("86.19%", "86.18%")).unwrap();
    let run = env.act(&["import-table", file.to_str().unwrap(), "--project", "P09", "--dry-run"]);
    assert!(!run.stderr().contains("执行率"), "{}", run.stderr());
}

/// Item 9: budgets, indicators and goals recorded without `--at` were dated
/// on the recording day (2025 here) in an earlier year's ledger, so
/// `report --effective` inside that year showed a budget of 0.
#[test]
fn a_recording_after_the_years_closing_period_takes_its_business_date_by_rule_and_says_so() {
    let env = Env::new(); // the test clock says 2025-03-01
    env.ok(&["init", "--department", "某市应急管理局", "--year", "2023"]);
    env.ok(&["project", "add", "P01", "--name", "应急救援能力建设资金", "--section", "应急救援科"]);
    let said = env.ok(&["budget", "set", "P01", "--amount", "6", "--reason", "年初批复"]);
    assert!(said.contains("；未给 --at 且记录日已过年度整理期：业务日期按规则取2023-01-01"), "{said}");
    env.ok(&["spend", "P01", "--amount", "3", "--date", "2023-06-30"]);
    env.indicator("I1", "产出指标", "培训人数", "≥100人", "90");
    let said = env.ok(&["indicator", "actual", "P01", "I1", "--value", "100人"]);
    assert!(said.contains("业务日期按规则取2023-12-31"), "{said}");
    // An explicit --at is the user's word and stands.
    env.ok(&["budget", "adjust", "P01", "--delta", "1", "--reason", "追加", "--at", "2023-10-01"]);
    let json = env.json(&["report", "--format", "json", "--effective", "2023-09-30"]);
    let p01 = &json["projects"][0];
    assert_eq!((p01["budget"].as_str(), p01["executed"].as_str()), (Some("6"), Some("3")), "{p01}");
    let history = env.run(&["history", "--project", "P01", "--type", "BudgetSet"]).stdout();
    assert!(history.contains("发生2023-01-01"), "{history}");
    // In a batch alike.
    let file = env.dir.path().join("adjust.txt");
    std::fs::write(&file, "budget adjust P01 --delta 0.5 --reason 追加\n").unwrap();
    let said = env.ok(&["batch", file.to_str().unwrap()]);
    assert!(said.contains("业务日期按规则取2023-12-31"), "{said}");
    // Within the year's closing period nothing is defaulted.
    let recent = Env::with_project();
    let said = recent.ok(&["budget", "set", "P01", "--amount", "7", "--reason", "更正"]);
    assert!(!said.contains("业务日期按规则"), "{said}");
}

/// Item 8: the report states the evaluation year, the business date it
/// shows and the day it judged deadlines, and never the day it is printed:
/// the same command at the same head on another day gives the same bytes.
#[test]
fn the_report_states_its_dates_and_is_the_same_whatever_day_it_is_printed() {
    let env = Env::new();
    assert_eq!(env.run(&["demo"]).code(), 0);
    let today = env.ok(&["report"]);
    assert!(
        today.contains("> 评价年度：2024年；业务日期：截至记录时点；整改期限与预算安排建议按"),
        "{}",
        &today[..today.len().min(600)]
    );
    let later = env.command().env("SELFEVAL_NOW", "2031-07-01T09:00:00+08:00").args(["report"]).output().unwrap();
    assert!(later.status.success());
    assert!(String::from_utf8_lossy(&later.stdout) == today, "the day of printing changes nothing");
    let effective = env.ok(&["report", "--effective", "2024-09-30"]);
    assert!(
        effective.contains("业务日期：2024-09-30（--effective）；整改期限与预算安排建议按2024-09-30判断。"),
        "{}",
        &effective[..effective.len().min(600)]
    );
}

/// Item 15: `--project` stays optional: a new project gets the code the
/// table prints, else the next free one, and says which.
#[test]
fn import_table_gives_a_new_project_the_tables_code_or_the_next_free_one() {
    let env = Env::with_project(); // P01
    let rows = |code_row: &str| {
        [
            "（2024年度）项目支出绩效自评表,,,,,,,",
            "项目名称,,培训补助资金,,,,,",
            code_row,
            "主管部门,,某市应急管理局,,实施单位,应急救援科,,",
            "项目资金（元）,,年初预算数,全年预算数,全年执行数,分值,执行率,得分",
            ",年度资金总额,\"50,000.00\",\"50,000.00\",\"50,000.00\",10,100%,10",
            "一级指标,二级指标,三级指标,年度指标值,实际完成值,分值,得分,偏差原因分析及改进措施",
            "产出指标（90分）,数量指标,培训人次,≥100人次,120人次,90,90,",
            "总分,,,,,100,100,优",
        ]
        .join("\n")
    };
    let file = env.dir.path().join("培训.csv");
    std::fs::write(&file, rows(",,,,,,,")).unwrap();
    let run = env.act(&["import-table", file.to_str().unwrap()]);
    assert_eq!(run.code(), 0, "{}", run.stderr());
    assert!(
        run.stderr().contains("项目「培训补助资金」尚未登记，新项目编号为 P02（下一个空闲编号；另用 --project 指定）"),
        "{}",
        run.stderr()
    );
    std::fs::write(&file, rows("项目编码,,ZJ-2024-07,,,,,").replace("培训补助资金", "演练经费")).unwrap();
    let run = env.act(&["import-table", file.to_str().unwrap()]);
    assert_eq!(run.code(), 0, "{}", run.stderr());
    assert!(run.stderr().contains("新项目编号为 ZJ-2024-07（自评表所印项目编码"), "{}", run.stderr());
    let list = env.json(&["project", "list", "--json"]);
    let codes: Vec<&str> = list["projects"].as_array().unwrap().iter().map(|p| p["code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["P01", "P02", "ZJ-2024-07"]);
}

/// Item 15: a cell formatted as a percentage in Excel (stored 0.972, shown
/// 97.2%) was refused, and the message named the row's 三级指标 cell (C…)
/// instead of the cell that holds the value (E…).
#[test]
fn import_table_reads_a_percentage_formatted_cell_as_shown_and_names_the_cell_that_holds_a_value() {
    use rust_xlsxwriter::{Format, Workbook};
    let env = Env::new();
    env.ok(&["init", "--department", "某市应急管理局", "--year", "2024"]);
    let write = |file: &std::path::Path, name: &str, target: &str, actual: f64| {
        let mut book = Workbook::new();
        let sheet = book.add_worksheet();
        let percent = Format::new().set_num_format("0.0%");
        let rows: [&[&str]; 8] = [
            &["（2024年度）项目支出绩效自评表"],
            &["项目名称", "", "培训补助资金"],
            &["主管部门", "", "某市应急管理局", "", "实施单位", "应急救援科"],
            &["项目资金（万元）", "", "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"],
            &["", "年度资金总额", "6", "6", "6", "10", "", "10"],
            &["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分", "偏差原因分析及改进措施"],
            &["产出指标（90分）", "质量指标", name, target, "", "90", "90"],
            &["总分", "", "", "", "", "100", "100", "优"],
        ];
        for (r, row) in rows.iter().enumerate() {
            for (c, text) in row.iter().enumerate() {
                if !text.is_empty() {
                    sheet.write_string(r as u32, c as u16, *text).unwrap();
                }
            }
        }
        // 执行率 and the actual are numbers shown as percentages.
        sheet.write_number_with_format(4, 6, 1.0, &percent).unwrap();
        sheet.write_number_with_format(6, 4, actual, &percent).unwrap();
        book.save(file).unwrap();
    };
    let file = env.dir.path().join("培训.xlsx");
    write(&file, "培训合格率", "≥95%", 0.972);
    let run = env.act(&["import-table", file.to_str().unwrap(), "--project", "P09"]);
    assert_eq!(run.code(), 0, "{}", run.stderr());
    let table = env.json(&["table", "P09", "--format", "json"]);
    let indicator = &table["indicators"][0];
    assert_eq!(indicator["actual"], "97.2%", "{indicator}");
    assert_eq!(indicator["score"], "90.00", "{indicator}");
    assert!(!run.stderr().contains("执行率"), "100% is what 6 of 6 gives: {}", run.stderr());

    // A value its target cannot be compared with is refused naming the
    // 实际完成值 cell (E7), not the indicator's name (C7); nothing written.
    let file = env.dir.path().join("培训人次.xlsx");
    write(&file, "培训人次", "≥100人次", 0.5);
    let refused = env.fails(&["import-table", file.to_str().unwrap(), "--project", "P10", "--new-project"], 1, "");
    assert!(refused.stderr().contains("（Sheet1!E7）"), "{}", refused.stderr());
    assert!(refused.stderr().contains("50%"), "{}", refused.stderr());
}
