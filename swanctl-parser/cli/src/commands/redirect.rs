//! `swanctl --redirect` (strongSwan `redirect.c`).

use super::ctl;
use crate::command::{Ctx, atoi};
use crate::conn::Req;

pub(crate) fn run(ctx: &mut Ctx) -> i32 {
    let (mut ike, mut ike_id, mut peer_ip, mut peer_id, mut gateway) = (None, 0, None, None, None);
    let parsed = ctl::parse_opts(ctx, "redirect", |op, arg| {
        match op {
            b'i' => ike = Some(arg),
            b'I' => ike_id = atoi(&arg),
            b'p' => peer_ip = Some(arg),
            b'd' => peer_id = Some(arg),
            b'g' => gateway = Some(arg),
            _ => return false,
        }
        true
    });
    let format = match parsed {
        Ok(format) => format,
        Err(code) => return code,
    };
    let mut req = Req::new();
    ctl::str_kv(&mut req, "ike", ike.as_deref());
    ctl::int_kv(&mut req, "ike-id", ike_id);
    ctl::str_kv(&mut req, "peer-ip", peer_ip.as_deref());
    ctl::str_kv(&mut req, "peer-id", peer_id.as_deref());
    ctl::str_kv(&mut req, "gateway", gateway.as_deref());
    ctl::simple(ctx, "redirect", req, |res| {
        ctl::report(res, format, "redirect reply", "redirect")
    })
}
