//! The example department: the seed report (`shared/seed-report.txt`) as it
//! stands, recorded as the commands its staff would have typed.
//!
//! Its money and scores are the seed's: four budget lines (10.00 万元 in
//! all), 58.79 万元 executed, three scored projects (98, 100, 98). Its
//! narrative paragraphs are recorded verbatim, contradictions included, so
//! that the checks have something to find.

use selfeval_core::Command;

/// One step of the demo: who typed which command, when and why.
#[derive(Debug, Clone)]
pub struct DemoStep {
    /// The actor.
    pub actor: &'static str,
    /// The reason, if any.
    pub reason: Option<&'static str>,
    /// When it happened (RFC 3339).
    pub occurred_at: &'static str,
    /// The command.
    pub command: Command,
    /// Recorded with `--as-printed` (the audit demo's published table).
    pub as_printed: bool,
}

const OFFICE: &str = "赵静@领导小组办公室";
const RESCUE: &str = "王敏@应急救援科";
const DISASTER: &str = "陈刚@防灾减灾科";
const SAFETY: &str = "刘洋@安全生产监管科";
const PERSONNEL: &str = "周磊@人事科";

fn s(text: &str) -> String {
    text.to_owned()
}

fn o(text: &str) -> Option<String> {
    Some(text.to_owned())
}

