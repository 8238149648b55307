//! The collision suite (RFC 7296 §2.8.1, §2.8.2, §2.25): both peers act on
//! the same SA at once. Every case ends with both sides holding the same
//! SAs and nothing installed on one side only. `nonce_first_byte` decides
//! who holds the lowest nonce, as in strongSwan's test_child_rekey.c.

use core::time::Duration;

use super::{Pair, assert_sas_match, configs};
use crate::settings::Settings;
use crate::{ChildState, IkeState};

#[derive(Clone, Copy, Debug)]
enum Cmd {
    RekeyChild,
    RekeyIke,
    DeleteChild,
    DeleteIke,
    CreateChild,
}

/// An established pair in which `b_initiates` decides who started the IKE
/// SA, and whose nonces start with the given octets.
fn pair(a_byte: u8, b_byte: u8, b_initiates: bool) -> Pair {
    let settings = |byte| Settings {
        nonce_first_byte: Some(core::cell::Cell::new(byte)),
        ..Settings::default()
    };
    let (a, b) = configs(|_| {}, |_| {});
    let mut pair = Pair::with_settings(a, b, (settings(a_byte), settings(b_byte)), (11, 12));
    if b_initiates {
        let (b_addr, a_addr) = (pair.b.addr, pair.a.addr);
        pair.b
            .ep
            .initiate(pair.now, "gw", Some("net"), b_addr, a_addr)
            .unwrap();
        pair.flush();
    } else {
        pair.initiate("gw", Some("net"));
    }
    pair.drive();
    pair.a.take_events();
    pair.b.take_events();
    pair
}

fn run(pair: &mut Pair, on_a: bool, cmd: Cmd) {
    let node = if on_a { &mut pair.a } else { &mut pair.b };
    let now = pair.now;
    let sa = node.sa();
    match cmd {
        Cmd::RekeyChild => assert!(node.ep.rekey_child(now, sa.children[0].id)),
        Cmd::RekeyIke => node.ep.rekey_ike(now, sa.handle).unwrap(),
        Cmd::DeleteChild => assert!(node.ep.delete_child(now, sa.children[0].id)),
        Cmd::DeleteIke => assert!(node.ep.delete_ike(now, sa.handle)),
        Cmd::CreateChild => node.ep.create_child(now, sa.handle, "net").unwrap(),
    }
}

/// Both commands at the same instant, then everything settles (including
/// retries after TEMPORARY_FAILURE).
fn collide(pair: &mut Pair, a: Cmd, b: Cmd) {
    run(pair, true, a);
    run(pair, false, b);
    pair.flush();
    pair.drive();
    pair.advance(Duration::from_secs(40));
    pair.drive();
}

/// One IKE SA per side with the same SPIs, `children` CHILD_SAs installed
/// and matching, none left mid-operation.
#[track_caller]
fn assert_converged(pair: &Pair, children: usize) {
    let (a, b) = (pair.a.sa(), pair.b.sa());
    assert_eq!(
        (a.state, b.state),
        (IkeState::Established, IkeState::Established)
    );
    assert_eq!((a.spi_i, a.spi_r), (b.spi_i, b.spi_r));
    assert_eq!(
        (a.children.len(), b.children.len()),
        (children, children),
        "{a:#?}\n{b:#?}"
    );
    for c in a.children.iter().chain(&b.children) {
        assert_eq!(c.state, ChildState::Installed);
    }
    assert_eq!(pair.a.kernel.sas.len(), 2 * children);
    assert_eq!(pair.b.kernel.sas.len(), 2 * children);
    assert_sas_match(pair);
    assert_eq!(pair.a.kernel.policies.len(), pair.b.kernel.policies.len());
}

/// The inbound SPI A installed while answering B's CREATE_CHILD_SA.
fn answered_spi(log: &[String]) -> u32 {
    let response = log
        .iter()
        .position(|l| l.starts_with("transmit CREATE_CHILD_SA response"))
        .unwrap();
    let install = log[..response]
        .iter()
        .rev()
        .find(|l| l.starts_with("install Inbound"))
        .unwrap();
    u32::from_str_radix(install.rsplit(' ').next().unwrap(), 16).unwrap()
}

