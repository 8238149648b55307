//! `swanctl --rekey` (strongSwan `rekey.c`).

use super::ctl;
use crate::command::{Ctx, atoi};
use crate::conn::Req;

pub(crate) fn run(ctx: &mut Ctx) -> i32 {
    let (mut child, mut ike, mut child_id, mut ike_id) = (None, None, 0, 0);
    let mut reauth = false;
    let parsed = ctl::parse_opts(ctx, "rekey", |op, arg| {
        match op {
            b'c' => child = Some(arg),
            b'i' => ike = Some(arg),
            b'C' => child_id = atoi(&arg),
            b'I' => ike_id = atoi(&arg),
            b'a' => reauth = true,
            _ => return false,
        }
        true
    });
    let format = match parsed {
        Ok(format) => format,
        Err(code) => return code,
    };
    let mut req = Req::new();
    ctl::str_kv(&mut req, "child", child.as_deref());
    ctl::str_kv(&mut req, "ike", ike.as_deref());
    ctl::int_kv(&mut req, "child-id", child_id);
    ctl::int_kv(&mut req, "ike-id", ike_id);
    if reauth {
        req.kv("reauth", "yes");
    }
    ctl::simple(ctx, "rekey", req, |res| {
        ctl::report(res, format, "rekey reply", "rekey")
    })
}
