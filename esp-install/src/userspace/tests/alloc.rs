//! No allocation per packet: a counting global allocator (this test
//! binary only) sees none while packets go through both directions.

use std::time::Instant;

use super::*;

#[allow(unsafe_code)] // GlobalAlloc is an unsafe trait; this only counts and delegates
mod counting {
    use std::alloc::{GlobalAlloc, Layout, System};
    use std::cell::Cell;

    thread_local! {
        static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
    }

    fn count() {
        let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
    }

    /// Allocations made by this thread so far.
    pub(super) fn allocations() -> u64 {
        ALLOCATIONS.with(Cell::get)
    }

    struct Counting;

    // SAFETY: every method forwards to `System` with the caller's arguments.
    unsafe impl GlobalAlloc for Counting {
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            count();
            // SAFETY: forwarded contract.
            unsafe { System.alloc(layout) }
        }

        unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
            count();
            // SAFETY: forwarded contract.
            unsafe { System.alloc_zeroed(layout) }
        }

        unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
            count();
            // SAFETY: forwarded contract.
            unsafe { System.realloc(ptr, layout, new_size) }
        }

        unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
            // SAFETY: forwarded contract.
            unsafe { System.dealloc(ptr, layout) }
        }
    }

    #[global_allocator]
    static GLOBAL: Counting = Counting;
}

/// Allocations during `rounds` round trips A -> B in one reused buffer,
/// after one warm-up round trip.
fn allocations_per_round_trips(child: &Child, rounds: usize) -> u64 {
    let now = Instant::now();
    let (mut a, mut b) = child.pair(now);
    let t = child.topology;
    let packet = udp(t.host_a, t.host_b, 1372);
    let mut buf = vec![0u8; HEADROOM + packet.len() + TAILROOM];
    let (src, dst) = (ip(t.outer_a), ip(t.outer_b));
    let mut round_trip = |a: &mut Dataplane, b: &mut Dataplane| {
        buf[HEADROOM..HEADROOM + packet.len()].copy_from_slice(&packet);
        let mut frame = Frame::new(&mut buf, HEADROOM..HEADROOM + packet.len()).unwrap();
        let out = a.encapsulate(now, &mut frame).unwrap();
        let esp = frame.range().start + out.esp_offset..frame.range().end;
        let mut frame = Frame::new(&mut buf, esp).unwrap();
        b.decapsulate(now, &mut frame, src, dst).unwrap();
        assert_eq!(frame.len(), packet.len());
    };
    round_trip(&mut a, &mut b);
    let before = counting::allocations();
    for _ in 0..rounds {
        round_trip(&mut a, &mut b);
    }
    counting::allocations() - before
}

#[test]
fn protecting_and_recovering_packets_allocates_nothing_for_any_suite_or_mode() {
    for suite in SUITES {
        for (mode, topology) in [
            (Mode::Tunnel, V4_IN_V4),
            (Mode::Tunnel, V6_IN_V4),
            (Mode::Transport, transport("2001:db8::1", "2001:db8::2")),
        ] {
            let child = Child {
                esn: true,
                ..Child::new(*suite, mode, topology)
            };
            let n = allocations_per_round_trips(&child, 200);
            assert_eq!(n, 0, "{suite:?} {mode:?}");
        }
    }
}

#[test]
fn the_counting_allocator_sees_allocations() {
    let before = counting::allocations();
    let v = std::hint::black_box(vec![1u8; 10]);
    assert_eq!(counting::allocations() - before, 1);
    drop(v);
}
