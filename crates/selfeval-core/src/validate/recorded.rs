//! The judge of a recorded event: what an event may say, given the state
//! before it, for events that did not come from `handle` here (an import,
//! `verify` over a store). One function per event kind, beside the rules of
//! `validate` that `handle` applies to the same values.

use rust_decimal::Decimal;

use super::*;
use crate::event::*;

/// Checks one event against the state before it: the field that is wrong
/// and why, or `Ok`.
pub fn check_event(state: &State, event: &RecordedEvent) -> Result<(), String> {
    use EventPayload as E;
    let payload = &event.payload;
    if let E::YearInitialised(p) = payload {
        return year_initialised(state, p);
    }
    if state.department().is_none() {
        return Err("第一个事件须是 YearInitialised（年度初始化）".into());
    }
    // Who may do what (roles.md), as for a command.
    crate::roles::permits(state, &event.meta.actor, payload).map_err(|why| format!("actor：{why}"))?;
    let judge = Judge { state, event };
    match payload {
        E::YearInitialised(p) => year_initialised(state, p),
        E::RuleProfileChanged(p) => judge.rule_profile_changed(p),
        E::DisplayUnitChanged(p) => judge.display_unit_changed(p),
        E::ProjectRegistered(p) => judge.project_registered(p),
        E::BudgetSet(p) => judge.budget_set(p),
        E::BudgetAdjusted(p) => judge.budget_adjusted(p),
        E::ExpenditureRecorded(p) => judge.expenditure_recorded(p),
        E::ExpenditureReversed(p) => judge.expenditure_reversed(p),
        E::RecordedAsPrinted(p) => judge.recorded_as_printed(p),
        E::PrintedFiguresRecorded(p) => judge.printed_figures_recorded(p),
        E::GoalSet(p) => judge.goal_set(p),
        E::IndicatorDefined(p) => judge.indicator_defined(p),
        E::IndicatorActualRecorded(p) => judge.indicator_actual_recorded(p),
        E::MarkedNotApplicable(p) => judge.marked_not_applicable(p),
        E::ScoreAdjusted(p) => judge.score_adjusted(p),
        E::ProblemIdentified(p) => judge.problem_identified(p),
        E::RectificationPlanned(p) => judge.rectify(&p.problem, &p.project, false),
        E::RectificationProgressed(p) => judge.rectify(&p.problem, &p.project, true),
        E::RectificationCompleted(p) => judge.rectify(&p.problem, &p.project, true),
        E::NarrativeSet(p) => judge.narrative_set(p),
        E::SelfEvaluationSubmitted(p) => step(judge.project(&p.project)?, Step::Submit),
        E::SelfEvaluationApproved(p) => step(judge.project(&p.project)?, Step::Approve),
        E::SelfEvaluationReturned(p) => step(judge.project(&p.project)?, Step::Return),
        E::ProjectWithdrawn(p) => judge.project_withdrawn(p),
        E::ProjectAmended(p) => judge.project_amended(p),
        E::IndicatorAmended(p) => judge.indicator_amended(p),
        E::IndicatorWithdrawn(p) => judge.indicator(&p.project, &p.item),
        E::NotApplicableUndone(p) => judge.not_applicable_undone(p),
        E::ScoreOverrideCleared(p) if p.item == BUDGET_ITEM => judge.project(&p.project).map(|_| ()),
        E::ScoreOverrideCleared(p) => judge.indicator(&p.project, &p.item),
        E::ProblemAmended(p) => judge.problem_amended(p),
        E::ProblemWithdrawn(p) => judge.problem(&p.problem, &p.project),
        E::SelfEvaluationReopened(p) => step(judge.project(&p.project)?, Step::Reopen),
        E::EvidenceAdded(p) => judge.evidence_added(p),
        E::MemberAdded(p) => judge.member_added(p),
        E::MemberRemoved(p) => judge.member_removed(p),
        E::MemberKeyChanged(p) => judge.member_key_changed(p),
        E::YearSealed(_) => judge.year_sealed(),
        E::YearUnsealed(_) => judge.year_unsealed(),
        E::SignaturePolicySet(p) => judge.signature_policy_set(p),
        E::CheckpointRecorded(p) => judge.checkpoint_recorded(p),
        // Whether it signs what it follows is the ledger's check.
        E::CommandSigned(p) => public_key_fingerprint(&p.key),
    }
}