/// The seed department's commands, in the order they were recorded.
pub fn seed_department() -> Vec<DemoStep> {
    let mut steps = Vec::new();
    let mut step = |actor, reason, occurred_at, command| {
        steps.push(DemoStep { actor, reason, occurred_at, command, as_printed: false })
    };
    let jan = "2024-01-15T09:00:00+08:00";
    step(
        OFFICE,
        None,
        jan,
        Command::InitYear { department: s("某市应急管理局"), year: s("2024"), profile: None, unit: None },
    );
    // The roster: the office first (registering itself), then each
    // section's staff. From here on only they write, each in their role.
    step(
        OFFICE,
        Some("建立人员名册：领导小组办公室负责审核与名册"),
        jan,
        Command::AddMember { member: s(OFFICE), role: s("office"), key: None },
    );
    for member in [PERSONNEL, RESCUE, DISASTER, SAFETY] {
        step(
            OFFICE,
            Some("登记实施科室的填报人员"),
            jan,
            Command::AddMember { member: s(member), role: s("section"), key: None },
        );
    }
    let projects = [
        ("P01", "人才资源开发专项资金", "人才发展", "人事科", PERSONNEL, "0"),
        ("P02", "应急救援能力建设资金", "应急救援能力建设", "应急救援科", RESCUE, "6"),
        ("P03", "人员培训、训练演练、装备维保补助等灾害防治资金", "灾害防治", "防灾减灾科", DISASTER, "4"),
        ("P04", "全市安全生产及危险化学品应急救援装备训练演练经费", "安全生产监管", "安全生产监管科", SAFETY, "0"),
    ];
    for (code, name, category, section, _, _) in projects {
        step(
            OFFICE,
            None,
            jan,
            Command::AddProject {
                code: s(code),
                name: s(name),
                category: o(category),
                section: o(section),
                budget_weight: None,
            },
        );
    }
    for (code, _, _, _, actor, amount) in projects {
        step(
            actor,
            Some("2024年部门预算批复"),
            "2024-01-20T10:00:00+08:00",
            Command::SetBudget { project: s(code), amount: s(amount), source: o("本年财政拨款") },
        );
    }
    let spend = |code: &str, amount: &str, date: &str, voucher: &str, memo: &str| Command::RecordExpenditure {
        project: s(code),
        amount: s(amount),
        date: s(date),
        voucher: o(voucher),
        memo: o(memo),
        source: None,
    };
    step(RESCUE, None, "2024-04-18T15:00:00+08:00", spend("P02", "3.2", "2024-04-18", "记-0412", "救援装备采购首付款"));
    step(
        RESCUE,
        None,
        "2024-09-26T15:00:00+08:00",
        spend("P02", "27,988元", "2024-09-26", "记-0935", "救援装备采购尾款及人员培训"),
    );
    step(DISASTER, None, "2024-05-10T11:00:00+08:00", spend("P03", "1.8", "2024-05-10", "记-0521", "训练演练补助"));
    step(DISASTER, None, "2024-11-05T11:00:00+08:00", spend("P03", "2.2", "2024-11-05", "记-1108", "装备维保补助"));
    step(
        SAFETY,
        None,
        "2024-06-12T16:00:00+08:00",
        spend("P04", "30", "2024-06-12", "记-0633", "危险化学品应急救援装备训练演练"),
    );
    step(
        SAFETY,
        None,
        "2024-10-22T16:00:00+08:00",
        spend("P04", "187,912元", "2024-10-22", "记-1027", "全市安全生产应急演练经费"),
    );

    let goal = |code: &str, expected: &str, actual: &str| Command::SetGoal {
        project: s(code),
        expected: o(expected),
        actual: o(actual),
    };
    let dec = "2024-12-20T10:00:00+08:00";
    step(
        RESCUE,
        None,
        dec,
        goal(
            "P02",
            "提升应急救援队伍装备水平和训练质量，提高应急响应效率",
            "救援队伍的装备水平得到显著提升，应急响应时间大幅缩短，救援效率明显提高",
        ),
    );
    step(DISASTER, None, dec, goal("P03", "增强灾害监测预警的准确性和及时性，提升偏远地区灾害防御能力", "灾害监测预警的准确性和及时性得到增强，部分地区的灾害防御能力有所提升；偏远地区灾害防御基础设施部分工程未能按时完工"));
    step(
        SAFETY,
        None,
        dec,
        goal(
            "P04",
            "加强安全生产监管，实现安全生产事故起数和死亡人数“双下降”",
            "实现了安全生产事故起数和死亡人数“双下降”的目标",
        ),
    );

    let indicator = |code: &str, icode: &str, level1: &str, level2: &str, name: &str, target: &str, weight: &str| {
        Command::DefineIndicator {
            project: s(code),
            indicator: s(icode),
            level1: s(level1),
            level2: s(level2),
            name: s(name),
            target: s(target),
            weight: s(weight),
        }
    };
    let p02 = [
        ("I1", "产出指标", "数量指标", "救援装备配备数量", "≥20台（套）", "20", "24台（套）"),
        ("I2", "产出指标", "质量指标", "装备配备达标率", "=100%", "15", "100%"),
        ("I3", "产出指标", "时效指标", "培训计划完成率", "≥95%", "15", "100%"),
        ("I4", "效益指标", "社会效益指标", "救援装备使用率", "≥70%", "30", "95%"),
        ("I5", "满意度指标", "服务对象满意度指标", "参训救援人员满意度", "≥90%", "10", "96%"),
    ];
    let p03 = [
        ("I1", "产出指标", "数量指标", "灾害监测预警设备建设数量", "≥10套", "20", "10套"),
        ("I2", "产出指标", "时效指标", "偏远地区灾害防御基础设施工程进度", "≥100%", "10", "80%"),
        ("I3", "产出指标", "质量指标", "灾害监测预警准确率", "≥90%", "20", "92%"),
        ("I4", "效益指标", "社会效益指标", "灾害防御能力", "明显提升", "30", "灾害防御能力有所提升"),
        ("I5", "满意度指标", "服务对象满意度指标", "受益群众满意度", "≥90%", "10", "93%"),
    ];
    let p04 = [
        ("I1", "产出指标", "数量指标", "应急救援训练演练次数", "≥4次", "25", "4次"),
        ("I2", "产出指标", "质量指标", "救援装备维保完好率", "≥95%", "25", "98%"),
        ("I3", "效益指标", "社会效益指标", "安全生产事故起数和死亡人数", "双下降", "30", "实现“双下降”"),
        ("I4", "满意度指标", "服务对象满意度指标", "参训人员满意度", "≥90%", "10", "72%"),
    ];
    let sets = [("P02", RESCUE, &p02[..]), ("P03", DISASTER, &p03[..]), ("P04", SAFETY, &p04[..])];
    for (code, actor, rows) in sets {
        for (icode, level1, level2, name, target, weight, _) in rows {
            step(
                actor,
                None,
                "2024-02-01T10:00:00+08:00",
                indicator(code, icode, level1, level2, name, target, weight),
            );
        }
    }
    let actual =
        |code: &str, icode: &str, value: &str, level: Option<&str>, deviation: Option<&str>, measure: Option<&str>| {
            Command::RecordActual {
                project: s(code),
                indicator: s(icode),
                value: s(value),
                level: level.map(s),
                score: None,
                deviation: deviation.map(s),
                measure: measure.map(s),
            }
        };
    for (code, actor, rows) in sets {
        for (icode, _, _, _, target, _, value) in rows {
            let qualitative = !target.starts_with(['≥', '=']);
            let (deviation, measure) = match (code, *icode) {
                ("P02", "I4") => (
                    Some("个别装备的使用率未达到预期目标，超额完成30%以上，经分析是由于对新装备的操作培训不够深入，部分救援人员对装备的性能和操作方法掌握不够熟练，影响了装备的正常使用。"),
                    Some("加大对救援人员的装备操作培训力度，建立培训效果考核机制。"),
                ),
                ("P03", "I2") => (
                    Some("偏远地区灾害防御基础设施建设项目的工程进度指标未完成目标的30%以上，主要原因是地理条件恶劣，施工难度远超预期，同时施工队伍在施工过程中遇到了技术难题，导致工程进度严重滞后。"),
                    Some("加强项目前期规划，组织专业人员对项目实施地点进行详细勘察，制定科学合理的实施方案。"),
                ),
                ("P04", "I4") => (
                    Some("部分参训人员认为演练内容与实战结合不够紧密。"),
                    Some("优化演练科目设置，增加实战化训练内容。"),
                ),
                _ => (None, None),
            };
            step(
                actor,
                None,
                "2024-12-25T10:00:00+08:00",
                actual(code, icode, value, qualitative.then_some("达成"), deviation, measure),
            );
        }
    }
    step(
        OFFICE,
        Some("按科室上报的自评表录入：原表预算执行率填报为100%，得分10分"),
        "2024-12-26T10:00:00+08:00",
        Command::AdjustScore { project: s("P04"), item: s("budget"), score: s("10") },
    );

    let problems = [
        ("Q1", "P03", DISASTER, PROBLEM_1, MEASURE_1, "防灾减灾科"),
        ("Q2", "P02", RESCUE, PROBLEM_2, MEASURE_2, "应急救援科"),
        ("Q3", "P02", RESCUE, PROBLEM_3, MEASURE_3, "应急救援科"),
    ];
    for (pcode, code, actor, text, _, _) in problems {
        step(
            actor,
            None,
            "2024-12-27T10:00:00+08:00",
            Command::IdentifyProblem { project: s(code), problem: s(pcode), text: s(text) },
        );
    }
    for (pcode, _, _, _, measure, owner) in problems {
        step(
            OFFICE,
            None,
            "2024-12-27T15:00:00+08:00",
            Command::PlanRectification {
                problem: s(pcode),
                measure: s(measure),
                owner: s(owner),
                due: s("2025-06-30"),
            },
        );
    }
    for (section, text) in NARRATIVES {
        step(
            OFFICE,
            None,
            "2024-12-28T10:00:00+08:00",
            Command::SetNarrative { section: s(section), text: s(text), project: None },
        );
    }
    for (code, actor, _) in sets {
        step(actor, None, "2024-12-29T10:00:00+08:00", Command::Submit { project: s(code) });
    }
    for (code, _, _) in sets {
        step(OFFICE, None, "2024-12-30T10:00:00+08:00", Command::Approve { project: s(code) });
    }
    steps
}

