//! `serve`: the ledger in a browser (`selfeval_web`).

use std::io::Write;
use std::path::PathBuf;

use clap::Args;

use super::{invalid, Ctx};
use crate::error::CliError;

/// `serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// 监听地址（默认 127.0.0.1:8080；非本机地址须加 --tls-cert 和 --tls-key）
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080", hide_default_value = true)]
    listen: String,
    /// view（只读，默认）| fill（可填报）| review（可审核）
    #[arg(long, value_name = "MODE", default_value = "view", hide_default_value = true)]
    allow: String,
    /// TLS 证书文件（PEM）
    #[arg(long, value_name = "FILE")]
    tls_cert: Option<PathBuf>,
    /// TLS 私钥文件（PEM）
    #[arg(long, value_name = "FILE")]
    tls_key: Option<PathBuf>,
    /// 签名私钥文件（填报时签名用）
    #[arg(long, value_name = "FILE")]
    key: Option<PathBuf>,
}

/// `serve`.
pub fn serve(args: ServeArgs, ctx: &Ctx) -> Result<(), CliError> {
    let allow = selfeval_web::Allow::parse(&args.allow)
        .ok_or_else(|| invalid("--allow", format!("「{}」不是服务方式；可接受：view、fill、review", args.allow)))?;
    if allow != selfeval_web::Allow::View {
        return Err(invalid(
            "--allow",
            format!("「{}」需要网页登录与填报，本版本尚未提供；可接受：view（只读）", args.allow),
        ));
    }
    let tls = match (&args.tls_cert, &args.tls_key) {
        (None, None) => false,
        (Some(_), None) => {
            return Err(invalid("--tls-key", "给出了 --tls-cert 而没有 --tls-key；可接受：两者同时给出"))
        }
        (None, Some(_)) => {
            return Err(invalid("--tls-cert", "给出了 --tls-key 而没有 --tls-cert；可接受：两者同时给出"))
        }
        (Some(_), Some(_)) => true,
    };
    let addr = selfeval_web::listen_address("--listen", &args.listen, tls).map_err(|(f, m)| invalid(&f, m))?;
    let tls = match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => Some(selfeval_web::Tls::load(cert, key).map_err(|(f, m)| invalid(&f, m))?),
        _ => None,
    };
    let mut ledger = ctx.settings.ledger.clone();
    if args.key.is_some() {
        ledger.signer.key_file = args.key;
    }
    // The ledger must exist and open (checked once, before listening).
    drop(ctx.open_for_reading()?);
    let config =
        selfeval_web::Config { location: ctx.settings.location.clone(), ledger, allow, now: ctx.settings.fixed_now };
    let label = allow.label();
    let scheme = if tls.is_some() { "https" } else { "http" };
    selfeval_web::run(addr, config, tls, |bound| {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "正在提供 {scheme}://{bound}/ （{label}）");
        let _ = out.flush();
    })
    .map_err(|e| CliError::Environment(format!("无法在 {addr} 提供服务：{}", crate::error::describe_io(&e))))
}
