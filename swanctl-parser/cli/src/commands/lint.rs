//! `swanctl --lint [--file F]`: Cygnet's configuration checker (to be
//! implemented).

use crate::command::Ctx;

pub(crate) fn run(_ctx: &mut Ctx) -> i32 {
    eprintln!("not implemented");
    1
}
