//! `swanctl --redirect` (strongSwan `redirect.c`).

use super::ctl;
use crate::command::Ctx;
use crate::conn::Req;

pub(crate) fn run(ctx: &mut Ctx) -> i32 {
    let (mut sel, mut peer_ip, mut peer_id, mut gateway) =
        (ctl::Selectors::default(), None, None, None);
    let format = ctl::options!(ctx, "redirect", |op, arg| {
        match op {
            b'p' => peer_ip = Some(arg),
            b'd' => peer_id = Some(arg),
            b'g' => gateway = Some(arg),
            _ => return sel.opt(op, &arg),
        }
        true
    });
    // the selectors it takes, `ike` and `ike-id`, come first
    let mut req = Req::new();
    sel.add(&mut req);
    ctl::str_kv(&mut req, "peer-ip", peer_ip.as_deref());
    ctl::str_kv(&mut req, "peer-id", peer_id.as_deref());
    ctl::str_kv(&mut req, "gateway", gateway.as_deref());
    ctl::reported(ctx, "redirect", req, format)
}