fn child_rekey_collision(a_byte: u8, b_byte: u8, b_initiates: bool) {
    let mut pair = pair(a_byte, b_byte, b_initiates);
    let old = pair.a.sa().children[0].spi_in;
    let logged = (pair.a.kernel.log.len(), pair.b.kernel.log.len());
    collide(&mut pair, Cmd::RekeyChild, Cmd::RekeyChild);
    assert_converged(&pair, 1);
    // each side installed one new outbound SA, the survivor's: the loser
    // never sends on its redundant CHILD_SA (charon's handle_collision)
    let outbound = |log: &[String]| {
        log.iter()
            .filter(|l| l.starts_with("install Outbound"))
            .count()
    };
    assert_eq!(
        (
            outbound(&pair.a.kernel.log[logged.0..]),
            outbound(&pair.b.kernel.log[logged.1..])
        ),
        (1, 1),
        "{:#?}\n{:#?}",
        pair.a.kernel.log,
        pair.b.kernel.log
    );
    let survivor = pair.a.sa().children[0].spi_in;
    assert_ne!(survivor, old);
    // the exchange with the lowest nonce created the redundant CHILD_SA:
    // with A's nonces lowest, B's exchange (answered by A) made the survivor
    let from_b = survivor == answered_spi(&pair.a.kernel.log);
    assert_eq!(from_b, a_byte < b_byte);
}

#[test]
fn child_rekey_collision_lowest_nonce_on_the_ike_initiator() {
    child_rekey_collision(0x00, 0x80, false);
}

#[test]
fn child_rekey_collision_lowest_nonce_on_the_ike_responder() {
    child_rekey_collision(0x80, 0x00, false);
}

#[test]
fn child_rekey_collision_lowest_nonce_on_the_ike_initiator_roles_swapped() {
    child_rekey_collision(0x00, 0x80, true);
}

#[test]
fn child_rekey_collision_lowest_nonce_on_the_ike_responder_roles_swapped() {
    child_rekey_collision(0x80, 0x00, true);
}

#[test]
fn child_rekey_collision_with_the_peers_request_arriving_late() {
    for (a_byte, b_byte) in [(0x00, 0x80), (0x80, 0x00)] {
        let mut pair = pair(a_byte, b_byte, false);
        run(&mut pair, true, Cmd::RekeyChild);
        pair.delay_next_from_b = Some(Duration::from_millis(50));
        run(&mut pair, false, Cmd::RekeyChild);
        pair.flush();
        pair.drive();
        assert_converged(&pair, 1);
    }
}

#[test]
fn child_rekey_collides_with_a_delete_of_the_same_child() {
    let mut pair = pair(0x00, 0x80, false);
    collide(&mut pair, Cmd::RekeyChild, Cmd::DeleteChild);
    // the delete wins: a rekey of a CHILD_SA being closed is refused
    assert_converged(&pair, 0);
}

#[test]
fn child_delete_collides_with_a_rekey_of_the_same_child() {
    let mut pair = pair(0x80, 0x00, false);
    collide(&mut pair, Cmd::DeleteChild, Cmd::RekeyChild);
    assert_converged(&pair, 0);
}

fn ike_rekey_collision(a_byte: u8, b_byte: u8, b_initiates: bool) {
    let mut pair = pair(a_byte, b_byte, b_initiates);
    let (old, child) = (pair.a.sa(), pair.a.sa().children[0].spi_in);
    collide(&mut pair, Cmd::RekeyIke, Cmd::RekeyIke);
    assert_converged(&pair, 1);
    let new = pair.a.sa();
    assert_ne!(new.spi_i, old.spi_i);
    assert_eq!(new.children[0].spi_in, child);
    // the survivor was initiated by the side without the lowest nonce
    assert_eq!(new.initiator, a_byte > b_byte);
}

#[test]
fn ike_rekey_collision_lowest_nonce_on_the_ike_initiator() {
    ike_rekey_collision(0x00, 0x80, false);
}

#[test]
fn ike_rekey_collision_lowest_nonce_on_the_ike_responder() {
    ike_rekey_collision(0x80, 0x00, false);
}

