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

/// Establishes, runs `ops` over the impaired network, then waits long
/// enough for every retransmit, grace period and liveness check to end
/// what one side gave up on.
fn replay(seeds: (u64, u64), impair: Impairments, ops: &[(bool, Op, u64)]) -> Pair {
    let dpd = |c: &mut crate::config::IkeConfig| c.dpd_delay = Duration::from_secs(30);
    let (a, b) = configs(dpd, dpd);
    let mut pair = Pair::with_settings(a, b, (Settings::default(), Settings::default()), seeds);
    pair.impair = impair;
    pair.initiate("gw", Some("net"));
    for &(on_a, op, delay_ms) in ops {
        pair.advance(Duration::from_millis(delay_ms));
        apply(&mut pair, on_a, op);
    }
    pair.advance(Duration::from_secs(1200));
    pair.impair = Impairments::default();
    pair.advance(Duration::from_secs(600));
    pair
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn lossy_networks_converge_to_the_same_sas(
        seeds in (1..u64::MAX, 1..u64::MAX),
        loss in 0.0..0.3f64,
        duplicate in 0.0..0.1f64,
        reorder in 0.0..0.2f64,
        ops in proptest::collection::vec(op(), 0..6),
    ) {
        let pair = replay(seeds, Impairments { loss, duplicate, reorder }, &ops);
        assert_converged(&pair);
    }
}

/// RNG seeds, (loss, duplicate, reorder) and the operations of a case.
type Counterexample = ((u64, u64), (f64, f64, f64), &'static [(bool, Op, u64)]);

/// Cases the property once found, each a bug fixed since.
#[test]
fn former_counterexamples_converge() {
    let cases: [Counterexample; 5] = [
        // a rekey answered after the peer deleted the old CHILD_SA
        (
            (15930060430349391257, 17187927586416681072),
            (
                0.19623607458063255,
                0.05421601074066676,
                0.05721715882164256,
            ),
            &[
                (false, Op::CreateChild, 30),
                (false, Op::RekeyChild, 3864),
                (true, Op::RekeyChild, 19077),
                (false, Op::RekeyChild, 3131),
            ],
        ),
        // the responder deletes a CHILD_SA before our IKE_AUTH completed
        (
            (14977824513139429596, 5992777518208986462),
            (
                0.18496441023284868,
                0.05579496940564264,
                0.029456715774639736,
            ),
            &[(false, Op::DeleteChild, 8020)],
        ),
        // a CHILD_SA deleted by its creator before its answer arrived
        (
            (9062444055531820494, 446587797714338785),
            (
                0.19344387254094467,
                0.011801649054477389,
                0.08888817296683275,
            ),
            &[
                (false, Op::DeleteChild, 30),
                (false, Op::CreateChild, 0),
                (true, Op::DeleteChild, 30),
            ],
        ),
        // the old IKE SA of a collision the peer won is deleted first
        (
            (1226678463345106820, 8171705918937972133),
            (0.2533013589487012, 0.03509580678919122, 0.04696455307615858),
            &[(false, Op::RekeyIke, 7348), (true, Op::RekeyIke, 7892)],
        ),
        // a rekey of a CHILD_SA whose creation our peer has not yet seen
        (
            (13445217075149568587, 8120814387306589007),
            (
                0.2607040406487977,
                0.014651687980985604,
                0.16869313356024832,
            ),
            &[
                (false, Op::DeleteChild, 4030),
                (false, Op::RekeyIke, 0),
                (true, Op::CreateChild, 11231),
                (false, Op::RekeyChild, 10),
                (false, Op::RekeyChild, 0),
            ],
        ),
    ];
    for (seeds, (loss, duplicate, reorder), ops) in cases {
        let pair = replay(
            seeds,
            Impairments {
                loss,
                duplicate,
                reorder,
            },
            ops,
        );
        assert_converged(&pair);
    }
}