const PROBLEM_1: &str = "部分项目前期规划不够完善，对项目实施过程中可能遇到的困难和问题预估不足，导致项目进度受到影响。如偏远地区灾害防御基础设施建设项目，由于对地理环境、施工条件等因素考虑不周全，在施工过程中频繁遇到问题，影响了工程进度。";
const PROBLEM_2: &str = "项目实施过程中的跟踪监督机制不够健全，对一些项目的实施进度和质量未能及时进行有效监控。例如，在应急救援能力建设项目中，部分装备采购项目在供应商供货环节出现延迟情况，但未能及时发现并采取有效措施加以解决，导致项目整体进度滞后。";
const PROBLEM_3: &str = "对一些新购置的装备和技术，相关人员的培训工作不到位，影响了装备和技术的使用效果。如应急救援能力建设项目中，新采购的部分先进救援装备，由于对救援人员的操作培训不够系统、深入，导致装备使用率不高。";
const MEASURE_1: &str = "加强项目前期规划工作，在项目申报阶段，组织专业人员对项目实施地点进行详细勘察，充分考虑各种可能影响项目实施的因素，制定科学合理的项目实施方案和应急预案。同时，邀请专家对项目规划进行评审，确保规划的可行性和前瞻性。";
const MEASURE_2: &str = "完善项目跟踪监督机制，建立项目进度定期报告制度，要求项目实施科室每周或每月向领导小组办公室报告项目实施进度和存在的问题。领导小组办公室定期对项目进行实地检查，及时发现和解决项目实施过程中的问题。对进度滞后的项目，要深入分析原因，采取针对性措施加快推进。";
const MEASURE_3: &str = "加大对相关人员的培训力度，根据项目实施需要，制定详细的培训计划，邀请专业技术人员对新装备、新技术的操作和使用进行系统培训。同时，建立培训效果考核机制，对培训人员的学习成果进行考核，确保培训效果。定期组织经验交流活动，促进人员之间的技术交流和经验分享，提高整体业务水平。";