fn year_initialised(state: &State, p: &YearInitialised) -> Result<(), String> {
    if state.department().is_some() {
        return Err("年度已初始化，不能再次初始化".into());
    }
    if !(2000..=2100).contains(&p.year) {
        return Err(format!("year：{} 不是 2000 至 2100 之间的年度", p.year));
    }
    known_profile(&p.profile)
}

/// An amount within the ceilings of `values`.
fn amount(field: &str, value: Decimal) -> Result<(), String> {
    amount_in_range(value)
        .then_some(())
        .ok_or_else(|| format!("{field}：金额 {value} 超出范围（绝对值不超过 100,000,000 万元，最多6位小数）"))
}

/// Points between 0 and 100.
fn points(field: &str, value: Decimal) -> Result<(), String> {
    (value >= Decimal::ZERO && value <= Decimal::from(100))
        .then_some(())
        .ok_or_else(|| format!("{field}：分值 {value} 不在 0 至 100 之间"))
}

/// The event being judged and the state before it.
struct Judge<'a> {
    state: &'a State,
    event: &'a RecordedEvent,
}

impl Judge<'_> {
    fn project(&self, code: &str) -> Result<&Project, String> {
        self.state.project(code).ok_or_else(|| format!("project：项目「{code}」不存在"))
    }

    fn indicator(&self, code: &str, icode: &str) -> Result<(), String> {
        let p = self.project(code)?;
        p.indicator(icode).map(|_| ()).ok_or_else(|| format!("indicator：项目{code}没有指标「{icode}」"))
    }

    fn problem(&self, code: &str, project_code: &str) -> Result<(), String> {
        self.state
            .problem(project_code, code)
            .map(|_| ())
            .ok_or_else(|| format!("problem：项目{project_code}没有问题「{code}」"))
    }

    fn rectify(&self, code: &str, project_code: &str, needs_plan: bool) -> Result<(), String> {
        let found = self
            .state
            .problem(project_code, code)
            .ok_or_else(|| format!("problem：项目{project_code}没有问题「{code}」"))?;
        rectification_step(found, needs_plan).map_err(|r| format!("problem：{}", r.problem))
    }

    /// The rule profile in force.
    fn profile(&self) -> &'static RuleProfile {
        RuleProfile::shared(self.state.department().map_or("", |d| d.profile.as_str()))
    }

    fn rule_profile_changed(&self, p: &RuleProfileChanged) -> Result<(), String> {
        if self.state.department().is_some_and(|d| d.profile == p.profile) {
            return Err(format!("profile：评分规则「{}」已在使用中", p.profile));
        }
        known_profile(&p.profile)
    }

    fn display_unit_changed(&self, p: &DisplayUnitChanged) -> Result<(), String> {
        match self.state.department().is_some_and(|d| d.unit == p.unit) {
            true => Err(format!("unit：金额显示单位已是{}", p.unit.label())),
            false => Ok(()),
        }
    }

    fn project_registered(&self, p: &ProjectRegistered) -> Result<(), String> {
        check_code(&p.project).map_err(|e| format!("project：{}", e.problem))?;
        if self.state.project(&p.project).is_some() {
            return Err(format!("project：项目「{}」已登记", p.project));
        }
        points("budget_weight", p.budget_weight)
    }

    fn budget_set(&self, p: &BudgetSet) -> Result<(), String> {
        self.project(&p.project)?;
        if p.amount.is_sign_negative() && !p.amount.is_zero() {
            return Err(format!("amount：年初预算数 {} 为负", p.amount));
        }
        // A set to the amount it had (allowed before issue 25) changes
        // no figure: `budget_set` is `handle`'s, as a check of what was typed.
        amount("amount", p.amount)
    }

    fn budget_adjusted(&self, p: &BudgetAdjusted) -> Result<(), String> {
        amount("delta", p.delta)?;
        budget_adjustment(self.project(&p.project)?, p.delta, p.source).map_err(|r| format!("delta：{}", r.problem))
    }

    fn expenditure_recorded(&self, p: &ExpenditureRecorded) -> Result<(), String> {
        self.project(&p.project)?;
        if p.amount <= Decimal::ZERO {
            return Err(format!("amount：支出 {} 不是正数", p.amount));
        }
        let year = self.state.department().map_or(0, |d| d.year);
        expenditure_date(year, p.date).map_err(|r| format!("date：{}", r.problem))?;
        amount("amount", p.amount)
    }

    fn expenditure_reversed(&self, p: &ExpenditureReversed) -> Result<(), String> {
        let owner = self.project(&p.project)?;
        reversal(owner, p.expenditure_seq)?;
        let original = owner.expenditures.iter().find(|e| e.seq == p.expenditure_seq).map(|e| e.amount);
        if original != Some(p.amount) {
            return Err(format!("amount：冲销金额 {} 与原支出的金额不同", p.amount));
        }
        Ok(())
    }

    fn recorded_as_printed(&self, p: &AsPrinted) -> Result<(), String> {
        self.project(&p.project)?;
        if p.notes.is_empty() {
            return Err("notes：按原表照录的事件没有说明".into());
        }
        p.notes.iter().try_for_each(|n| crate::values::check_text(n).map_err(|e| format!("notes：{}", e.problem)))
    }

    fn printed_figures_recorded(&self, p: &PrintedFigures) -> Result<(), String> {
        printed_figures(self.project(&p.project)?, p).map_err(|r| format!("{}：{}", r.field, r.problem))
    }

    fn goal_set(&self, p: &GoalSet) -> Result<(), String> {
        match goal_changes(self.project(&p.project)?, &p.expected, &p.actual) {
            true => Ok(()),
            false => Err("expected/actual：年度总体目标没有变化".into()),
        }
    }

    fn indicator_defined(&self, p: &IndicatorDefined) -> Result<(), String> {
        let owner = self.project(&p.project)?;
        let profile = self.profile();
        indicator_definition(profile, owner, &p.indicator, &p.level1, &p.level2, &p.name)
            .map_err(|r| format!("indicator：{}", r.problem))?;
        recorded_target(&p.target)?;
        if p.not_applicable {
            return if p.weight.is_zero() && !p.weight_in_percent {
                Ok(())
            } else {
                Err(format!("weight：不适用（「/」）的指标没有分值，记录的分值为 {}", p.weight))
            };
        }
        weight_form(owner, p.weight_in_percent).map_err(|r| format!("weight：{}", r.problem))?;
        points("weight", p.weight)
    }

    fn indicator_actual_recorded(&self, p: &IndicatorActualRecorded) -> Result<(), String> {
        let defined = self
            .project(&p.project)?
            .indicator(&p.indicator)
            .ok_or_else(|| format!("indicator：项目{}没有指标「{}」", p.project, p.indicator))?;
        let profile = self.profile();
        actual_value(profile, defined, p).map_err(|r| format!("actual：{}", r.problem))
    }

    fn marked_not_applicable(&self, p: &MarkedNotApplicable) -> Result<(), String> {
        if p.item != BUDGET_ITEM {
            self.indicator(&p.project, &p.item)?;
        }
        not_applicable_mark(self.project(&p.project)?, &p.item, false).map_err(|r| format!("item：{}", r.problem))
    }

    fn score_adjusted(&self, p: &ScoreAdjusted) -> Result<(), String> {
        let owner = self.project(&p.project)?;
        score_adjustable(owner, &p.item).map_err(|r| format!("item：{}", r.problem))?;
        let weight = if p.item == BUDGET_ITEM {
            owner.budget_weight
        } else {
            owner.indicator(&p.item).ok_or_else(|| format!("item：项目{}没有指标「{}」", p.project, p.item))?.weight
        };
        (p.score >= Decimal::ZERO && p.score <= weight)
            .then_some(())
            .ok_or_else(|| format!("score：得分 {} 不在 0 至分值 {weight} 之间", p.score))?;
        // An override to the score the item has (allowed before issue 25)
        // changes no figure: `score_change` is `handle`'s.
        Ok(())
    }

    fn problem_identified(&self, p: &ProblemIdentified) -> Result<(), String> {
        self.project(&p.project)?;
        match self.state.problem(&p.project, &p.problem) {
            Some(_) => Err(format!("problem：问题「{}」已登记", p.problem)),
            None => Ok(()),
        }
    }

    fn narrative_set(&self, p: &NarrativeSet) -> Result<(), String> {
        if !NARRATIVE_SECTIONS.iter().any(|(key, _)| *key == p.section) {
            return Err(format!("section：「{}」不是报告的段落", p.section));
        }
        if self.state.narrative(&p.section, p.project.as_deref()).is_some_and(|n| n.text == p.text) {
            return Err("text：说明文字没有变化".into());
        }
        match &p.project {
            Some(code) => self.project(code).map(|_| ()),
            None => Ok(()),
        }
    }

    fn project_withdrawn(&self, p: &WorkflowStep) -> Result<(), String> {
        let owner = self.project(&p.project)?;
        match owner.expenditures.iter().find(|e| e.reversed_by.is_none()) {
            Some(e) => Err(format!("project：项目{}还有未冲销的支出（事件{}），不能撤回", p.project, e.seq)),
            None => Ok(()),
        }
    }

    fn project_amended(&self, p: &ProjectAmended) -> Result<(), String> {
        project_amendment(self.project(&p.project)?, p).map_err(|r| format!("project：{}", r.problem))
    }

    fn indicator_amended(&self, p: &IndicatorAmended) -> Result<(), String> {
        self.indicator(&p.project, &p.indicator)?;
        if let Some(current) = self.project(&p.project)?.indicator(&p.indicator) {
            indicator_amendment(current, p).map_err(|r| format!("indicator：{}", r.problem))?;
            let profile = self.profile();
            amendment_keeps_a_comparable_actual(profile, current, p).map_err(|r| format!("actual：{}", r.problem))?;
            // A new target or points keep a score set by hand only if
            // the amendment says it clears it (what `handle` writes).
            let rescored = p.target.as_ref().is_some_and(|t| *t != current.target)
                || p.weight.is_some_and(|w| w != current.weight);
            if rescored && current.score_override.is_some() && !p.clears_override {
                return Err("clears_override：新的年度指标值或分值须撤销人工调整的得分".into());
            }
        }
        p.target.as_ref().map_or(Ok(()), recorded_target)?;
        p.weight.map_or(Ok(()), |w| points("weight", w))
    }

    fn not_applicable_undone(&self, p: &ItemWithdrawn) -> Result<(), String> {
        if p.item != BUDGET_ITEM {
            self.indicator(&p.project, &p.item)?;
        }
        not_applicable_mark(self.project(&p.project)?, &p.item, true).map_err(|r| format!("item：{}", r.problem))
    }

    fn problem_amended(&self, p: &ProblemAmended) -> Result<(), String> {
        let found = self
            .state
            .problem(&p.project, &p.problem)
            .ok_or_else(|| format!("problem：项目{}没有问题「{}」", p.project, p.problem))?;
        problem_amendment(found, &p.text).map_err(|r| format!("text：{}", r.problem))
    }

    fn evidence_added(&self, p: &EvidenceAdded) -> Result<(), String> {
        evidence_file(self.project(&p.project)?, &p.file).map_err(|r| format!("file：{}", r.problem))?;
        hex64("sha256", &p.sha256)
    }

    fn member_added(&self, p: &MemberAdded) -> Result<(), String> {
        for (field, text) in [("name", &p.name), ("section", &p.section)] {
            crate::values::check_name(text).map_err(|e| format!("{field}：{}", e.problem))?;
            if text.contains('@') {
                return Err(format!("{field}：「{text}」含有 @"));
            }
        }
        if self.state.governance().member(&p.name).is_some() {
            return Err(format!("name：「{}」已在名册中", p.name));
        }
        p.key.as_deref().map_or(Ok(()), |k| public_key(self.state, k, &p.name))
    }

    fn member_removed(&self, p: &MemberRemoved) -> Result<(), String> {
        member(self.state, &p.name)?;
        let governance = self.state.governance();
        let offices = governance.current_members().filter(|m| m.role == crate::event::Role::Office).count();
        let is_office = governance.member(&p.name).is_some_and(|m| m.role == crate::event::Role::Office);
        if is_office && offices == 1 {
            return Err(format!("name：{}是名册中唯一的办公室人员，不能移出", p.name));
        }
        Ok(())
    }

    fn member_key_changed(&self, p: &MemberKeyChanged) -> Result<(), String> {
        member(self.state, &p.name)?;
        public_key(self.state, &p.key, &p.name)?;
        // As `member key` refuses it (and always did).
        match self.state.governance().member(&p.name).and_then(|m| m.key.as_deref()) {
            Some(current) if current == p.key => Err("key：公钥没有变化".into()),
            _ => Ok(()),
        }
    }

    fn signature_policy_set(&self, p: &SignaturePolicySet) -> Result<(), String> {
        let governance = self.state.governance();
        if governance.signatures_required.is_some() == p.required {
            return Err("required：签名要求没有变化".into());
        }
        let keyed = governance.member_for_actor(&self.event.meta.actor).is_some_and(|m| m.key.is_some());
        if p.required && !keyed {
            return Err("required：要求签名的操作人没有登记公钥".into());
        }
        Ok(())
    }

    fn checkpoint_recorded(&self, p: &CheckpointRecorded) -> Result<(), String> {
        if p.seq == 0 || p.seq >= self.event.seq {
            return Err(format!("seq：检查点指向事件{}，不在它之前", p.seq));
        }
        hex64("head", &p.head)
    }

    fn year_sealed(&self) -> Result<(), String> {
        if let Some(seal) = self.state.governance().sealed() {
            return Err(format!("年度已于事件{}封存", seal.sealed.seq));
        }
        let pending = self.state.projects().iter().find(|p| {
            let has_money = !p.budget().value.is_zero() || !p.expenditures.is_empty();
            has_money && p.status != Status::Approved
        });
        match pending {
            Some(p) => Err(format!("有预算或支出的项目{}尚未审核通过，不能封存", p.code)),
            None => Ok(()),
        }
    }

    fn year_unsealed(&self) -> Result<(), String> {
        match self.state.governance().sealed() {
            Some(_) => Ok(()),
            None => Err("年度没有封存，无从解除".into()),
        }
    }
}

