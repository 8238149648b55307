//! Property: over a network that loses up to 30 % of datagrams and
//! duplicates and reorders others, both sides converge to the same SAs and
//! no SA stays installed on one side only.

use core::time::Duration;

use proptest::prelude::*;

use super::{Pair, assert_sas_match, configs};
use crate::IkeState;
use crate::settings::Settings;
use crate::tests::pair::Impairments;

#[derive(Clone, Copy, Debug)]
enum Op {
    RekeyChild,
    RekeyIke,
    CreateChild,
    DeleteChild,
}

fn op() -> impl Strategy<Value = (bool, Op, u64)> {
    let ops = prop_oneof![
        Just(Op::RekeyChild),
        Just(Op::RekeyIke),
        Just(Op::CreateChild),
        Just(Op::DeleteChild)
    ];
    (any::<bool>(), ops, 0..20_000u64)
}

/// Runs `op` on A or B if there is an SA (and a CHILD_SA) to run it on.
fn apply(pair: &mut Pair, on_a: bool, op: Op) {
    let now = pair.now;
    let node = if on_a { &mut pair.a } else { &mut pair.b };
    let Some(sa) = node.ep.sas().find(|s| s.state == IkeState::Established) else {
        return;
    };
    let child = sa.children.first().map(|c| c.id);
    match (op, child) {
        (Op::RekeyChild, Some(child)) => {
            node.ep.rekey_child(now, child);
        }
        (Op::DeleteChild, Some(child)) => {
            node.ep.delete_child(now, child);
        }
        (Op::RekeyIke, _) => {
            let _ = node.ep.rekey_ike(now, sa.handle);
        }
        (Op::CreateChild, _) => {
            let _ = node.ep.create_child(now, sa.handle, "net");
        }
        _ => {}
    }
    pair.flush();
}

/// Both sides hold the same established IKE SAs with the same CHILD_SAs,
/// and exactly their SAs are installed.
fn assert_converged(pair: &Pair) {
    let established = |node: &super::pair::Node| {
        let mut sas: Vec<_> = node
            .ep
            .sas()
            .filter(|s| s.state == IkeState::Established)
            .map(|s| {
                let mut children: Vec<_> =
                    s.children.iter().map(|c| (c.spi_in, c.spi_out)).collect();
                children.sort_unstable();
                (s.spi_i, s.spi_r, children)
            })
            .collect();
        sas.sort_unstable();
        sas
    };
    let (a, b) = (established(&pair.a), established(&pair.b));
    assert_eq!(
        pair.a.ep.sas().count(),
        a.len(),
        "only established SAs are left"
    );
    assert_eq!(
        pair.b.ep.sas().count(),
        b.len(),
        "only established SAs are left"
    );
    let mirrored: Vec<_> = b
        .iter()
        .map(|(i, r, children)| {
            let mut c: Vec<_> = children
                .iter()
                .map(|(spi_in, spi_out)| (*spi_out, *spi_in))
                .collect();
            c.sort_unstable();
            (*i, *r, c)
        })
        .collect();
    assert_eq!(a, mirrored);
    let children: usize = a.iter().map(|(_, _, c)| c.len()).sum();
    assert_eq!(pair.a.kernel.sas.len(), 2 * children);
    assert_eq!(pair.b.kernel.sas.len(), 2 * children);
    assert_sas_match(pair);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 40, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn lossy_networks_converge_to_the_same_sas(
        seeds in (1..u64::MAX, 1..u64::MAX),
        loss in 0.0..0.3f64,
        duplicate in 0.0..0.1f64,
        reorder in 0.0..0.2f64,
        ops in proptest::collection::vec(op(), 0..6),
    ) {
        let dpd = |c: &mut crate::config::IkeConfig| c.dpd_delay = Duration::from_secs(30);
        let (a, b) = configs(dpd, dpd);
        let mut pair = Pair::with_settings(a, b, (Settings::default(), Settings::default()), seeds);
        pair.impair = Impairments { loss, duplicate, reorder };
        pair.initiate("gw", Some("net"));
        for (on_a, op, delay_ms) in ops {
            pair.advance(Duration::from_millis(delay_ms));
            apply(&mut pair, on_a, op);
        }
        // long enough for every retransmit, grace period and liveness
        // check to have ended what one side gave up on
        pair.advance(Duration::from_secs(1200));
        pair.impair = Impairments::default();
        pair.advance(Duration::from_secs(600));
        assert_converged(&pair);
    }
}