/// The seed's narrative paragraphs, verbatim, by section key.
const NARRATIVES: [(&str, &str); 13] = [
    ("1.composition", "本部门项目支出主要涵盖安全生产监管、应急救援能力建设、灾害防治等多个关键领域。从构成情况来看，安全生产监管专项资金用于保障安全生产监督检查、隐患排查治理等工作的开展；应急救援能力建设资金着重提升应急救援队伍的装备水平、训练质量以及应急响应效率；灾害防治资金则聚焦于自然灾害的预防、监测与应对处置等方面。"),
    ("1.execution", "在总体预算方面，2024年度本部门项目支出预算总额为10.00万元，其中人才资源开发专项资金预算0.00万元，应急救援能力建设资金预算6.00万元，人员培训、训练演练、装备维保补助等灾害4.00万元，全市安全生产及危险化学品应急救援装备训练演练经费预算0.00万元。在预算执行过程中，实际执行金额为58.79万元，预算执行率达到587.90%。部分项目由于前期筹备工作充分、执行过程高效，预算执行进度较快且执行率较高；而个别项目因受外部因素如政策调整、突发不可抗力事件等影响，预算执行进度有所延迟，但整体仍在可控范围内，并通过合理调整项目实施计划，尽可能保障了资金的有效使用。"),
    ("2.coverage", "项目单位自评工作实现了对所有项目的全面覆盖，涵盖了安全生产监管、应急救援能力建设以及灾害防治等各类项目，确保了对每一项资金的使用情况和绩效产出都进行详细评估。"),
    ("2.procedure", "首先，由各项目实施科室负责收集整理项目实施过程中的相关资料，包括项目申报文件、资金使用明细、项目实施进度记录、产出成果证明等。在此基础上，对照项目设立时确定的绩效目标，填写项目支出绩效自评表格，对各项绩效指标的完成情况进行量化打分。然后，各科室将自评表格及相关资料上报至领导小组办公室。领导小组办公室对各科室上报的数据和资料进行汇总、审核，确保数据的真实性、准确性和完整性。最后，根据审核后的自评数据，撰写项目绩效自评报告，对项目的整体绩效情况进行综合分析和评价。"),
    ("2.responsibility", "各项目实施科室为项目自评的直接责任单位，负责本科室所承担项目的自评工作具体实施；领导小组办公室作为统筹协调部门，承担对自评工作的组织、指导、审核以及最终报告撰写的责任。"),
    ("3.scores", "经自评，各项目平均自评分数为98分。其中，全市安全生产及危险化学品应急救援装备训练演练经费自评分数普遍较高，达到98分。这主要得益于项目在实施过程中，严格按照既定的工作计划和监管标准开展工作，有效排查了大量安全隐患，安全生产事故发生率较上一年度显著降低。应急救援能力建设项目自评分数为100分，部分项目在装备采购和人员培训方面取得了良好成效，但仍存在一些项目由于装备调试周期较长、培训效果跟踪评估机制不够完善等原因，导致分数受到一定影响。灾害防治项目自评分数为98分，在灾害监测预警体系建设方面表现较好，但在一些偏远地区的灾害防御基础设施建设进度上稍有滞后，影响了整体得分。"),
    ("3.execution", "整体预算执行率达到587.90%，表明本部门在项目资金使用上具有较强的计划性和执行能力。全市安全生产及危险化学品应急救援装备训练演练经费预算执行率为100%，执行情况良好，各项监管任务按计划顺利开展，资金及时足额拨付到位并得到合理使用。应急救援能力建设资金预算执行率为99.98%，其中部分项目因装备采购流程复杂、供应商供货延迟等原因，导致资金支付进度滞后，但在项目后期通过积极协调，加快了预算执行速度。"),
    ("3.funds", "在资金管理方面，本部门建立了较为完善的资金管理制度，严格遵循专款专用原则，对项目资金进行单独核算、专户管理。在资金审批环节，严格执行财务审批流程，确保每一笔资金的支出都经过严格审核，手续齐全。同时，加强对资金使用的监督检查，定期开展内部审计，有效保障了资金使用的安全性和合规性。"),
    ("3.goals", "总体绩效目标完成情况良好，大部分项目都达到了预期的绩效目标。在安全生产方面，通过加强监管，实现了安全生产事故起数和死亡人数“双下降”的目标，有效保障了人民群众生命财产安全；在应急救援能力建设方面，救援队伍的装备水平得到显著提升，应急响应时间大幅缩短，救援效率明显提高；在灾害防治方面，灾害监测预警的准确性和及时性得到增强，部分地区的灾害防御能力有所提升。然而，仍有个别项目的总体绩效目标未完全完成。例如，在偏远地区的灾害防御基础设施建设项目中，由于地理环境复杂、施工难度大以及前期规划不够完善等原因，导致部分工程未能按时完工，影响了该项目总体绩效目标的实现。"),
    ("3.indicators", "大部分绩效指标完成情况较好，如安全生产监管项目中的安全隐患排查数量、整改率等指标均超额完成目标任务；应急救援能力建设项目中的装备配备达标率、培训计划完成率等指标也达到了预期目标。但也存在部分绩效指标完成情况存在偏差。例如，在灾害防治项目中，偏远地区灾害防御基础设施建设项目的工程进度指标未完成目标的30%以上，主要原因是地理条件恶劣，施工难度远超预期，同时施工队伍在施工过程中遇到了技术难题，导致工程进度严重滞后。此外，在应急救援能力建设项目中，个别装备的使用率未达到预期目标，超额完成30%以上，经分析是由于对新装备的操作培训不够深入，部分救援人员对装备的性能和操作方法掌握不够熟练，影响了装备的正常使用。"),
    ("5.evaluation", "进一步完善项目绩效评价指标体系，使其更加科学、合理、全面地反映项目的实际绩效情况。结合项目特点和实际需求，对现有绩效指标进行优化调整，增加一些能够反映项目长期效益和社会效益的指标，提高绩效评价的准确性和有效性。\n加强对项目自评人员的培训，提高自评人员的业务水平和专业素养。定期组织自评人员参加绩效评价培训课程和研讨会，学习先进的绩效评价理念和方法，了解相关政策法规和标准要求，提升自评工作质量。\n强化项目自评结果的应用，将自评结果与项目单位的绩效考核、预算安排、项目审批等挂钩。对自评结果优秀的项目单位，在绩效考核中给予加分奖励，并在今后的项目申报和预算安排上给予优先支持；对自评结果较差的项目单位，要进行约谈问责，并责令限期整改，整改不到位的，减少或暂停该单位相关项目的预算安排。"),
    ("5.budget", "根据项目的实际需求和绩效情况，合理安排预算资金。对于绩效良好、需求迫切的项目，要加大预算支持力度；对于绩效一般或需求不明确的项目，要适当压缩预算规模。同时，建立预算动态调整机制，根据项目实施过程中的实际情况，及时对预算进行调整优化，确保资金使用效益最大化。\n在预算安排中，要充分考虑项目实施过程中的风险因素，预留一定比例的风险准备金。对于可能受到政策调整、市场波动、不可抗力等因素影响的项目，要提前做好应对措施，确保项目能够顺利实施。\n加强对预算执行的监控和分析，建立预算执行进度通报制度，定期对各项目的预算执行情况进行通报。对预算执行进度缓慢的项目，要及时查找原因，采取有效措施加快执行进度，避免资金闲置浪费。"),
    ("6.other", "在项目实施过程中，我们积极与上级部门和相关单位进行沟通协调，争取政策支持和技术指导。同时，注重加强与社会各界的合作，通过购买服务、引入社会资本等方式，拓宽项目资金来源渠道，提高项目实施效率和质量。此外，我们还将持续关注项目的后续运行和维护情况，建立健全项目运行管理长效机制，确保项目能够长期发挥效益。"),
];