/// A recorded target as `handle` writes one: a number in range; a
/// deadline whose last day is the one its text names (`2023年12月` is
/// 2023-12-31, whatever the event says).
fn recorded_target(target: &Target) -> Result<(), String> {
    match target {
        Target::Quantitative { value, .. } if !quantity_in_range(*value) => {
            Err(format!("target：年度指标值 {value} 超出范围"))
        }
        Target::Deadline { text, .. } if crate::values::parse_target(text).as_ref() != Ok(target) => {
            Err(format!("target：完成时限「{text}」所记的日期与其文字不符"))
        }
        _ => Ok(()),
    }
}
/// A workflow step judged as `handle` judges it, said as a recorded
/// event's problem.
fn step(project: &Project, step: Step) -> Result<(), String> {
    workflow_step(project, step).map_err(|r| format!("project：{}", r.problem))
}
fn hex64(field: &str, text: &str) -> Result<(), String> {
    crate::values::is_sha256_hex(text)
        .then_some(())
        .ok_or_else(|| format!("{field}：「{text}」不是64位小写十六进制的 SHA-256"))
}
fn member(state: &State, name: &str) -> Result<(), String> {
    match state.governance().member(name) {
        Some(_) => Ok(()),
        None => Err(format!("name：「{name}」不是名册中的现任人员")),
    }
}
/// A registered key: readable, ed25519, stored as `handle` stores it, and
/// no other current member's.
fn public_key(state: &State, text: &str, owner: &str) -> Result<(), String> {
    let (normal, _) = crate::roles::parse_public_key("key", text).map_err(|r| format!("key：{}", r.problem))?;
    if normal != text {
        return Err("key：公钥不是规范形式（ssh-ed25519 AAAA…，不带注释）".into());
    }
    match state.governance().current_members().find(|m| m.key.as_deref() == Some(text) && m.name != owner) {
        Some(holder) => Err(format!("key：该公钥已登记给{}", holder.actor())),
        None => Ok(()),
    }
}
fn public_key_fingerprint(text: &str) -> Result<(), String> {
    match text.strip_prefix("SHA256:") {
        Some(rest) if !rest.is_empty() => Ok(()),
        _ => Err(format!("key：「{text}」不是公钥指纹（SHA256:…）")),
    }
}
fn known_profile(id: &str) -> Result<(), String> {
    RuleProfile::by_id(id)
        .map(|_| ())
        .ok_or_else(|| format!("profile：「{id}」不是评分规则编号；可接受：{}", RuleProfile::ids().join("、")))
}
fn reversal(project: &Project, seq: u64) -> Result<(), String> {
    match project.expenditures.iter().find(|e| e.seq == seq) {
        None => Err(format!("expenditure_seq：事件{seq}不是项目{}的支出", project.code)),
        Some(e) if e.reversed_by.is_some() => Err(format!("expenditure_seq：支出{seq}已被冲销")),
        Some(_) => Ok(()),
    }
}
