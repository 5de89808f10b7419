//! The roster and signatures room: `member add|remove|key`, `policy set
//! signatures`, `checkpoint` (who may give them is `roles`' question).

use crate::event::*;
use crate::governance::{split_actor, Member};
use crate::request::{Rejection, RejectionKind, Request};
use crate::roles::{needs_reason, parse_policy, parse_public_key};
use crate::state::State;
use crate::values;

fn existing_member<'a>(state: &'a State, name: &str) -> Result<&'a Member, Rejection> {
    let governance = state.governance();
    let (bare, _) = split_actor(name);
    governance.member(bare).ok_or_else(|| {
        let known: Vec<String> = governance.current_members().map(|m| m.name.clone()).collect();
        Rejection::new(
            RejectionKind::NotFound,
            "NAME",
            name,
            format!("「{bare}」不是名册中的现任人员"),
            if known.is_empty() {
                "名册中尚无人员".to_owned()
            } else {
                format!("名册中的人员：{}", known.join("、"))
            },
        )
    })
}

pub(super) fn add_member(
    state: &State,
    request: &Request,
    member: &str,
    role: &str,
    key: Option<&str>,
) -> Result<Vec<EventPayload>, Rejection> {
    const ACCEPTED: &str = "姓名@科室，如 王敏@应急救援科";
    needs_reason(request, "登记人员")?;
    let Some((name, section)) = member.split_once('@') else {
        return Err(Rejection::new(RejectionKind::InvalidValue, "NAME@SECTION", member, "未写明科室", ACCEPTED));
    };
    for (field, text) in [("NAME@SECTION", name), ("NAME@SECTION", section)] {
        values::check_name(text)
            .map_err(|e| Rejection::new(RejectionKind::InvalidValue, field, member, e.problem, ACCEPTED))?;
    }
    if section.contains('@') {
        return Err(Rejection::new(RejectionKind::InvalidValue, "NAME@SECTION", member, "含有多个 @", ACCEPTED));
    }
    let role = Role::parse(role).ok_or_else(|| {
        Rejection::new(
            RejectionKind::InvalidValue,
            "--role",
            role,
            format!("「{role}」不是角色"),
            "office（办公室）、section（科室）、auditor（审计）",
        )
    })?;
    if let Some(existing) = state.governance().member(name) {
        return Err(Rejection::new(
            RejectionKind::Rule,
            "NAME@SECTION",
            member,
            format!(
                "「{name}」已于事件#{}登记为{}的{}人员",
                existing.added_seq,
                existing.section,
                existing.role.label()
            ),
            "尚未登记的姓名；更换公钥用 selfeval member key，调整科室或角色先 member remove 再 member add",
        ));
    }
    let key = key.map(|k| registrable_key(state, k, None)).transpose()?;
    Ok(vec![EventPayload::MemberAdded(MemberAdded { name: name.to_owned(), section: section.to_owned(), role, key })])
}

pub(super) fn remove_member(state: &State, request: &Request, name: &str) -> Result<Vec<EventPayload>, Rejection> {
    needs_reason(request, "移出人员")?;
    let member = existing_member(state, name)?;
    let offices = state.governance().current_members().filter(|m| m.role == Role::Office).count();
    if member.role == Role::Office && offices == 1 {
        return Err(Rejection::new(
            RejectionKind::Rule,
            "NAME",
            name,
            format!("{}是名册中唯一的办公室人员，移出后无人能维护名册", member.name),
            "先登记另一位办公室人员",
        ));
    }
    Ok(vec![EventPayload::MemberRemoved(MemberRemoved { name: member.name.clone() })])
}

pub(super) fn change_key(
    state: &State,
    request: &Request,
    name: &str,
    key: &str,
) -> Result<Vec<EventPayload>, Rejection> {
    needs_reason(request, "更换公钥")?;
    let member = existing_member(state, name)?;
    let key = registrable_key(state, key, Some(&member.name))?;
    if member.key.as_deref() == Some(key.as_str()) {
        return Err(Rejection::new(RejectionKind::Rule, "--key", &key, "公钥没有变化", "另一把 ed25519 公钥"));
    }
    Ok(vec![EventPayload::MemberKeyChanged(MemberKeyChanged { name: member.name.clone(), key })])
}

/// A key that no other current member holds: a signature names one person.
fn registrable_key(state: &State, text: &str, owner: Option<&str>) -> Result<String, Rejection> {
    let (key, fingerprint) = parse_public_key("--key", text)?;
    let holder = state.governance().current_members().find(|m| m.key.as_deref() == Some(key.as_str()));
    if let Some(holder) = holder.filter(|m| Some(m.name.as_str()) != owner) {
        return Err(Rejection::new(
            RejectionKind::Rule,
            "--key",
            &fingerprint,
            format!("该公钥已登记给{}，一把密钥只能属于一个人", holder.actor()),
            "本人自己的 ed25519 公钥（每人用 ssh-keygen -t ed25519 生成）",
        ));
    }
    Ok(key)
}

pub(super) fn set_policy(state: &State, request: &Request, policy: &str) -> Result<Vec<EventPayload>, Rejection> {
    needs_reason(request, "设定签名要求")?;
    let Some(required) = parse_policy(policy) else {
        return Err(Rejection::new(
            RejectionKind::InvalidValue,
            "POLICY",
            policy,
            format!("「{policy}」不是签名要求"),
            "required（必须签名）、optional（可不签名）",
        ));
    };
    let governance = state.governance();
    if governance.signatures_required.is_some() == required {
        return Err(Rejection::new(RejectionKind::Rule, "POLICY", policy, "签名要求没有变化", "与现行要求不同的取值"));
    }
    if required {
        let actor = governance.member_for_actor(&request.meta.actor);
        if !governance.has_roster() || actor.is_none_or(|m| m.key.is_none()) {
            return Err(Rejection::new(
                RejectionKind::Rule,
                "POLICY",
                policy,
                "要求签名前，操作人须已在人员名册中登记公钥",
                "先用 selfeval member key 姓名 --key 公钥文件 --reason 原因 登记本人的公钥",
            ));
        }
    }
    Ok(vec![EventPayload::SignaturePolicySet(SignaturePolicySet { required })])
}

pub(super) fn checkpoint(seq: u64, head: &str, key: &str) -> Result<Vec<EventPayload>, Rejection> {
    if seq == 0 {
        return Err(Rejection::new(
            RejectionKind::InvalidValue,
            "seq",
            "0",
            "检查点须固定一个事件",
            "不小于1的事件序号",
        ));
    }
    if !values::is_sha256_hex(head) {
        return Err(Rejection::new(RejectionKind::InvalidValue, "head", head, "不是 SHA-256 哈希", "64位小写十六进制"));
    }
    if key.strip_prefix("SHA256:").is_none_or(str::is_empty) {
        return Err(Rejection::new(RejectionKind::InvalidValue, "key", key, "不是公钥指纹", "SHA256:…"));
    }
    Ok(vec![EventPayload::CheckpointRecorded(CheckpointRecorded { seq, head: head.to_owned(), key: key.to_owned() })])
}