/// The command id prefix of the demo's deterministic command ids.
pub const DEMO_PREFIX: &str = "demo-";

/// What [`Ledger::seed_demo`] did.
#[derive(Debug)]
pub struct Seeded {
    /// How many commands it recorded now (0 when the demo was complete).
    pub written: usize,
    /// The state of the demo ledger afterwards.
    pub state: selfeval_core::State,
}

impl crate::Ledger {
    /// Records the demo department's commands that this ledger does not
    /// have yet, each under a deterministic command id, so that running it
    /// again writes nothing. `recorded_at` is the clock's time. A ledger
    /// that holds other data is refused.
    pub fn seed_demo(&mut self, recorded_at: chrono::DateTime<chrono::Utc>) -> Result<Seeded, crate::LedgerError> {
        self.seed(seed_department(), DEMO_PREFIX, recorded_at)
    }

    pub(crate) fn seed(
        &mut self,
        steps: Vec<DemoStep>,
        prefix: &str,
        recorded_at: chrono::DateTime<chrono::Utc>,
    ) -> Result<Seeded, crate::LedgerError> {
        let first = format!("{prefix}0000");
        if !self.is_empty() && self.store.command_seqs(&first)?.is_none() {
            return Err(crate::LedgerError::NotDemo(self.path().to_owned()));
        }
        let mut state = self.replay(None)?.state;
        if state.governance().signatures_required.is_some() {
            // The demo's people have no keys: it would write unsigned commands.
            return Err(crate::LedgerError::Invalid {
                field: "--store".into(),
                message: format!(
                    "库 {} 要求每条命令签名，示范数据的人员没有密钥，不能写入；可接受：空目录或未要求签名的示范库",
                    self.path().display()
                ),
            });
        }
        let mut written = 0;
        for (i, step) in steps.into_iter().enumerate() {
            let command_id = format!("{prefix}{i:04}");
            if self.store.command_seqs(&command_id)?.is_some() {
                continue;
            }
            let occurred_at = chrono::DateTime::parse_from_rfc3339(step.occurred_at)
                .map_err(|e| crate::LedgerError::Internal(format!("内部错误：示范数据第{i}步的时间无效：{e}")))?
                .to_utc();
            let meta = selfeval_core::Meta {
                actor: step.actor.to_owned(),
                reason: step.reason.map(str::to_owned),
                occurred_at,
                recorded_at,
            };
            let mut request = selfeval_core::Request::new(meta, step.command);
            if step.as_printed {
                request.as_printed = Some(Vec::new());
                request.confirm_large = true;
            }
            let decided_at = self.head().seq;
            let outcome = selfeval_core::execute(&mut state, &request, |payloads| {
                self.append_at(decided_at, &request.meta, &command_id, payloads, None)
            });
            match outcome {
                Ok(_) => written += 1,
                Err(selfeval_core::Executed::Rejected(r)) => {
                    return Err(crate::LedgerError::Internal(format!("内部错误：示范数据第{i}步被拒绝：{r}")))
                }
                Err(selfeval_core::Executed::NotAppended(crate::record::Append::Failed(e))) => return Err(e),
                Err(selfeval_core::Executed::NotAppended(crate::record::Append::Conflict(c))) => {
                    return Err(crate::LedgerError::Conflict(c))
                }
            }
        }
        Ok(Seeded { written, state })
    }
}