#[test]
fn ike_rekey_collision_roles_swapped() {
    ike_rekey_collision(0x00, 0x80, true);
    ike_rekey_collision(0x80, 0x00, true);
}

#[test]
fn ike_rekey_collides_with_a_child_rekey() {
    let mut pair = pair(0x00, 0x80, false);
    let (old_ike, old_child) = (pair.a.sa().spi_i, pair.a.sa().children[0].spi_in);
    collide(&mut pair, Cmd::RekeyIke, Cmd::RekeyChild);
    // both were refused with TEMPORARY_FAILURE at first and retried
    assert_converged(&pair, 1);
    assert_ne!(pair.a.sa().spi_i, old_ike);
    assert_ne!(pair.a.sa().children[0].spi_in, old_child);
}

#[test]
fn child_rekey_collides_with_an_ike_rekey() {
    let mut pair = pair(0x80, 0x00, true);
    let (old_ike, old_child) = (pair.a.sa().spi_i, pair.a.sa().children[0].spi_in);
    collide(&mut pair, Cmd::RekeyChild, Cmd::RekeyIke);
    assert_converged(&pair, 1);
    assert_ne!(pair.a.sa().spi_i, old_ike);
    assert_ne!(pair.a.sa().children[0].spi_in, old_child);
}

#[test]
fn ike_rekey_collides_with_an_ike_delete() {
    let mut pair = pair(0x00, 0x80, false);
    collide(&mut pair, Cmd::RekeyIke, Cmd::DeleteIke);
    for node in [&pair.a, &pair.b] {
        assert_eq!(node.ep.sas().count(), 0);
        assert!(node.kernel.sas.is_empty() && node.kernel.policies.is_empty());
    }
}

#[test]
fn ike_delete_collides_with_an_ike_rekey() {
    let mut pair = pair(0x00, 0x80, true);
    collide(&mut pair, Cmd::DeleteIke, Cmd::RekeyIke);
    for node in [&pair.a, &pair.b] {
        assert_eq!(node.ep.sas().count(), 0);
        assert!(node.kernel.sas.is_empty() && node.kernel.policies.is_empty());
    }
}

#[test]
fn child_rekey_collides_with_an_ike_delete() {
    let mut pair = pair(0x00, 0x80, false);
    collide(&mut pair, Cmd::RekeyChild, Cmd::DeleteIke);
    for node in [&pair.a, &pair.b] {
        assert_eq!(node.ep.sas().count(), 0);
        assert!(node.kernel.sas.is_empty() && node.kernel.policies.is_empty());
    }
}

#[test]
fn child_create_collides_with_an_ike_rekey() {
    let mut pair = pair(0x00, 0x80, false);
    collide(&mut pair, Cmd::CreateChild, Cmd::RekeyIke);
    // the new CHILD_SA is refused for now (TEMPORARY_FAILURE), the rekey done
    let children = pair.a.sa().children.len();
    assert!(children == 1 || children == 2);
    assert_converged(&pair, children);
}

#[test]
fn ike_rekey_collides_with_a_child_delete() {
    let mut pair = pair(0x00, 0x80, false);
    let old_ike = pair.a.sa().spi_i;
    collide(&mut pair, Cmd::RekeyIke, Cmd::DeleteChild);
    assert_converged(&pair, 0);
    assert_ne!(pair.a.sa().spi_i, old_ike);
}

#[test]
fn crossing_child_deletes_leave_nothing_installed() {
    let mut pair = pair(0x00, 0x80, true);
    collide(&mut pair, Cmd::DeleteChild, Cmd::DeleteChild);
    assert_converged(&pair, 0);
}

#[test]
fn rekeys_of_different_children_do_not_collide() {
    let mut pair = pair(0x00, 0x80, false);
    run(&mut pair, true, Cmd::CreateChild);
    pair.flush();
    pair.drive();
    let (first, second) = (pair.a.sa().children[0].id, pair.b.sa().children[1].id);
    pair.a.ep.rekey_child(pair.now, first);
    pair.b.ep.rekey_child(pair.now, second);
    pair.flush();
    pair.drive();
    assert_converged(&pair, 2);
}
